"""``/session``: the call room. Membership lives in the store, so peers on different
nodes see each other; messages reach other nodes through the Socket.IO manager."""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from typing import Any

from aiohttp import web

from media.keys import SEALER
from media.library import MediaLibrary
from media.manager import MediaManager
from server.admin.tenant_settings import TENANT_SETTINGS
from server.platform.access_audit import record_access
from server.platform.auth.principals import AgentPrincipal, Principal, SessionPrincipal
from server.platform.errors import Conflict, Forbidden, NotFound, Unauthorized
from server.platform.keys import CONFIG, DEADLINE_HANDLERS, SESSION_EVENTS, STORE
from server.platform.validation import parse_model
from server.privacy.media_access import Viewer
from signaling.coaching import CoachingEvents, check_description
from signaling.ice import ice_servers
from signaling.media_events import MEDIA_PEER, MEDIA_ROLES
from signaling.messages import (
    ChatMessage,
    EndMessage,
    JoinMessage,
    MediaStateMessage,
    SignalMessage,
)
from signaling.namespace import refuse
from signaling.reconnect import RECONNECT, ReconnectDeadlines
from signaling.rooms import session_room
from store.models import Peer, Session, utcnow

RECONNECT_TIMEOUT = "reconnect_timeout"
OBSERVER = "observer"
EXPERT = "participant"  # brought in mid-call (issue #25): comes and goes, never ends it


def is_polite(role: str) -> bool:
    """Perfect negotiation needs one impolite side per pair: the agent is impolite,
    everyone else yields; the rule depends on nothing that a reconnect changes."""
    return role != "agent"


class SessionNamespace(CoachingEvents):
    def __init__(self, namespace: str, app: web.Application) -> None:
        super().__init__(namespace, app)
        config = app[CONFIG]
        self.deadlines = ReconnectDeadlines(
            lambda: app[STORE], config.reconnect_window_s, self._expire
        )
        app[DEADLINE_HANDLERS][RECONNECT] = self.deadlines.on_deadline
        self.media = MediaManager(
            MediaLibrary(config.data_dir, config.demo_videos_path, app[SEALER]),
            ice_servers=lambda: ice_servers(config, MEDIA_PEER["id"]),
            host_addresses=config.media_host_addresses,
            send_signal=self.send_media_signal,
            # Benchmarks only (bench/media.py): record with aiortc's MediaRecorder.
            decode_recorder=config.extra.get("media_recorder") == "aiortc",
        )
        self.awaiting_consent = {}
        self._background: set[asyncio.Task[None]] = set()

    def _spawn(self, coro: Coroutine[Any, Any, None]) -> None:
        task = asyncio.create_task(coro)
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    async def close(self) -> None:
        """On shutdown: no server peers left behind (reconnect windows are in the store,
        for any node to end)."""
        await self.media.close_all()
        for task in list(self._background):
            task.cancel()

    async def on_connect(self, sid: str, environ: dict[str, Any], auth: Any = None) -> None:
        try:
            principal = await self.authenticate(auth)
        except Unauthorized as exc:
            raise refuse(exc) from exc
        if not isinstance(principal, AgentPrincipal | SessionPrincipal):
            raise refuse(Unauthorized("join with an agent or a session token"))
        await self.save_session(sid, {"principal": principal, "session_id": None, "peer": None})

    async def _peer_for(self, sid: str, principal: Principal, session: Session) -> Peer:
        if isinstance(principal, SessionPrincipal):
            if principal.session_id != session.id:
                raise Forbidden("this token is for another session")
            return Peer(
                id=principal.participant_id, role=principal.role, name=principal.name, sid=sid
            )
        assert isinstance(principal, AgentPrincipal)
        if principal.tenant_id != session.tenant_id:
            raise Forbidden("session of another organisation")
        if principal.agent_id in session.agent_ids:
            return Peer(id=principal.agent_id, role="agent", name=principal.name, sid=sid)
        if principal.is_supervisor:
            return Peer(id=principal.agent_id, role="observer", name=principal.name, sid=sid)
        raise Forbidden("you are not assigned to this session")

    async def on_join(self, sid: str, data: Any) -> dict[str, Any]:
        msg = parse_model(JoinMessage, data)
        state = await self.get_session(sid)
        if state["session_id"] is not None:
            raise Conflict("already joined a session on this connection")
        store = self.app[STORE]
        session = await store.get_session(msg.session_id)
        if session is None:
            raise NotFound("unknown session")
        if session.ended_at is not None:
            raise Conflict("the session has ended")
        peer = await self._peer_for(sid, state["principal"], session)
        # Add and enter the room before listing: of two peers joining at once, the one
        # that lists last sees the other, and the other gets its peer-joined.
        await store.add_peer(session.id, peer)
        await self.deadlines.cancel(session.id, peer.id)
        await self.enter_room(sid, session_room(session.id))
        others = [p for p in await store.list_peers(session.id) if p.id != peer.id]
        state.update(session_id=session.id, peer=peer)
        await self.save_session(sid, state)
        await self.emit(
            "peer-joined", {"peer": peer.public()}, room=session_room(session.id), skip_sid=sid
        )
        if peer.role == OBSERVER:  # supervisors' listening in is on the record
            await self.app[SESSION_EVENTS].record(
                session.id, "observer_joined", peer.id, {"name": peer.name}
            )
            who = Viewer(peer.id, peer.name, session.tenant_id, via_link=False)
            await record_access(self.app, who, "session.observed", "session", session.id)
        if peer.role == EXPERT:
            await self.app[SESSION_EVENTS].record(
                session.id, "expert_joined", peer.id, {"name": peer.name}
            )
        peers: list[dict[str, str]] = [p.public() for p in others]
        media = self.media.get(session.id)
        if media is not None and peer.role in MEDIA_ROLES:
            peers.append(dict(MEDIA_PEER))
            await media.remove(peer.id)  # a rejoin gets a fresh server link
            self._spawn(media.add(peer.id, peer.role))
        return {
            "self": peer.public(),
            "peers": peers,
            "polite": is_polite(peer.role),
            "ice_servers": ice_servers(
                self.app[CONFIG], peer.id, await self.app[TENANT_SETTINGS].turn(session.tenant_id)
            ),
        }

    async def _participant(self, sid: str) -> tuple[str, Peer]:
        """Joined, and not an observer: observers watch and listen, nothing else."""
        session_id, me = await self._joined(sid)
        if me.role == OBSERVER:
            raise Forbidden("an observer cannot do this")
        return session_id, me

    async def _joined(self, sid: str) -> tuple[str, Peer]:
        state = await self.get_session(sid)
        if state["session_id"] is None:
            raise Conflict("join a session first")
        return state["session_id"], state["peer"]

    async def on_signal(self, sid: str, data: Any) -> dict[str, Any]:
        msg = parse_model(SignalMessage, data)
        session_id, me = await self._joined(sid)
        if msg.to == MEDIA_PEER["id"]:
            if msg.description is not None:
                check_description(me, MEDIA_PEER["role"], msg.description.sdp)
            await self.media_signal(
                session_id, me, msg.model_dump(exclude_none=True, exclude={"to"})
            )
            return {}
        peers = {p.id: p for p in await self.app[STORE].list_peers(session_id)}
        target = peers.get(msg.to)
        if target is None or target.id == me.id:
            raise NotFound("no such peer in this session")
        if msg.description is not None:  # a supervisor sends only what their mode allows
            check_description(me, target.role, msg.description.sdp)
        payload = msg.model_dump(exclude_none=True, exclude={"to"})
        await self.emit("signal", {"from": me.id, **payload}, to=target.sid)
        return {}

    async def on_media_state(self, sid: str, data: Any) -> dict[str, Any]:
        msg = parse_model(MediaStateMessage, data)
        session_id, me = await self._participant(sid)
        await self.emit(
            "media-state",
            {"from": me.id, **msg.model_dump()},
            room=session_room(session_id),
            skip_sid=sid,
        )
        return {}

    async def on_chat(self, sid: str, data: Any) -> dict[str, Any]:
        msg = parse_model(ChatMessage, data)
        session_id, me = await self._participant(sid)
        message = {"from": me.id, "text": msg.text, "at": utcnow().isoformat()}
        await self.emit("chat", message, room=session_room(session_id), skip_sid=sid)
        return {"message": message}

    async def on_end(self, sid: str, data: Any) -> dict[str, Any]:
        msg = parse_model(EndMessage, data if data is not None else {})
        session_id, me = await self._participant(sid)
        if me.role == EXPERT:
            raise Forbidden("an expert leaves the call; the customer or the agent ends it")
        state = await self.get_session(sid)
        state["ended"] = True  # leaving on purpose: no reconnect window
        await self.save_session(sid, state)
        await self.media_end(session_id)
        await self.emit(
            "end",
            {"from": me.id, "reason": msg.reason},
            room=session_room(session_id),
            skip_sid=sid,
        )
        return {}

    async def on_leave(self, sid: str, data: Any) -> dict[str, Any]:
        """Leave the call without ending it (an agent who transferred it, an observer):
        the others get ``peer-left`` with reason ``left`` and no reconnect window opens."""
        session_id, me = await self._joined(sid)
        state = await self.get_session(sid)
        state["ended"] = True
        await self.save_session(sid, state)
        if await self.app[STORE].remove_peer(session_id, me.id, sid):
            await self.emit(
                "peer-left",
                {"peer": me.public(), "reason": "left"},
                room=session_room(session_id),
                skip_sid=sid,
            )
            await self.media_left(session_id, me.id)
            await self._expert_left(session_id, me)
        await self.leave_room(sid, session_room(session_id))
        return {}

    async def on_disconnect(self, sid: str, reason: Any = None) -> None:
        state = await self.get_session(sid)
        session_id, peer = state.get("session_id"), state.get("peer")
        if session_id is None or peer is None:
            return
        # A reconnect has already replaced this peer's sid: nobody left.
        if await self.app[STORE].remove_peer(session_id, peer.id, sid):
            # The window is stored before anyone hears of the drop: a node that dies
            # right after telling leaves it for another node to close.
            # An observer who goes away is not a participant the session waits for.
            if not state.get("ended") and peer.role not in (OBSERVER, EXPERT):
                await self.deadlines.arm(session_id, peer.id)
            await self.emit("peer-left", {"peer": peer.public()}, room=session_room(session_id))
            await self.media_left(session_id, peer.id)
            await self._expert_left(session_id, peer)

    async def _expert_left(self, session_id: str, peer: Peer) -> None:
        """The expert's time in the call ends here (KPIs: expert-assisted time)."""
        if peer.role == EXPERT:
            await self.app[SESSION_EVENTS].record(session_id, "expert_left", peer.id, {})

    async def _expire(self, session_id: str, peer_id: str) -> None:
        """The reconnect window passed: unless the peer is back (on any node), the
        session ends and everyone still in it gets ``end`` with the reason."""
        store = self.app[STORE]
        if any(p.id == peer_id for p in await store.list_peers(session_id)):
            return
        session = await store.get_session(session_id)
        if session is None or session.ended_at is not None:
            return
        await store.update_session(session.model_copy(update={"ended_at": utcnow()}))
        await self.media_end(session_id)
        await self.emit(
            "end",
            {"from": peer_id, "reason": RECONNECT_TIMEOUT},
            room=session_room(session_id),
        )
        await self.app[SESSION_EVENTS].record(
            session_id, "session_ended", peer_id, {"reason": RECONNECT_TIMEOUT}
        )
