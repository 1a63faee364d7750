"""Recording admin changes in the audit log (used by every admin endpoint)."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from server.platform.access_audit import record_access
from server.platform.auth.principals import AgentPrincipal
from store.audit_models import AuditEvent

SECRET_FIELDS = {"password", "password_hash", "secret", "site_key", "key"}


async def record_audit(
    app: web.Application,
    actor: AgentPrincipal,
    action: str,
    target_type: str,
    target_id: str,
    changes: dict[str, Any] | None = None,
) -> AuditEvent:
    """Append one audit event; secret values are recorded as changed, never stored."""
    shown = {
        key: ("(changed)" if key in SECRET_FIELDS else value)
        for key, value in (changes or {}).items()
    }
    return await record_access(app, actor, action, target_type, target_id, shown)
