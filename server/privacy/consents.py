"""Consent records: every answer a participant gives to a consent prompt (camera,
screen share, co-browse, remote control, recording), kept with the exact text shown
and its language before anything that depends on it starts.

Callers record first and act after: a recording is started only once
``ConsentLedger.record`` has returned, so no recorded byte exists without a record.
"""

from __future__ import annotations

import secrets

from aiohttp import web

from server.platform.keys import SESSION_EVENTS, STORE
from store.privacy_models import ConsentDecision, ConsentKind, ConsentRecord


class ConsentLedger:
    def __init__(self, app: web.Application) -> None:
        self.app = app  # the store opens, and the escalation sink arrives, after setup

    async def record(
        self,
        *,
        tenant_id: str,
        session_id: str,
        participant_id: str,
        participant_role: str,
        kind: ConsentKind,
        decision: ConsentDecision,
        text: str | None = None,
        lang: str | None = None,
    ) -> ConsentRecord:
        record = ConsentRecord(
            id="cs_" + secrets.token_urlsafe(9),
            tenant_id=tenant_id,
            session_id=session_id,
            participant_id=participant_id,
            participant_role=participant_role,
            kind=kind,
            decision=decision,
            text=text or "",
            lang=lang or "",
        )
        await self.app[STORE].append_consent(record)
        # The session's timeline (and the console watching it) learns of it too.
        await self.app[SESSION_EVENTS].record(
            session_id, "consent", participant_id, {"kind": kind, "decision": decision}
        )
        return record
