"""Recording admin changes in the audit log (used by every admin endpoint)."""

from __future__ import annotations

import secrets
from typing import Any

from aiohttp import web

from server.auth.principals import AgentPrincipal
from server.keys import STORE
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
    event = AuditEvent(
        id="au_" + secrets.token_urlsafe(9),
        tenant_id=actor.tenant_id,
        actor_id=actor.agent_id,
        actor_name=actor.name,
        action=action,
        target_type=target_type,
        target_id=target_id,
        changes=shown,
    )
    await app[STORE].append_audit(event)
    return event
