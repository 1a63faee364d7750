"""The session-event sink: facts reported by signaling, media and co-browse
(``app[SESSION_EVENTS].record(...)``) become events of the session's escalation."""

from __future__ import annotations

import logging
from typing import Any

from escalation.core.service import EscalationService
from server.platform.errors import CoviewError

log = logging.getLogger("coview.escalation.sink")


class EscalationSessionSink:
    def __init__(self, service: EscalationService) -> None:
        self._service = service

    async def record(
        self, session_id: str, type: str, actor: str, data: dict[str, Any] | None = None
    ) -> None:
        session = await self._service.store.get_session(session_id)
        if session is None or session.escalation_id is None:
            log.info("session %s: %s by %s (no escalation)", session_id, type, actor)
            return
        try:
            await self._service.record_fact(session.escalation_id, type, actor, data or {})
        except CoviewError as exc:
            log.warning("could not record %s on %s: %s", type, session.escalation_id, exc)
