"""Facts that happen inside a session (media connected, recording started, control
granted...) and belong in its escalation's audit log.

Packages that see such facts (signaling, media, cobrowse) report them here without
knowing about escalations; the escalation package installs the sink that appends
them as EscalationEvents. Until it does, facts are only logged.
"""

from __future__ import annotations

import logging
from typing import Any, Protocol

log = logging.getLogger("coview.session_events")


class SessionEventSink(Protocol):
    async def record(
        self, session_id: str, type: str, actor: str, data: dict[str, Any] | None = None
    ) -> None: ...


class LoggingSink:
    """The default sink: a structured log line per fact."""

    async def record(
        self, session_id: str, type: str, actor: str, data: dict[str, Any] | None = None
    ) -> None:
        log.info(
            "session %s: %s by %s",
            session_id,
            type,
            actor,
            extra={"session_id": session_id, "event": type, "actor": actor, "data": data or {}},
        )
