"""HTTP endpoints of the escalation service (PROTOCOL.md; refinements in docs/protocol.md)."""

from __future__ import annotations

import asyncio
import json
from typing import Any

from aiohttp import web

from escalation.core.actions import require_holder
from escalation.core.change import actor_of
from escalation.core.creation import Created
from escalation.core.idempotency import KEYED_IN_FLIGHT_TTL_S, idempotent, key_id
from escalation.core.keys import LIVE
from escalation.core.schemas import (
    CreateEscalation,
    CreateSession,
    EmptyBody,
    InviteBody,
    MediaConnectedBody,
    ReasonBody,
    TransferBody,
    UpgradeBody,
    WrapUpBody,
)
from escalation.core.service import ESCALATIONS, EscalationService
from escalation.core.states import is_terminal
from escalation.routing.policy import can_take
from escalation.routing.presence import queue_summary
from server.platform.auth.invites import invite_view, issue_invite, join_url
from server.platform.auth.principals import (
    AgentPrincipal,
    ApiKeyPrincipal,
    Principal,
    SessionPrincipal,
    SitePrincipal,
)
from server.platform.auth.request import authenticate, require, require_agent
from server.platform.client_ip import client_ip
from server.platform.errors import Forbidden, NotFound, PayloadTooLarge, Unprocessable
from server.platform.jsonio import dumps, json_response
from server.platform.keys import CONFIG, DRAINING, RATE_LIMITER, STORE
from server.platform.validation import parse_model, read_body, read_json
from store.escalation_models import Escalation, EscalationEvent, State

SSE_HEARTBEAT_S = 15.0
# Event data the customer does not see (internal notes, routing).
_PRIVATE_EVENT_DATA = frozenset(
    {"offered", "declined", "offer_expired", "offer_withdrawn", "transferred", "wrap_up"}
)
LISTABLE_STATES: frozenset[str] = frozenset(
    {"requested", "queued", "offered", "accepted", "connecting", "in_session", "wrap_up"}
    | {"completed", "ineligible", "abandoned", "expired", "failed", "cancelled"}
)


def _service(request: web.Request) -> EscalationService:
    return request.app[ESCALATIONS]


def _is_customer(principal: Principal) -> bool:
    return isinstance(principal, SessionPrincipal | SitePrincipal)


def view(esc: Escalation, principal: Principal) -> dict[str, Any]:
    return esc.customer_view() if _is_customer(principal) else esc.public()


def event_view(event: EscalationEvent, principal: Principal) -> dict[str, Any]:
    data = event.public()
    if _is_customer(principal) and event.type in _PRIVATE_EVENT_DATA:
        data["data"] = {}
    return data


async def _caller(
    request: web.Request, *kinds: type[Principal], allow_query: bool = False
) -> Principal:
    """The caller if it is one of ``kinds`` (403 for a valid credential of another kind)."""
    principal = await authenticate(request, allow_query=allow_query)
    if not isinstance(principal, kinds):
        raise Forbidden("this credential cannot be used here")
    return principal


def _id(request: web.Request) -> str:
    return request.match_info["id"]


def _check_context_size(request: web.Request, data: Any) -> None:
    if isinstance(data, dict) and "context" in data:
        limit = request.app[CONFIG].max_context_bytes
        size = len(json.dumps(data["context"], separators=(",", ":")).encode())
        if size > limit:
            raise PayloadTooLarge(f"context is {size} bytes; the limit is {limit}")


# creating -----------------------------------------------------------------------------
async def create_escalation(request: web.Request) -> web.Response:
    principal = await _caller(request, ApiKeyPrincipal, SitePrincipal, SessionPrincipal)
    if isinstance(principal, SessionPrincipal) and principal.role != "customer":
        raise Forbidden("only the customer's session token may request an escalation")
    if isinstance(principal, SitePrincipal):
        config = request.app[CONFIG]
        await request.app[RATE_LIMITER].hit(
            config.escalation_rate, "escalations", f"{principal.site.id}:{client_ip(request)}"
        )
    data = await read_body(request)
    _check_context_size(request, data)
    body = parse_model(CreateEscalation, data)

    service = _service(request)
    esc_id = key_id(request, principal, "escalations", "esc_")

    async def written() -> tuple[int, dict[str, Any]] | None:
        """The escalation this key names, if a node wrote it and died before answering."""
        existing = await service.store.get_escalation(esc_id) if esc_id else None
        if existing is None:
            return None
        return answer(await service.customer_access(principal, existing))

    async def handler() -> tuple[int, dict[str, Any]]:
        return await written() or answer(await service.create(principal, body, esc_id))

    def answer(created: Created) -> tuple[int, dict[str, Any]]:
        config = request.app[CONFIG]
        return 201, {
            "escalation": view(created.escalation, principal),
            "customer": {
                "token": created.customer_token.token,
                "join_url": join_url(config, created.invite),
                "short_code": created.invite.short_code,
                "expires_at": created.invite.expires_at.isoformat(),
            },
        }

    return await idempotent(
        request, principal, "escalations", handler, written, KEYED_IN_FLIGHT_TTL_S
    )


async def create_session(request: web.Request) -> web.Response:
    principal = await require_agent(request)
    data = await read_body(request)
    _check_context_size(request, data)
    body = parse_model(CreateSession, data)

    async def handler() -> tuple[int, dict[str, Any]]:
        esc, invite = await _service(request).create_adhoc(principal, body)
        return 201, {"escalation": esc.public(), "invite": invite_view(request.app[CONFIG], invite)}

    return await idempotent(request, principal, "sessions", handler)


# reading ------------------------------------------------------------------------------
async def get_escalation(request: web.Request) -> web.Response:
    principal = await authenticate(request, allow_query=True)
    esc = await _service(request).visible(principal, _id(request))
    data = view(esc, principal)
    if esc.agent_id is not None:
        # The customer is helped by a person with a name ("Ana is helping you").
        agent = await request.app[STORE].get_agent(esc.agent_id)
        data["agent_name"] = agent.name if agent else None
    if esc.state in ("queued", "offered"):
        # Where the customer stands: 1 is next (routing order, offers included).
        queue = await request.app[STORE].queued_escalations(esc.tenant_id, limit=500)
        ids = [e.id for e in queue]
        data["queue_position"] = ids.index(esc.id) + 1 if esc.id in ids else 1
    return json_response(data)


async def list_escalations(request: web.Request) -> web.Response:
    principal = await _caller(request, AgentPrincipal, ApiKeyPrincipal)
    states_arg = request.query.get("state")
    states: list[State] | None = None
    if states_arg:
        wanted = [s.strip() for s in states_arg.split(",") if s.strip()]
        unknown = [s for s in wanted if s not in LISTABLE_STATES]
        if unknown:
            raise Unprocessable(f"unknown state {unknown[0]!r}")
        states = wanted  # type: ignore[assignment]
    try:
        limit = int(request.query.get("limit", "50"))
    except ValueError as exc:
        raise Unprocessable("limit must be an integer") from exc
    if not 1 <= limit <= 500:
        raise Unprocessable("limit must be between 1 and 500")
    found = await request.app[STORE].list_escalations(
        principal.tenant_id,
        states=states,
        customer_id=request.query.get("customer_id") or None,
        limit=limit,
    )
    return json_response({"escalations": [e.public() for e in found]})


def _after_seq(request: web.Request) -> int:
    raw = request.headers.get("Last-Event-ID") or request.query.get("after") or "0"
    try:
        value = int(raw)
    except ValueError as exc:
        raise Unprocessable("after / Last-Event-ID must be an event seq") from exc
    if value < 0:
        raise Unprocessable("after / Last-Event-ID must not be negative")
    return value


async def list_events(request: web.Request) -> web.StreamResponse:
    principal = await authenticate(request, allow_query=True)
    esc = await _service(request).visible(principal, _id(request))
    after = _after_seq(request)
    if "text/event-stream" in request.headers.get("Accept", ""):
        return await _stream_events(request, principal, esc, after)
    events = await request.app[STORE].list_events(esc.id, after_seq=after)
    return json_response({"events": [event_view(e, principal) for e in events]})


async def _stream_events(
    request: web.Request, principal: Principal, esc: Escalation, after: int
) -> web.StreamResponse:
    """Server-Sent Events: each event as ``id: <seq>`` + ``data: <event JSON>``; after a
    terminal state one ``event: end`` and the stream closes."""
    store, live = request.app[STORE], request.app[LIVE]
    poll = request.app[CONFIG].sse_poll_s
    response = web.StreamResponse(
        headers={
            "Content-Type": "text/event-stream",
            "Cache-Control": "no-cache",
            "X-Accel-Buffering": "no",
        }
    )
    await response.prepare(request)
    await response.write(b"retry: 2000\n\n")
    idle = 0.0
    draining = request.app[DRAINING]
    try:
        # A node shutting down ends the stream without ``end``: the client's
        # EventSource reconnects (to another node) with Last-Event-ID.
        while not draining.is_set():
            wake = live.register(esc.id)
            try:
                events = await store.list_events(esc.id, after_seq=after)
                for event in events:
                    payload = dumps(event_view(event, principal))
                    await response.write(f"id: {event.seq}\ndata: {payload}\n\n".encode())
                    after = event.seq
                current = await store.get_escalation(esc.id)
                if current is not None and is_terminal(current.state) and after >= current.seq:
                    await response.write(b"event: end\ndata: {}\n\n")
                    break
                if not events:
                    try:
                        await asyncio.wait_for(wake.wait(), poll)
                        idle = 0.0
                    except TimeoutError:
                        idle += poll
                        if idle >= SSE_HEARTBEAT_S:
                            await response.write(b": keep-alive\n\n")
                            idle = 0.0
            finally:
                live.unregister(esc.id, wake)
        await response.write_eof()
    except (ConnectionResetError, asyncio.CancelledError):  # the client went away
        pass
    return response


async def queue(request: web.Request) -> web.Response:
    """Offers waiting for me, queued escalations I could take, and the queue summary."""
    principal = await require_agent(request)
    store = request.app[STORE]
    agent = await store.get_agent(principal.agent_id)
    if agent is None:
        raise NotFound("agent no longer exists")
    offered = await store.list_escalations(principal.tenant_id, states=["offered"], limit=500)
    queued = await store.queued_escalations(principal.tenant_id, limit=200)
    load = (await store.get_agent_loads([agent.id]))[agent.id]
    summary = await queue_summary(store, principal.tenant_id)
    return json_response(
        {
            "offers": [e.public() for e in offered if e.offered_to == agent.id],
            "queued": [e.public() for e in queued if can_take(agent, e, load)],
            **summary,
        }
    )


# actions ------------------------------------------------------------------------------
async def accept(request: web.Request) -> web.Response:
    principal = await require_agent(request)
    await read_json(request, EmptyBody)
    esc = await _service(request).accept(principal, _id(request))
    return json_response(esc.public())


async def decline(request: web.Request) -> web.Response:
    principal = await require_agent(request)
    body = await read_json(request, ReasonBody)
    esc = await _service(request).decline(principal, _id(request), body.reason)
    return json_response(esc.public())


async def cancel(request: web.Request) -> web.Response:
    principal = await _caller(request, AgentPrincipal, SessionPrincipal, ApiKeyPrincipal)
    body = await read_json(request, ReasonBody)
    esc = await _service(request).cancel(principal, _id(request), body.reason)
    return json_response(view(esc, principal))


async def abandon(request: web.Request) -> web.Response:
    """The customer left the page while waiting; meant for ``navigator.sendBeacon``, so
    the token may come as ``?token=`` and any body is ignored."""
    principal = await require(request, SessionPrincipal, allow_query=True)
    esc = await _service(request).abandon(principal, _id(request))
    return json_response(view(esc, principal))


async def transfer(request: web.Request) -> web.Response:
    principal = await require_agent(request)
    body = await read_json(request, TransferBody)
    esc = await _service(request).transfer(principal, _id(request), body)
    return json_response(esc.public())


async def upgrade(request: web.Request) -> web.Response:
    principal = await require_agent(request)
    body = await read_json(request, UpgradeBody)
    esc = await _service(request).upgrade(principal, _id(request), body)
    return json_response(esc.public())


async def wrap_up(request: web.Request) -> web.Response:
    principal = await require_agent(request)
    body = await read_json(request, WrapUpBody)
    esc = await _service(request).wrap_up(principal, _id(request), body.notes, body.disposition)
    return json_response(esc.public())


async def complete(request: web.Request) -> web.Response:
    principal = await require_agent(request)
    await read_json(request, EmptyBody)
    esc = await _service(request).complete(principal, _id(request))
    return json_response(esc.public())


async def media_connected(request: web.Request) -> web.Response:
    """A session page reports that media flows (time to media is measured from accept)."""
    principal = await _caller(request, AgentPrincipal, SessionPrincipal)
    body = await read_json(request, MediaConnectedBody)
    service = _service(request)
    esc = await service.visible(principal, _id(request))
    if isinstance(principal, AgentPrincipal) and principal.agent_id != esc.agent_id:
        raise Forbidden("only the agent holding this escalation may report its media")
    data = body.model_dump(exclude_none=True)
    updated = await service.record_fact(esc.id, "media_connected", actor_of(principal), data)
    assert updated is not None
    return json_response(view(updated, principal))


async def create_invite(request: web.Request) -> web.Response:
    principal = await require_agent(request)
    body = await read_json(request, InviteBody)
    service = _service(request)
    esc = await service.visible(principal, _id(request))
    require_holder(esc, principal)
    session = await request.app[STORE].get_session(esc.session_id)
    if session is None or session.ended_at is not None or is_terminal(esc.state):
        raise Unprocessable("the escalation's session has ended")
    config = request.app[CONFIG]

    async def handler() -> tuple[int, dict[str, Any]]:
        invite = await issue_invite(
            request.app[STORE], config, session, body.role, principal.agent_id
        )
        return 201, {"role": body.role, **invite_view(config, invite)}

    return await idempotent(request, principal, f"invites:{esc.id}", handler)


def setup_routes(app: web.Application) -> None:
    r = app.router
    r.add_post("/api/escalations", create_escalation)
    r.add_get("/api/escalations", list_escalations)
    r.add_get("/api/escalations/{id}", get_escalation)
    r.add_get("/api/escalations/{id}/events", list_events)
    r.add_post("/api/escalations/{id}/accept", accept)
    r.add_post("/api/escalations/{id}/decline", decline)
    r.add_post("/api/escalations/{id}/cancel", cancel)
    r.add_post("/api/escalations/{id}/abandon", abandon)
    r.add_post("/api/escalations/{id}/transfer", transfer)
    r.add_post("/api/escalations/{id}/upgrade", upgrade)
    r.add_post("/api/escalations/{id}/wrap_up", wrap_up)
    r.add_post("/api/escalations/{id}/complete", complete)
    r.add_post("/api/escalations/{id}/media-connected", media_connected)
    r.add_post("/api/escalations/{id}/invites", create_invite)
    r.add_post("/api/sessions", create_session)
    r.add_get("/api/queue", queue)
