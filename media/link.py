"""The server peer's RTCPeerConnection to one call participant.

The server offers one audio and one video transceiver (sendrecv): it receives the
participant's camera/mic as encoded frames (see ``media.tap``) and can send a demo
clip on the same transceivers with ``replaceTrack``, so playing a demo never
renegotiates. VP8 and Opus only, so recordings mux without transcoding.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from aiortc import (
    MediaStreamTrack,
    RTCBundlePolicy,
    RTCConfiguration,
    RTCPeerConnection,
    RTCRtpSender,
    RTCSessionDescription,
)
from aiortc.sdp import candidate_from_sdp

from media.ice import gather_on_addresses, rtc_ice_servers
from media.tap import tap_receiver

log = logging.getLogger("coview.media")

SendSignal = Callable[[dict[str, Any]], Awaitable[None]]
OnFrame = Callable[[str, str, bytes, int], None]  # (peer id, kind, frame, rtp timestamp)

# Chrome starts sending ~250 kb/s to a new peer and takes ~20 s to reach 640x480;
# this fmtp hint makes it start at 1 Mb/s (measured: 640x480 in ~2 s).
START_BITRATE_KBPS = 1000


def with_start_bitrate(sdp: str, kbps: int = START_BITRATE_KBPS) -> str:
    """Adds ``x-google-start-bitrate`` to every VP8 payload type of ``sdp``."""
    lines = sdp.split("\r\n")
    vp8 = {m.group(1) for line in lines if (m := re.match(r"a=rtpmap:(\d+) VP8/", line))}
    out: list[str] = []
    for line in lines:
        out.append(line)
        match = re.match(r"a=rtpmap:(\d+) VP8/", line)
        if match and not any(x.startswith(f"a=fmtp:{match.group(1)} ") for x in lines):
            out.append(f"a=fmtp:{match.group(1)} x-google-start-bitrate={kbps}")
    return "\r\n".join(
        f"{line};x-google-start-bitrate={kbps}"
        if (m := re.match(r"a=fmtp:(\d+) ", line))
        and m.group(1) in vp8
        and "start-bitrate" not in line
        else line
        for line in out
    )


def _preferred(kind: str, names: set[str]) -> list[Any]:
    capabilities = RTCRtpSender.getCapabilities(kind)
    return [c for c in capabilities.codecs if c.mimeType.split("/")[1] in names]


class MediaLink:
    def __init__(
        self,
        peer_id: str,
        *,
        ice_servers: Sequence[dict[str, Any]],
        host_addresses: Sequence[str],
        send: SendSignal,
        on_frame: OnFrame,
        on_closed: Callable[[str], None],
        tap: bool = True,
    ) -> None:
        self.peer_id = peer_id
        self._send = send
        self._host_addresses = host_addresses
        self._on_closed = on_closed
        self.pc = RTCPeerConnection(
            RTCConfiguration(
                iceServers=rtc_ice_servers(ice_servers), bundlePolicy=RTCBundlePolicy.MAX_BUNDLE
            )
        )
        self.audio = self.pc.addTransceiver("audio", direction="sendrecv")
        self.video = self.pc.addTransceiver("video", direction="sendrecv")
        self.audio.setCodecPreferences(_preferred("audio", {"opus"}))
        self.video.setCodecPreferences(_preferred("video", {"VP8", "rtx"}))
        if tap:  # else aiortc decodes as usual (the benchmark's MediaRecorder reference)
            tap_receiver(self.audio.receiver, lambda _c, d, ts: on_frame(peer_id, "audio", d, ts))
            tap_receiver(self.video.receiver, lambda _c, d, ts: on_frame(peer_id, "video", d, ts))
        self.pc.on("connectionstatechange", self._state_changed)
        self.remote_tracks = asyncio.Event()  # set once the answer created the tracks
        self.pc.on("track", self._track)
        self.closed = False

    def _track(self, track: MediaStreamTrack) -> None:
        if track.kind == "video":
            self.remote_tracks.set()

    async def _state_changed(self) -> None:
        log.debug("media link %s: %s", self.peer_id, self.pc.connectionState)
        if self.pc.connectionState == "failed":
            await self.close()

    async def offer(self) -> None:
        offer = await self.pc.createOffer()
        await gather_on_addresses(self.pc, self._host_addresses)
        await self.pc.setLocalDescription(offer)
        await self._send_description()

    async def _send_description(self) -> None:
        local = self.pc.localDescription
        sdp = with_start_bitrate(local.sdp)
        await self._send({"description": {"type": local.type, "sdp": sdp}})

    async def receive(self, signal: dict[str, Any]) -> None:
        description = signal.get("description")
        candidate = signal.get("candidate")
        if description:
            kind = description["type"]
            if kind == "offer" and self.pc.signalingState != "stable":
                return  # glare: the server is the impolite side
            if kind not in ("offer", "answer"):
                return
            await self.pc.setRemoteDescription(RTCSessionDescription(description["sdp"], kind))
            if kind == "offer":
                await self.pc.setLocalDescription(await self.pc.createAnswer())
                await self._send_description()
        elif candidate and candidate.get("candidate"):
            parsed = candidate_from_sdp(candidate["candidate"].removeprefix("candidate:"))
            parsed.sdpMid = candidate.get("sdpMid")
            parsed.sdpMLineIndex = candidate.get("sdpMLineIndex")
            await self.pc.addIceCandidate(parsed)

    async def play(self, audio: MediaStreamTrack | None, video: MediaStreamTrack | None) -> None:
        self.audio.sender.replaceTrack(audio)
        self.video.sender.replaceTrack(video)

    async def close(self) -> None:
        if self.closed:
            return
        self.closed = True
        await self.pc.close()
        self._on_closed(self.peer_id)
