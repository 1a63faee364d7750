"""All server peers of this node, one MediaSession per call session that asked for
one. Signaling drives it (start/stop, relayed signals); it never touches HTTP."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from media.library import MediaLibrary, RecordingInfo
from media.session import MediaSession

SendSignal = Callable[[str, str, dict[str, Any]], Awaitable[None]]  # (session, peer, payload)


class MediaManager:
    def __init__(
        self,
        library: MediaLibrary,
        *,
        ice_servers: Callable[[], Sequence[dict[str, Any]]],
        host_addresses: Sequence[str],
        send_signal: SendSignal,
        decode_recorder: bool = False,
    ) -> None:
        self._decode_recorder = decode_recorder
        self.library = library
        self._ice_servers = ice_servers
        self._host_addresses = host_addresses
        self._send_signal = send_signal
        self.sessions: dict[str, MediaSession] = {}

    def get(self, session_id: str) -> MediaSession | None:
        return self.sessions.get(session_id)

    def ensure(self, session_id: str) -> tuple[MediaSession, bool]:
        """The session's server peer, and whether it was just created."""
        existing = self.sessions.get(session_id)
        if existing is not None:
            return existing, False

        async def send_to(peer_id: str, payload: dict[str, Any]) -> None:
            await self._send_signal(session_id, peer_id, payload)

        session = MediaSession(
            session_id,
            library=self.library,
            ice_servers=self._ice_servers(),
            host_addresses=self._host_addresses,
            send_to=send_to,
            decode_recorder=self._decode_recorder,
        )
        self.sessions[session_id] = session
        return session, True

    async def close(self, session_id: str) -> list[RecordingInfo]:
        session = self.sessions.pop(session_id, None)
        return await session.close() if session is not None else []

    async def close_all(self) -> None:
        for session_id in list(self.sessions):
            await self.close(session_id)

    def open_links(self) -> int:
        return sum(len(s.participants) for s in self.sessions.values())
