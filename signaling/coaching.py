"""Supervisors coaching a live call (issue #25): modes and what each may send.

A supervisor joins as ``observer`` (receive only). ``whisper`` lets their audio reach
the agent and nobody else; ``barge`` makes them a participant everyone sees and hears.
The server enforces it on every description the supervisor signals: the browser's
word is never taken for what it sends.
"""

from __future__ import annotations

import re
from typing import Any

from server.platform.errors import Conflict, Forbidden
from server.platform.keys import SESSION_EVENTS, STORE
from server.platform.validation import parse_model
from signaling.media_events import MediaEvents
from signaling.messages import CoachMessage, WhisperChatMessage
from signaling.rooms import session_room
from store.models import Peer, utcnow

OBSERVER = "observer"
CUSTOMER = "customer"
AGENT = "agent"
OBSERVE, WHISPER, BARGE = "observe", "whisper", "barge"
_DIRECTION = re.compile(r"^a=(sendrecv|sendonly|recvonly|inactive)\s*$", re.M)


def sending_kinds(sdp: str) -> set[str]:
    """Media kinds (``audio``, ``video``...) of the sections that send (a section without
    a direction attribute is sendrecv)."""
    kinds: set[str] = set()
    for section in re.split(r"^m=", sdp, flags=re.M)[1:]:
        kind = section.split(" ", 1)[0].strip()
        # Every direction line counts (a section naming two is read as sending by
        # whichever one a browser keeps); none at all means sendrecv.
        found = _DIRECTION.findall(section)
        if not found or any(d in ("sendrecv", "sendonly") for d in found):
            kinds.add(kind)
    return kinds


def allowed_kinds(me: Peer, target_role: str) -> set[str] | None:
    """What ``me`` may send towards a peer of ``target_role``; None: anything."""
    if me.role != OBSERVER:
        return None
    if me.mode == BARGE:
        return None
    if me.mode == WHISPER and target_role == AGENT:
        return {"audio"}
    return set()


def check_description(me: Peer, target_role: str, sdp: str) -> None:
    """Raise Forbidden when ``sdp`` sends more than ``me`` may towards ``target_role``."""
    allowed = allowed_kinds(me, target_role)
    if allowed is None:
        return
    extra = sending_kinds(sdp) - allowed
    if extra:
        if me.mode == WHISPER:
            raise Forbidden("a whisper sends audio to the agent only: " + ", ".join(sorted(extra)))
        raise Forbidden("an observer only receives: its media sections must be recvonly")


class CoachingEvents(MediaEvents):
    """``coach`` and ``whisper-chat`` on ``/session`` (mixed into SessionNamespace)."""

    async def _peer_state(self, sid: str) -> tuple[str, Peer, dict[str, Any]]:
        state = await self.get_session(sid)
        if state.get("session_id") is None:
            raise Conflict("join a session first")
        return state["session_id"], state["peer"], state

    async def on_coach(self, sid: str, data: Any) -> dict[str, Any]:
        """A supervisor switches mode: the others get ``coaching`` {peer, mode}. The
        client renegotiates its links afterwards (back to observe: recvonly again)."""
        msg = parse_model(CoachMessage, data)
        session_id, me, state = await self._peer_state(sid)
        if me.role != OBSERVER:
            raise Forbidden("only a supervisor observing the call can coach")
        previous = me.mode or OBSERVE
        if previous == msg.mode:
            return {"mode": msg.mode}
        updated = me.model_copy(update={"mode": msg.mode})
        state["peer"] = updated
        await self.save_session(sid, state)
        await self.app[STORE].add_peer(session_id, updated)
        change = {"peer": updated.public(), "mode": msg.mode, "previous": previous}
        if BARGE in (msg.mode, previous):  # everyone sees and hears a barging supervisor
            await self.emit("coaching", change, room=session_room(session_id), skip_sid=sid)
        else:  # a whisper is nobody's business but the agent's and the supervisors'
            for peer in await self.app[STORE].list_peers(session_id):
                if peer.role != CUSTOMER and peer.id != me.id:
                    await self.emit("coaching", change, to=peer.sid)
        event = f"{msg.mode}_started" if msg.mode != OBSERVE else f"{previous}_ended"
        await self.app[SESSION_EVENTS].record(session_id, event, me.id, {"name": me.name})
        return {"mode": msg.mode}

    async def on_whisper_chat(self, sid: str, data: Any) -> dict[str, Any]:
        """Internal text between a supervisor and the agent(s): delivered to their
        sockets only, never to the room, never stored, exported or sent to webhooks."""
        msg = parse_model(WhisperChatMessage, data)
        session_id, me, _ = await self._peer_state(sid)
        if me.role == OBSERVER:
            to_roles = {AGENT}
        elif me.role == AGENT:
            to_roles = {OBSERVER}
        else:
            raise Forbidden("whisper chat is between the agent and a supervisor")
        targets = [p for p in await self.app[STORE].list_peers(session_id) if p.role in to_roles]
        if not targets:
            raise Forbidden("nobody to whisper to in this session")
        message = {
            "from": me.id,
            "name": me.name,
            "text": msg.text,
            "at": utcnow().isoformat(),
            "internal": True,
        }
        for peer in targets:
            await self.emit("whisper-chat", message, to=peer.sid)
        return {"message": message}
