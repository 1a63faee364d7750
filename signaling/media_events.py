"""``/session`` events that start and drive the server peer (``media/``).

Only the session's assigned agent may start anything; recording also needs the
customer's consent, asked on the customer's call UI:

- ``recording-start`` (agent) → customers get ``recording-consent`` ``{from}``; ack
  ``{state: "awaiting_consent"}``.
- ``recording-consent`` ``{granted}`` (customer) → the room gets ``recording``
  ``{state: "started"|"declined", by}``; when granted the server peer joins the room
  as peer ``{id: "media", role: "server"}`` (``peer-joined``), offers to every
  participant and records their encoded tracks; ``recording_started`` is logged.
- ``recording-consent`` ``{granted: false}`` (customer) while recording: consent
  withdrawn; the recording stops at once (its files end there) and the room gets
  ``recording`` ``{state: "stopped", by, reason: "withdrawn"}``.
- Every answer (granted, refused, withdrawn) is kept as a consent record (with the
  optional ``text`` shown and its ``lang``) before the recording starts or after it
  stopped: see ``server/privacy``.
- ``recording-stop`` (agent) → ack ``{recordings}``; the room gets ``recording``
  ``{state: "stopped"}``.
- ``demo-play`` ``{name}`` / ``demo-stop`` (agent) → the room gets ``demo``
  ``{state: "playing"|"stopped", name}``; the clip arrives on the server peer's tracks.
- ``snapshot`` ``{peer_id?}`` (agent; default the customer) → ack
  ``{snapshot: {name, url, width, height}}``.

Signals to ``to: "media"`` go to this node's server peer. The server peer runs on the
node that started it (multi-node: participants on other nodes reach it through the
Socket.IO manager for emits, but their signals must arrive on this node).
"""

from __future__ import annotations

from typing import Any

from pydantic import Field

from media.manager import MediaManager
from server.platform.auth.principals import AgentPrincipal
from server.platform.errors import Conflict, Forbidden, NotFound
from server.platform.keys import SESSION_EVENTS, STORE
from server.platform.validation import ApiModel, parse_model
from server.privacy.keys import CONSENTS
from server.privacy.media_access import snapshot_url
from signaling.namespace import ProtocolNamespace
from signaling.rooms import session_room
from store.models import Peer
from store.privacy_models import MAX_CONSENT_TEXT, ConsentDecision

MEDIA_PEER = {"id": "media", "role": "server", "name": "coview"}
MEDIA_ROLES = {"customer", "participant", "agent"}  # observers are neither sent nor recorded


class ConsentMessage(ApiModel):
    granted: bool
    text: str | None = Field(default=None, max_length=MAX_CONSENT_TEXT)  # as shown
    lang: str | None = Field(default=None, max_length=35)


class DemoMessage(ApiModel):
    name: str = Field(min_length=1, max_length=200)


class SnapshotMessage(ApiModel):
    peer_id: str | None = Field(default=None, min_length=1, max_length=100)


class EmptyMessage(ApiModel):
    pass


class MediaEvents(ProtocolNamespace):
    """The media part of SessionNamespace (its subclass)."""

    media: MediaManager
    awaiting_consent: dict[str, str]  # session id → agent who asked

    async def _joined(self, sid: str) -> tuple[str, Peer]:
        raise NotImplementedError

    async def _agent(self, sid: str) -> tuple[str, Peer]:
        session_id, me = await self._joined(sid)
        if me.role != "agent" or not isinstance(await self.principal(sid), AgentPrincipal):
            raise Forbidden("only the session's agent can do this")
        return session_id, me

    async def _start_media(self, session_id: str) -> None:
        media, created = self.media.ensure(session_id)
        if not created:
            return
        await self.emit("peer-joined", {"peer": MEDIA_PEER}, room=session_room(session_id))
        for peer in await self.app[STORE].list_peers(session_id):
            if peer.role in MEDIA_ROLES:
                await media.add(peer.id, peer.role)

    async def on_recording_start(self, sid: str, data: Any) -> dict[str, Any]:
        parse_model(EmptyMessage, data if data is not None else {})
        session_id, me = await self._agent(sid)
        media = self.media.get(session_id)
        if media is not None and media.recording:
            raise Conflict("already recording")
        customers = [
            p for p in await self.app[STORE].list_peers(session_id) if p.role == "customer"
        ]
        if not customers:
            raise Conflict("the customer is not in the call")
        self.awaiting_consent[session_id] = me.id
        for customer in customers:
            await self.emit("recording-consent", {"from": me.id}, to=customer.sid)
        return {"state": "awaiting_consent"}

    async def on_recording_consent(self, sid: str, data: Any) -> dict[str, Any]:
        msg = parse_model(ConsentMessage, data)
        session_id, me = await self._joined(sid)
        if me.role != "customer":
            raise Forbidden("only the customer can consent to recording")
        agent_id = self.awaiting_consent.pop(session_id, None)
        if agent_id is None:
            media = self.media.get(session_id)
            if not msg.granted and media is not None and media.recording:
                return await self._withdraw_recording(session_id, me, msg)
            raise Conflict("no recording was requested")
        room = session_room(session_id)
        events = self.app[SESSION_EVENTS]
        if not msg.granted:
            await self._record_consent(session_id, me, "refused", msg)
            await self.emit("recording", {"state": "declined", "by": me.id}, room=room)
            await events.record(session_id, "recording_declined", me.id, {"requested_by": agent_id})
            return {"state": "declined"}
        # The consent is on record before the first recorded byte.
        await self._record_consent(session_id, me, "granted", msg)
        await self._start_media(session_id)
        media = self.media.get(session_id)
        assert media is not None
        await media.start_recording()
        await self.emit("recording", {"state": "started", "by": me.id}, room=room)
        await events.record(session_id, "recording_started", agent_id, {"consent_by": me.id})
        return {"state": "started"}

    async def _withdraw_recording(
        self, session_id: str, me: Peer, msg: ConsentMessage
    ) -> dict[str, Any]:
        media = self.media.get(session_id)
        assert media is not None
        infos = await media.stop_recording()  # the files end here, before anything else
        await self._record_consent(session_id, me, "withdrawn", msg)
        payload = {"state": "stopped", "by": me.id, "reason": "withdrawn"}
        await self.emit("recording", payload, room=session_room(session_id))
        await self.app[SESSION_EVENTS].record(
            session_id,
            "recording_stopped",
            me.id,
            {"recordings": [i.id for i in infos], "reason": "withdrawn"},
        )
        return {"state": "stopped"}

    async def _record_consent(
        self, session_id: str, me: Peer, decision: ConsentDecision, msg: ConsentMessage
    ) -> None:
        session = await self.app[STORE].get_session(session_id)
        if session is None:
            raise NotFound("unknown session")
        await self.app[CONSENTS].record(
            tenant_id=session.tenant_id,
            session_id=session_id,
            participant_id=me.id,
            participant_role=me.role,
            kind="recording",
            decision=decision,
            text=msg.text,
            lang=msg.lang,
        )

    async def on_recording_stop(self, sid: str, data: Any) -> dict[str, Any]:
        parse_model(EmptyMessage, data if data is not None else {})
        session_id, me = await self._agent(sid)
        media = self.media.get(session_id)
        if media is None or not media.recording:
            raise Conflict("not recording")
        infos = await media.stop_recording()
        await self.emit(
            "recording", {"state": "stopped", "by": me.id}, room=session_room(session_id)
        )
        await self.app[SESSION_EVENTS].record(
            session_id, "recording_stopped", me.id, {"recordings": [i.id for i in infos]}
        )
        return {"recordings": [i.public() for i in infos]}

    async def on_demo_play(self, sid: str, data: Any) -> dict[str, Any]:
        msg = parse_model(DemoMessage, data)
        session_id, me = await self._agent(sid)
        path = self.media.library.demo_path(msg.name)
        if path is None:
            raise NotFound("no such demo video")
        await self._start_media(session_id)
        media = self.media.get(session_id)
        assert media is not None
        await media.play_demo(path)
        payload = {"state": "playing", "name": msg.name, "by": me.id}
        await self.emit("demo", payload, room=session_room(session_id))
        return {"name": msg.name}

    async def on_demo_stop(self, sid: str, data: Any) -> dict[str, Any]:
        parse_model(EmptyMessage, data if data is not None else {})
        session_id, me = await self._agent(sid)
        media = self.media.get(session_id)
        if media is None or media.demo_name is None:
            raise Conflict("no demo is playing")
        await media.stop_demo()
        await self.emit("demo", {"state": "stopped", "by": me.id}, room=session_room(session_id))
        return {}

    async def on_snapshot(self, sid: str, data: Any) -> dict[str, Any]:
        msg = parse_model(SnapshotMessage, data if data is not None else {})
        session_id, _ = await self._agent(sid)
        peers = await self.app[STORE].list_peers(session_id)
        target = next(
            (p for p in peers if (p.id == msg.peer_id if msg.peer_id else p.role == "customer")),
            None,
        )
        if target is None or target.role not in MEDIA_ROLES:
            raise NotFound("no such participant in the call")
        await self._start_media(session_id)
        media = self.media.get(session_id)
        assert media is not None
        try:
            name, width, height = await media.snapshot(target.id)
        except (LookupError, TimeoutError) as exc:
            raise Conflict("no picture from that participant yet") from exc
        await self.app[SESSION_EVENTS].record(
            session_id, "snapshot_taken", (await self._joined(sid))[1].id, {"name": name}
        )
        agent = await self.principal(sid)
        assert isinstance(agent, AgentPrincipal)  # _agent checked it
        url = snapshot_url(self.app, agent, session_id, name)
        return {"snapshot": {"name": name, "url": url, "width": width, "height": height}}

    async def media_signal(self, session_id: str, me: Peer, payload: dict[str, Any]) -> None:
        media = self.media.get(session_id)
        if media is None or not await media.signal(me.id, payload):
            raise NotFound("no such peer in this session")

    async def send_media_signal(
        self, session_id: str, peer_id: str, payload: dict[str, Any]
    ) -> None:
        for peer in await self.app[STORE].list_peers(session_id):
            if peer.id == peer_id:
                await self.emit("signal", {"from": MEDIA_PEER["id"], **payload}, to=peer.sid)

    async def media_left(self, session_id: str, peer_id: str) -> None:
        media = self.media.get(session_id)
        if media is not None:
            await media.remove(peer_id)

    async def media_end(self, session_id: str) -> None:
        self.awaiting_consent.pop(session_id, None)
        if self.media.get(session_id) is None:
            return
        infos = await self.media.close(session_id)
        await self.emit("peer-left", {"peer": MEDIA_PEER}, room=session_room(session_id))
        if infos:
            await self.app[SESSION_EVENTS].record(
                session_id, "recording_stopped", "media", {"recordings": [i.id for i in infos]}
            )
