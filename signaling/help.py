"""Raise hand (issue #25): an agent asks the organisation's supervisors for help on a
live session from the ``/agent`` feed; the first supervisor to answer gets it (an
atomic claim in the store, so two nodes cannot both hand it out) and joins as observer.
"""

from __future__ import annotations

import json
import secrets
from typing import Any

from escalation.core.states import HELD
from server.platform.auth.principals import AgentPrincipal
from server.platform.errors import Conflict, Forbidden, NotFound
from server.platform.keys import SESSION_EVENTS, STORE
from server.platform.validation import parse_model
from signaling.messages import HelpAnswerMessage, HelpRequestMessage
from signaling.namespace import ProtocolNamespace
from signaling.rooms import agent_room, tenant_supervisors_room
from store.base import Store
from store.escalation_models import State
from store.models import utcnow

HELP_TTL_S = 4 * 3600.0
# an escalation whose session goes on (wrap-up comes after its end)
LIVE_STATES: tuple[State, ...] = tuple(sorted(HELD - {"wrap_up"}))
REASK_S = 120.0  # an unanswered request may be sent again after this
_REQUEST = "help:"
_ANSWER = "help-answer:"
_OPEN = "help-open:"  # one open request per session: no flooding the supervisors


def _context(escalation: Any) -> dict[str, Any]:
    """What a supervisor needs to decide whether to go: who, where, why."""
    if escalation is None:
        return {}
    ctx = escalation.context
    return {
        "customer": ctx.customer.name if ctx.customer else None,
        "language": escalation.language,
        "page": ctx.page.title if ctx.page else None,
        "intent": ctx.bot.intent if ctx.bot else None,
        "modalities": list(escalation.modalities),
        "trigger": escalation.trigger,
    }


async def _stored_request(store: Store, request_id: str) -> dict[str, Any] | None:
    """The request as it was sent to the supervisors (None once it expired)."""
    key = _REQUEST + request_id
    found = await store.begin_idempotent(key, "", HELP_TTL_S)
    if found is None:  # nothing was there: leave nothing behind
        await store.release_idempotent(key)
    if found is None or not found.done:
        return None
    request: dict[str, Any] = json.loads(found.response)
    return request


def _public(request: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in request.items() if k != "tenant_id"}


async def _replaced(store: Store, request: dict[str, Any]) -> bool:
    """Whether the agent has asked again since ``request``: the supervisors were sent
    the newer one, and only that one is theirs to answer."""
    session = await store.get_session(request["session_id"])
    if session is None or session.escalation_id is None:
        return False
    escalation = await store.get_escalation(session.escalation_id)
    latest = escalation.help_request_id if escalation else None
    return latest is not None and latest != request["request_id"]


async def open_help_requests(store: Store, tenant_id: str) -> list[dict[str, Any]]:
    """The open request of each live session of the organisation (the record names it
    until it is answered): what a supervisor who connects now has not been sent."""
    opened: list[dict[str, Any]] = []
    for escalation in await store.list_escalations(tenant_id, states=LIVE_STATES, limit=1000):
        if escalation.help_request_id is None:
            continue
        request = await _stored_request(store, escalation.help_request_id)
        if request is not None and request["tenant_id"] == tenant_id:
            opened.append(_public(request))
    return sorted(opened, key=lambda r: str(r["requested_at"]))


class HelpEvents(ProtocolNamespace):
    """``help-request`` and ``help-answer`` on ``/agent`` (mixed into AgentNamespace)."""

    async def on_help_request(self, sid: str, data: Any) -> dict[str, Any]:
        msg = parse_model(HelpRequestMessage, data)
        me = await self.principal(sid)
        assert isinstance(me, AgentPrincipal)
        store = self.app[STORE]
        session = await store.get_session(msg.session_id)
        if session is None or session.tenant_id != me.tenant_id:
            raise NotFound("unknown session")
        if me.agent_id not in session.agent_ids:
            raise Forbidden("you are not assigned to this session")
        if session.ended_at is not None:
            raise Conflict("the session has ended")
        escalation = (
            await store.get_escalation(session.escalation_id) if session.escalation_id else None
        )
        request_id = secrets.token_urlsafe(12)
        if await store.begin_idempotent(_OPEN + session.id, request_id, REASK_S) is not None:
            raise Conflict("help was already requested for this session")
        request = {
            "request_id": request_id,
            "session_id": session.id,
            "tenant_id": session.tenant_id,
            "agent": {"id": me.agent_id, "name": me.name},
            "note": msg.note,
            "context": _context(escalation),
            "requested_at": utcnow().isoformat(),
        }
        key = _REQUEST + request_id
        await store.begin_idempotent(key, session.id, HELP_TTL_S)
        await store.finish_idempotent(key, 200, json.dumps(request), HELP_TTL_S)
        await self.app[SESSION_EVENTS].record(
            session.id, "help_requested", me.agent_id, {"request_id": request_id}
        )
        await self.emit(
            "help-requested", _public(request), room=tenant_supervisors_room(me.tenant_id)
        )
        return {"request_id": request_id, "reask_after_s": REASK_S}

    async def on_help_answer(self, sid: str, data: Any) -> dict[str, Any]:
        msg = parse_model(HelpAnswerMessage, data)
        me = await self.principal(sid)
        assert isinstance(me, AgentPrincipal)
        if not me.is_supervisor:
            raise Forbidden("only supervisors answer a request for help")
        store = self.app[STORE]
        request = await _stored_request(store, msg.request_id)
        if request is None or request["tenant_id"] != me.tenant_id:
            raise NotFound("unknown request for help")
        if await _replaced(store, request):
            raise Conflict("the agent asked again since: answer their newer request")
        answered = _ANSWER + msg.request_id
        taken = await store.begin_idempotent(answered, me.agent_id, HELP_TTL_S)
        if taken is not None:
            by = json.loads(taken.response)["name"] if taken.done else "another supervisor"
            raise Conflict(f"already answered by {by}")
        supervisor = {"id": me.agent_id, "name": me.name}
        await store.finish_idempotent(answered, 200, json.dumps(supervisor), HELP_TTL_S)
        session_id = request["session_id"]
        await store.release_idempotent(_OPEN + session_id)  # the agent may ask again later
        await self.app[SESSION_EVENTS].record(
            session_id, "help_answered", me.agent_id, {"request_id": msg.request_id}
        )
        answer = {"request_id": msg.request_id, "session_id": session_id, "supervisor": supervisor}
        await self.emit("help-answered", answer, room=tenant_supervisors_room(me.tenant_id))
        await self.emit("help-answered", answer, room=agent_room(request["agent"]["id"]))
        return {"session_id": session_id, "observe_url": f"/observe/{session_id}"}
