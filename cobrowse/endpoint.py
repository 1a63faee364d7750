"""``/ws/cobrowse``: the co-browse socket (framing and frame types: docs/protocol.md).

The customer publishes rrweb event batches; the server masks them again, keeps the
checkpoint and relays them to the viewers. Agents' tool and control frames travel the
other way; ``input`` reaches the customer only while control is granted.
"""

from __future__ import annotations

import logging
import re
import time
from typing import Any

from aiohttp import WSMsgType, web

from cobrowse.bus import PUBLISHER, TO_CUSTOMER, TO_VIEWERS
from cobrowse.frames import (
    ControlAnswerHeader,
    ControlGrantHeader,
    DrawHeader,
    EventsHeader,
    InputHeader,
    NodeHeader,
    PointerHeader,
    RecordingConsentHeader,
    checked,
    encode_frame,
    parse_frame,
)
from cobrowse.hub import Conn
from cobrowse.keys import COBROWSE, MASKER
from cobrowse.recording import Recorder
from media.keys import SEALER
from server.admin.tenant_settings import TENANT_SETTINGS
from server.platform.access_audit import record_access
from server.platform.auth.keys import AUTH
from server.platform.auth.principals import AgentPrincipal, SessionPrincipal
from server.platform.config import Config
from server.platform.errors import (
    BadRequest,
    Conflict,
    CoviewError,
    Forbidden,
    NotFound,
    PayloadTooLarge,
    Unauthorized,
)
from server.platform.jsonio import loads_limited
from server.platform.keys import CONFIG, SESSION_EVENTS, STORE
from server.privacy.keys import CONSENTS
from server.privacy.media_access import Viewer
from store.cobrowse import ControlState
from store.outage import STORE_OUTAGES
from store.privacy_models import ConsentDecision, ConsentKind

log = logging.getLogger("coview.cobrowse")

# WebSocket close code "Try Again Later" (RFC 6455 registry): the store is unreachable.
TRY_AGAIN_LATER = 1013

EVENTS_KEYS = frozenset(EventsHeader.model_fields)
# An events header exactly as the widget (and the docs' example) writes it; anything
# else, e.g. other key order or spacing, takes the general JSON path.
PLAIN_EVENTS = re.compile(rb'\{"t":"events","seq":(0|[1-9][0-9]{0,15})(,"full":true)?\}\n')
AGENT_TOOLS: dict[str, Any] = {
    "pointer": PointerHeader,
    "highlight": NodeHeader,
    "guide": NodeHeader,
    "draw": DrawHeader,
}


async def _identify(request: web.Request) -> tuple[str, str, str, str, str]:
    """(session id, role, peer id, name, organisation) for the request's ``token``."""
    token = request.query.get("token", "")
    if not token:
        raise Unauthorized("pass the session or agent token as ?token=")
    principal = await request.app[AUTH].from_bearer(token)
    if isinstance(principal, SessionPrincipal):
        return (
            principal.session_id,
            principal.role,
            principal.participant_id,
            principal.name,
            principal.tenant_id,
        )
    if not isinstance(principal, AgentPrincipal):
        raise Unauthorized("connect with a session token or an agent access token")
    session_id = request.query.get("session_id", "")
    session = await request.app[STORE].get_session(session_id)
    if session is None:
        raise NotFound("unknown session")
    if principal.tenant_id != session.tenant_id:
        raise Forbidden("session of another organisation")
    if principal.agent_id in session.agent_ids:
        return session.id, "agent", principal.agent_id, principal.name, session.tenant_id
    if principal.is_supervisor:
        return session.id, "observer", principal.agent_id, principal.name, session.tenant_id
    raise Forbidden("you are not assigned to this session")


def error_frame(exc: CoviewError, seq: int | None = None) -> bytes:
    header: dict[str, Any] = {"t": "error", "code": exc.code, "message": exc.detail or exc.title}
    if seq is not None:
        header["seq"] = seq
    return encode_frame(header)


class Socket:
    """One connection's protocol: what its role may send, and what happens then."""

    def __init__(self, request: web.Request, conn: Conn, tenant_id: str) -> None:
        self.app = request.app
        self.tenant_id = tenant_id
        self.config: Config = request.app[CONFIG]
        self.conn = conn
        self.hub = request.app[COBROWSE]
        self.store = request.app[STORE]

    async def gone(self) -> None:
        """An agent who leaves while in control gives it back: control never outlives
        the console that asked for it."""
        if self.conn.role != "agent":
            return
        state = await self.store.cobrowse_control(self.conn.session_id)
        if state.granted_to == self.conn.peer_id:
            await self.revoke(self.conn.peer_id)

    async def publish(self, audience: bytes, header: dict[str, Any], payload: bytes = b"") -> None:
        await self.hub.bus.publish(self.conn.session_id, audience, encode_frame(header, payload))

    async def hello(self) -> None:
        conn = self.conn
        control = await self.store.cobrowse_control(conn.session_id)
        hello: dict[str, Any] = {
            "t": "hello",
            "role": conn.role,
            "id": conn.peer_id,
            "session_id": conn.session_id,
            "control": control.granted_to,
            "recording": control.recording,
        }
        if conn.is_customer:
            tenant = await self.app[TENANT_SETTINGS].masking(self.tenant_id)
            hello["mask_selectors"] = [
                *self.config.cobrowse_mask_selectors,
                *(tenant.selectors if tenant else ()),
            ]
            if control.recording:
                conn.recorder = Recorder(self.config.data_dir, conn.session_id, self.app[SEALER])
        await conn.send(encode_frame(hello))
        if conn.is_customer:
            await self.share()
        else:
            await self.send_checkpoint()

    async def share(self) -> None:
        """This customer connection (a newly opened or refocused tab) becomes the one
        that shares; the session's other tabs pause."""
        await self.hub.bus.publish(self.conn.session_id, PUBLISHER, self.conn.conn_id.encode())

    async def send_checkpoint(self) -> None:
        """The late joiner's page at once: the kept checkpoint, then what arrived since."""
        conn = self.conn
        checkpoint = await self.store.cobrowse_checkpoint(conn.session_id)
        if checkpoint is None:
            conn.ready = True
            await self.publish(TO_CUSTOMER, {"t": "snapshot-request"})
            return
        await conn.send(
            encode_frame({"t": "checkpoint", "seq": checkpoint.seq}, checkpoint.payload())
        )
        conn.ready = True
        pending, conn.pending = conn.pending, []
        for frame in pending:
            header, _ = parse_frame(frame)
            # Already in the checkpoint; a full snapshot is always sent (it may be the
            # first of a new page whose seq restarted).
            if (
                header.get("t") == "events"
                and not header.get("full")
                and int(header.get("seq", 0)) <= checkpoint.seq
            ):
                continue
            await conn.send(frame)

    async def handle(self, data: bytes) -> None:
        if self.conn.is_customer and (plain := PLAIN_EVENTS.match(data)) is not None:
            # The hot path: a batch header as the widget writes it, read without JSON.
            if not self.conn.paused:
                await self.events(int(plain[1]), plain[2] is not None, data[plain.end() :])
            return
        header, payload = parse_frame(data)
        kind = header["t"]
        if self.conn.is_customer:
            await self.from_customer(kind, header, payload)
        else:
            await self.from_viewer(kind, header)

    # customer -----------------------------------------------------------------------
    async def from_customer(self, kind: str, header: dict[str, Any], payload: bytes) -> None:
        if kind == "events":
            seq, full = header.get("seq"), header.get("full", False)
            # EventsHeader's rules (strict int seq >= 0, strict bool full, nothing else).
            if (
                type(seq) is not int
                or seq < 0
                or type(full) is not bool
                or header.keys() - EVENTS_KEYS
            ):
                raise BadRequest('"events" needs an integer "seq" (and optional "full")')
            if not self.conn.paused:  # a paused tab's batches were in flight: drop them
                await self.events(seq, full, payload)
        elif kind == "resume":
            await self.sync_recorder()  # consent may have changed while it was paused
            await self.share()
            self.conn.snapshot_requested = True  # viewers now see this tab's page
            await self.conn.send(encode_frame({"t": "snapshot-request"}))
        elif kind == "control-grant":
            await self.grant(checked(ControlGrantHeader, header))
        elif kind == "control-revoke":
            answer = checked(ControlAnswerHeader, header)
            if await self.revoke(self.conn.peer_id):
                await self.consent("control", "withdrawn", answer)
        elif kind == "control-decline":
            await self.decline(checked(ControlAnswerHeader, header))
        elif kind == "recording-consent":
            await self.recording_consent(checked(RecordingConsentHeader, header))
        else:
            raise Forbidden(f'a customer cannot send "{kind}"')

    async def events(self, seq: int, full: bool, payload: bytes) -> None:
        limit = (
            self.config.cobrowse_max_snapshot_bytes
            if full
            else self.config.cobrowse_max_batch_bytes
        )
        if len(payload) > limit:
            raise PayloadTooLarge(f"batch of {len(payload)} bytes is over the {limit}-byte limit")
        try:
            masked = (await self.app[MASKER].for_tenant(self.tenant_id)).mask_batch(payload)
        except BadRequest as exc:
            raise BadRequest(f"the batch is not a JSON array of events ({exc.detail})") from exc
        if masked[:1] != b"[":
            raise BadRequest("the batch is not a JSON array of events")
        conn, session_id = self.conn, self.conn.session_id
        now = time.time()
        if full:
            await self.store.cobrowse_reset(session_id, seq, masked, now)
            conn.snapshot_at, conn.snapshot_requested = now, False
            conn.bytes_since_snapshot = 0
            head = b'{"t":"events","seq":%d,"full":true}\n' % seq
        else:
            kept = await self.store.cobrowse_append(session_id, seq, masked)
            conn.bytes_since_snapshot += len(masked)
            head = b'{"t":"events","seq":%d}\n' % seq
            stale = (
                kept == 0
                or kept >= self.config.cobrowse_snapshot_every_batches
                or conn.bytes_since_snapshot >= self.config.cobrowse_snapshot_every_bytes
                or now - conn.snapshot_at >= self.config.cobrowse_snapshot_every_s
            )
            if stale and not conn.snapshot_requested:
                conn.snapshot_requested = True
                await conn.send(encode_frame({"t": "snapshot-request"}))
        if conn.recorder is not None:
            conn.recorder.write(masked)
        await self.hub.bus.publish(session_id, TO_VIEWERS, head + masked)
        await self.hub.acks.ack(conn, seq, now=full)

    async def grant(self, header: dict[str, Any]) -> None:
        state = await self.store.cobrowse_control(self.conn.session_id)
        agent_id = header.get("agent_id") or state.requested_by
        if agent_id is None:
            raise Conflict("no agent has asked for control")
        await self.consent("control", "granted", header)
        await self.store.cobrowse_set_control(
            self.conn.session_id, ControlState(None, agent_id, state.recording)
        )
        await self.publish(TO_VIEWERS, {"t": "control-grant", "agent_id": agent_id})
        await self.publish(TO_CUSTOMER, {"t": "control-grant", "agent_id": agent_id})
        await self.app[SESSION_EVENTS].record(
            self.conn.session_id, "control_granted", self.conn.peer_id, {"agent_id": agent_id}
        )

    async def sync_recorder(self) -> None:
        """This tab records exactly while the session's recording consent stands."""
        conn = self.conn
        recording = (await self.store.cobrowse_control(conn.session_id)).recording
        if recording and conn.recorder is None:
            conn.recorder = Recorder(self.config.data_dir, conn.session_id, self.app[SEALER])
        elif not recording and conn.recorder is not None:
            conn.recorder.close()
            conn.recorder = None

    async def consent(
        self, kind: ConsentKind, decision: ConsentDecision, header: dict[str, Any]
    ) -> None:
        """Keep the customer's answer (and the prompt's text) as a consent record."""
        await self.app[CONSENTS].record(
            tenant_id=self.tenant_id,
            session_id=self.conn.session_id,
            participant_id=self.conn.peer_id,
            participant_role=self.conn.role,
            kind=kind,
            decision=decision,
            text=header.get("text"),
            lang=header.get("lang"),
        )

    async def recording_consent(self, header: dict[str, Any]) -> None:
        conn, granted = self.conn, bool(header["granted"])
        state = await self.store.cobrowse_control(conn.session_id)
        if granted:
            decision: ConsentDecision = "granted"
        else:
            decision = "withdrawn" if state.recording else "refused"
        # On record before the first recorded batch; a withdrawal ends the file first.
        if not granted and conn.recorder is not None:
            conn.recorder.close()
            conn.recorder = None
        await self.consent("cobrowse_recording", decision, header)
        await self.store.cobrowse_set_control(
            conn.session_id, ControlState(state.requested_by, state.granted_to, granted)
        )
        if granted and conn.recorder is None:
            conn.recorder = Recorder(self.config.data_dir, conn.session_id, self.app[SEALER])
            conn.snapshot_requested = True  # a recording starts from a full snapshot
            await conn.send(encode_frame({"t": "snapshot-request"}))
        if granted != state.recording:
            kind = "cobrowse_recording_started" if granted else "cobrowse_recording_stopped"
            await self.app[SESSION_EVENTS].record(conn.session_id, kind, conn.peer_id, {})
        await self.publish(TO_VIEWERS, {"t": "recording", "on": granted})

    async def decline(self, header: dict[str, Any]) -> None:
        state = await self.store.cobrowse_control(self.conn.session_id)
        if state.requested_by is None:
            raise Conflict("no agent has asked for control")
        await self.consent("control", "refused", header)
        await self.store.cobrowse_set_control(
            self.conn.session_id, ControlState(None, state.granted_to, state.recording)
        )
        await self.publish(TO_VIEWERS, {"t": "control-decline", "agent_id": state.requested_by})

    async def revoke(self, actor: str) -> bool:
        """Take control back; whether anyone had it."""
        state = await self.store.cobrowse_control(self.conn.session_id)
        if state.granted_to is None:
            return False
        await self.store.cobrowse_set_control(
            self.conn.session_id, ControlState(state.requested_by, None, state.recording)
        )
        await self.publish(TO_VIEWERS, {"t": "control-revoke", "agent_id": state.granted_to})
        await self.publish(TO_CUSTOMER, {"t": "control-revoke", "agent_id": state.granted_to})
        await self.app[SESSION_EVENTS].record(
            self.conn.session_id, "control_revoked", actor, {"agent_id": state.granted_to}
        )
        return True

    # viewers --------------------------------------------------------------------------
    async def from_viewer(self, kind: str, header: dict[str, Any]) -> None:
        conn = self.conn
        if conn.role != "agent":
            raise Forbidden(f'an {conn.role} only watches; "{kind}" is for the agent')
        if kind in AGENT_TOOLS:
            out = checked(AGENT_TOOLS[kind], header)
            await self.publish(TO_CUSTOMER, {**out, "from": conn.peer_id, "name": conn.name})
        elif kind == "control-request":
            state = await self.store.cobrowse_control(conn.session_id)
            await self.store.cobrowse_set_control(
                conn.session_id, ControlState(conn.peer_id, state.granted_to, state.recording)
            )
            agent = {"id": conn.peer_id, "name": conn.name}
            await self.publish(TO_CUSTOMER, {"t": "control-request", "agent": agent})
        elif kind == "control-revoke":
            state = await self.store.cobrowse_control(conn.session_id)
            if state.granted_to == conn.peer_id:
                await self.revoke(conn.peer_id)
        elif kind == "input":
            out = checked(InputHeader, header)
            state = await self.store.cobrowse_control(conn.session_id)
            if state.granted_to != conn.peer_id:
                raise Forbidden("the customer has not granted you control")
            await self.publish(TO_CUSTOMER, {**out, "from": conn.peer_id})
        else:
            raise BadRequest(f'unknown frame type "{kind}"')


async def cobrowse_socket(request: web.Request) -> web.StreamResponse:
    session_id, role, peer_id, name, tenant_id = await _identify(request)
    config = request.app[CONFIG]
    # Room above the snapshot limit so an oversize frame gets an error frame, not a close.
    ws = web.WebSocketResponse(
        max_msg_size=2 * config.cobrowse_max_snapshot_bytes + 4_096, heartbeat=30.0
    )
    await ws.prepare(request)
    hub = request.app[COBROWSE]
    conn = Conn(ws, session_id, role, peer_id, name, ready=(role == "customer"))
    socket = Socket(request, conn, tenant_id)
    try:
        if role == "observer":  # watching a customer's page is on the record
            who = Viewer(peer_id, name, tenant_id, via_link=False)
            details = {"via": "cobrowse"}
            await record_access(
                request.app, who, "session.observed", "session", session_id, details
            )
        await hub.join(conn)
        try:
            await socket.hello()
            await _relay(ws, conn, socket)
        finally:
            await hub.leave(conn)
            if conn.recorder is not None:
                conn.recorder.close()
            await socket.gone()
    except STORE_OUTAGES as exc:
        # A frame the store could not take is not acked, so closing is the honest
        # answer: the client reconnects (any code but 4001) and resends from a snapshot.
        log.warning("co-browse socket closed, store unavailable: %r", exc)
        await ws.close(code=TRY_AGAIN_LATER, message=b"store unavailable, reconnect")
    return ws


async def _relay(ws: web.WebSocketResponse, conn: Conn, socket: Socket) -> None:
    async for message in ws:
        if message.type == WSMsgType.BINARY:
            data: bytes = message.data
        elif message.type == WSMsgType.TEXT:
            data = message.data.encode()
        else:
            continue
        try:
            await socket.handle(data)
        except CoviewError as exc:
            seq = _seq_of(data)
            await conn.send(error_frame(exc, seq))


def _seq_of(data: bytes) -> int | None:
    """The seq of a refused frame, for the error frame, if its header has one."""
    try:
        header = loads_limited(data[: data.find(b"\n")] if b"\n" in data[:4_097] else data[:4_096])
    except CoviewError:
        return None
    seq = header.get("seq") if isinstance(header, dict) else None
    return seq if isinstance(seq, int) else None
