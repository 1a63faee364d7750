"""The server peer of one call session: a MediaLink per participant, the recording
writers, demo playback and snapshots. Started on an agent's request, closed when the
session ends, on error and on shutdown."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aiortc.contrib.media import MediaPlayer, MediaRecorder, MediaRelay

from media.library import MediaLibrary, RecordingInfo, new_id, now_iso
from media.link import MediaLink
from media.snapshot import decode_last_picture, to_png
from media.webm import EncodedWebmWriter, vp8_keyframe_size

log = logging.getLogger("coview.media")

SendTo = Callable[[str, dict[str, Any]], Awaitable[None]]  # (peer id, signal payload)
MAX_GOP_FRAMES = 600  # frames kept since the last keyframe, for snapshots


@dataclass
class _Participant:
    peer_id: str
    role: str
    link: MediaLink
    gop: list[bytes] = field(default_factory=list)
    keyframe: asyncio.Event = field(default_factory=asyncio.Event)
    writer: EncodedWebmWriter | None = None
    reference: MediaRecorder | None = None
    recording_id: str | None = None
    started_at: str = ""


class MediaSession:
    def __init__(
        self,
        session_id: str,
        *,
        library: MediaLibrary,
        ice_servers: Sequence[dict[str, Any]],
        host_addresses: Sequence[str],
        send_to: SendTo,
        decode_recorder: bool = False,
    ) -> None:
        self.session_id = session_id
        # Benchmark reference only: aiortc's MediaRecorder (decode + re-encode).
        self._decode_recorder = decode_recorder
        self.library = library
        self._ice_servers = ice_servers
        self._host_addresses = host_addresses
        self._send_to = send_to
        self.participants: dict[str, _Participant] = {}
        self.recording = False
        self._player: MediaPlayer | None = None
        self._relay: MediaRelay | None = None
        self.demo_name: str | None = None
        self.closed = False
        self._tasks: set[asyncio.Future[None]] = set()

    # -- participants -------------------------------------------------------
    async def add(self, peer_id: str, role: str) -> None:
        if self.closed or peer_id in self.participants:
            return

        async def send(payload: dict[str, Any]) -> None:
            await self._send_to(peer_id, payload)

        link = MediaLink(
            peer_id,
            ice_servers=self._ice_servers,
            host_addresses=self._host_addresses,
            send=send,
            on_frame=self._on_frame,
            on_closed=self._link_closed,
            tap=not self._decode_recorder,
        )
        participant = _Participant(peer_id, role, link)
        self.participants[peer_id] = participant
        if self.recording:
            await self._start_writer(participant)
        if self._player is not None:
            await self._play_on(participant)
        await link.offer()

    def _link_closed(self, peer_id: str) -> None:
        """A link failed or closed: drop the participant (finishing its file)."""
        if peer_id in self.participants:
            task = asyncio.ensure_future(self.remove(peer_id))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    async def remove(self, peer_id: str) -> None:
        participant = self.participants.pop(peer_id, None)
        if participant is None:
            return
        await self._finish_writer(participant)
        await participant.link.close()

    async def signal(self, peer_id: str, payload: dict[str, Any]) -> bool:
        participant = self.participants.get(peer_id)
        if participant is None:
            return False
        await participant.link.receive(payload)
        return True

    def _on_frame(self, peer_id: str, kind: str, frame: bytes, timestamp: int) -> None:
        participant = self.participants.get(peer_id)
        if participant is None:
            return
        if kind == "video":
            if vp8_keyframe_size(frame) is not None:
                participant.gop = [frame]
                participant.keyframe.set()
            elif participant.gop and len(participant.gop) < MAX_GOP_FRAMES:
                participant.gop.append(frame)
        writer = participant.writer
        if writer is None:
            return
        try:
            if kind == "video":
                writer.add_video(frame, timestamp)
            else:
                writer.add_audio(frame, timestamp)
        except Exception:
            log.exception("recording %s failed; stopping it", participant.recording_id)
            participant.writer = None
            writer.close()

    # -- recording ----------------------------------------------------------
    async def _start_writer(self, participant: _Participant) -> None:
        participant.recording_id = new_id("rec")
        participant.started_at = now_iso()
        path = self.library.recording_path(self.session_id, participant.recording_id)
        if self._decode_recorder:
            path.parent.mkdir(parents=True, exist_ok=True)
            recorder = MediaRecorder(str(path))
            participant.reference = recorder

            async def start() -> None:
                await participant.link.remote_tracks.wait()
                if participant.reference is recorder:
                    recorder.addTrack(participant.link.audio.receiver.track)
                    recorder.addTrack(participant.link.video.receiver.track)
                    await recorder.start()

            task = asyncio.ensure_future(start())
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
            return
        participant.writer = EncodedWebmWriter(path, sink=self.library.sealer.writer)

    async def _finish_writer(self, participant: _Participant) -> RecordingInfo | None:
        reference, participant.reference = participant.reference, None
        if reference is not None:
            await reference.stop()
            return None
        writer, participant.writer = participant.writer, None
        if writer is None or participant.recording_id is None:
            return None
        written = writer.close()
        if written is None:
            return None
        info = RecordingInfo(
            id=participant.recording_id,
            session_id=self.session_id,
            peer_id=participant.peer_id,
            role=participant.role,
            started_at=participant.started_at,
            ended_at=now_iso(),
            duration_s=round(written.duration_s, 3),
            size=written.size,
            video_frames=written.video_frames,
            audio_frames=written.audio_frames,
        )
        self.library.save_recording(info)
        return info

    async def start_recording(self) -> None:
        if self.recording:
            return
        self.recording = True
        for participant in list(self.participants.values()):
            await self._start_writer(participant)

    async def stop_recording(self) -> list[RecordingInfo]:
        self.recording = False
        infos = [await self._finish_writer(p) for p in list(self.participants.values())]
        return [i for i in infos if i is not None]

    # -- demo playback --------------------------------------------------------
    async def play_demo(self, path: Path) -> None:
        await self.stop_demo()
        # decode=False: the clip's VP8/Opus packets go out as they are (no re-encode).
        self._player = MediaPlayer(str(path), decode=False)
        self._relay = MediaRelay()
        self.demo_name = path.name
        for participant in self.participants.values():
            await self._play_on(participant)

    async def _play_on(self, participant: _Participant) -> None:
        assert self._player is not None and self._relay is not None
        audio = self._relay.subscribe(self._player.audio) if self._player.audio else None
        video = self._relay.subscribe(self._player.video) if self._player.video else None
        await participant.link.play(audio, video)

    async def stop_demo(self) -> None:
        player, self._player = self._player, None
        self._relay, self.demo_name = None, None
        if player is None:
            return
        for participant in self.participants.values():
            await participant.link.play(None, None)
        for track in (player.audio, player.video):
            if track is not None:
                track.stop()

    # -- snapshot -------------------------------------------------------------
    async def snapshot(self, peer_id: str, timeout_s: float = 10.0) -> tuple[str, int, int]:
        """Saves a PNG of ``peer_id``'s current video; returns (name, width, height)."""
        participant = self.participants.get(peer_id)
        if participant is None:
            raise LookupError(peer_id)
        await asyncio.wait_for(participant.keyframe.wait(), timeout_s)
        frames = list(participant.gop)
        picture = await asyncio.to_thread(decode_last_picture, frames)
        if picture is None:
            raise LookupError("no picture yet")
        png = await asyncio.to_thread(to_png, picture)
        name = f"snap_{int(time.time() * 1000)}"
        path = self.library.snapshot_path(self.session_id, name)
        assert path is not None
        path.parent.mkdir(parents=True, exist_ok=True)
        await asyncio.to_thread(self.library.sealer.write_bytes, path, png)
        return name, picture.width, picture.height

    # -- lifecycle ------------------------------------------------------------
    async def close(self) -> list[RecordingInfo]:
        if self.closed:
            return []
        self.closed = True
        infos = await self.stop_recording()
        with contextlib.suppress(Exception):
            await self.stop_demo()
        for peer_id in list(self.participants):
            await self.remove(peer_id)
        return infos
