"""Writes already-encoded VP8 and Opus frames into a WebM file with av, without
decoding or re-encoding them (a few % of a core per call instead of ~30-50 % for
decode + libvpx re-encode).

Timing: each kind keeps its RTP clock (VP8 90 kHz, Opus 48 kHz); the two are put on
one timeline by the arrival time of each kind's first frame. The file starts at the
first video keyframe: earlier video can't be decoded and earlier audio is dropped.

av 18 trap: the first ``mux`` opens every stream's codec context, so the video size
must be known (from the first keyframe) before anything, audio included, is muxed;
audio that arrives first waits in a small buffer.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any

import av

VIDEO_CLOCK = 90_000
AUDIO_CLOCK = 48_000
MAX_PENDING_AUDIO = 250  # ~5 s of 20 ms Opus frames waiting for the first keyframe


def vp8_keyframe_size(frame: bytes) -> tuple[int, int] | None:
    """(width, height) when ``frame`` is a VP8 keyframe (RFC 6386 §9.1), else None."""
    if len(frame) < 10 or frame[0] & 0x01 or frame[3:6] != b"\x9d\x01\x2a":
        return None
    width = int.from_bytes(frame[6:8], "little") & 0x3FFF
    height = int.from_bytes(frame[8:10], "little") & 0x3FFF
    return width, height


@dataclass(frozen=True)
class WrittenFile:
    path: Path
    duration_s: float
    size: int
    video_frames: int
    audio_frames: int


@dataclass
class _Clock:
    """Maps one kind's RTP timestamps onto the file's timeline (seconds)."""

    rate: int
    first_ts: int
    offset_s: float
    last_pts: int = -1

    def pts(self, timestamp: int) -> int:
        """In 1/rate units, strictly increasing (the muxer rejects repeats)."""
        pts = round(self.offset_s * self.rate) + (timestamp - self.first_ts)
        pts = max(pts, self.last_pts + 1)
        self.last_pts = pts
        return pts


class EncodedWebmWriter:
    """``sink``: opens the file object the muxer writes to (a seekable, write-only one,
    e.g. ``Sealer.writer`` to encrypt at rest); default the plain file at ``path``."""

    def __init__(
        self, path: Path, *, audio: bool = True, sink: Callable[[Path], Any] | None = None
    ) -> None:
        self.path = path
        self._sink_opener = sink
        self._sink: Any = None
        self._with_audio = audio
        self._container: av.container.OutputContainer | None = None
        self._video: av.VideoStream | None = None
        self._audio: av.AudioStream | None = None
        self._start: float | None = None  # arrival time of the first keyframe
        self._video_clock: _Clock | None = None
        self._audio_clock: _Clock | None = None
        self._pending_audio: list[tuple[bytes, int, float]] = []
        self.video_frames = 0
        self.audio_frames = 0
        self._last_pts_s = 0.0
        self._closed = False

    @property
    def started(self) -> bool:
        return self._start is not None

    @property
    def duration_s(self) -> float:
        """Media time written so far."""
        return self._last_pts_s

    def _open(self, width: int, height: int) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        if self._sink_opener is None:
            container = av.open(str(self.path), mode="w", format="webm")
        else:
            self._sink = self._sink_opener(self.path)
            container = av.open(self._sink, mode="w", format="webm")
        video = container.add_stream("libvpx", rate=30)
        video.width, video.height, video.pix_fmt = width, height, "yuv420p"
        self._video = video
        if self._with_audio:
            audio = container.add_stream("libopus", rate=AUDIO_CLOCK)
            audio.layout = "stereo"
            self._audio = audio
        self._container = container

    def add_video(self, frame: bytes, timestamp: int, arrival: float | None = None) -> None:
        if self._closed:
            return
        arrival = time.monotonic() if arrival is None else arrival
        size = vp8_keyframe_size(frame)
        if self._start is None:
            if size is None:
                return  # nothing decodable before the first keyframe
            self._open(*size)
            self._start = arrival
            self._video_clock = _Clock(VIDEO_CLOCK, timestamp, 0.0)
            pending, self._pending_audio = self._pending_audio, []
            self._write_video(frame, timestamp, keyframe=True)
            for data, ts, at in pending:
                self.add_audio(data, ts, at)
            return
        self._write_video(frame, timestamp, keyframe=size is not None)

    def _write_video(self, frame: bytes, timestamp: int, keyframe: bool) -> None:
        assert self._video_clock is not None and self._video is not None
        self._mux(self._video, frame, self._video_clock.pts(timestamp), VIDEO_CLOCK, keyframe)
        self.video_frames += 1

    def add_audio(self, frame: bytes, timestamp: int, arrival: float | None = None) -> None:
        if self._closed or not self._with_audio:
            return
        arrival = time.monotonic() if arrival is None else arrival
        if self._start is None:
            self._pending_audio.append((frame, timestamp, arrival))
            del self._pending_audio[:-MAX_PENDING_AUDIO]
            return
        if self._audio_clock is None:
            offset = arrival - self._start
            if offset < 0:
                # Audio from before the first keyframe: start the audio clock at 0 s.
                offset_ts = round(-offset * AUDIO_CLOCK)
                self._audio_clock = _Clock(AUDIO_CLOCK, timestamp + offset_ts, 0.0)
            else:
                self._audio_clock = _Clock(AUDIO_CLOCK, timestamp, offset)
        if timestamp - self._audio_clock.first_ts < 0:
            return
        assert self._audio is not None
        self._mux(self._audio, frame, self._audio_clock.pts(timestamp), AUDIO_CLOCK, True)
        self.audio_frames += 1

    def _mux(self, stream: av.stream.Stream, data: bytes, pts: int, rate: int, key: bool) -> None:
        assert self._container is not None
        packet = av.Packet(data)
        packet.stream = stream
        packet.time_base = Fraction(1, rate)
        packet.pts = packet.dts = pts
        packet.is_keyframe = key
        self._container.mux(packet)
        self._last_pts_s = max(self._last_pts_s, pts / rate)

    def close(self) -> WrittenFile | None:
        """Finishes the file; None when no keyframe ever arrived (nothing written)."""
        if self._closed:
            return None
        self._closed = True
        self._pending_audio.clear()
        if self._container is None:
            return None
        self._container.close()
        self._container = None
        if self._sink is not None:
            self._sink.close()
        return WrittenFile(
            path=self.path,
            duration_s=self._last_pts_s,
            size=self.path.stat().st_size,
            video_frames=self.video_frames,
            audio_frames=self.audio_frames,
        )
