"""Reconnect windows: a peer whose socket dropped has ``reconnect_window_s`` to join
the same session again; otherwise the session ends with reason ``reconnect_timeout``.

The window is a deadline in the store (kind ``reconnect``, keyed by session and peer),
claimed by the deadline worker every node runs: a node that drains or dies after
seeing the drop loses none, and a rejoin through any node clears it.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import timedelta

from store.base import Store
from store.escalation_models import ClaimedDeadline, Deadline, DeadlineKind
from store.models import utcnow

log = logging.getLogger("coview.signaling.reconnect")

RECONNECT: DeadlineKind = "reconnect"
Expire = Callable[[str, str], Awaitable[None]]


def _key(session_id: str, peer_id: str) -> str:
    return f"{session_id}/{peer_id}"


class ReconnectDeadlines:
    def __init__(self, store: Callable[[], Store], window_s: float, expire: Expire) -> None:
        self._store = store  # opened after the namespace is made
        self.window_s = window_s
        self._expire = expire

    async def arm(self, session_id: str, peer_id: str) -> None:
        due = utcnow() + timedelta(seconds=self.window_s)
        await self._store().put_deadline(
            Deadline(escalation_id=_key(session_id, peer_id), kind=RECONNECT, due=due)
        )

    async def cancel(self, session_id: str, peer_id: str) -> None:
        await self._store().clear_deadline(_key(session_id, peer_id), RECONNECT)

    async def armed(self, session_id: str, peer_id: str) -> bool:
        return RECONNECT in await self._store().get_deadlines(_key(session_id, peer_id))

    async def on_deadline(self, claim: ClaimedDeadline) -> None:
        """The deadline worker claimed a window that ran out: end the session unless
        the peer is back."""
        session_id, _, peer_id = claim.escalation_id.partition("/")
        await self._expire(session_id, peer_id)
        await self._store().drop_deadline(claim.escalation_id, RECONNECT, claim.token)
