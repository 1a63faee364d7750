"""Encoded VP8/Opus frames muxed into WebM without decoding."""

from __future__ import annotations

from pathlib import Path

import av
import pytest

from media.demo_video import write_demo_video
from media.webm import EncodedWebmWriter, vp8_keyframe_size


@pytest.fixture(scope="module")
def clip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_demo_video(tmp_path_factory.mktemp("demo") / "clip.webm", seconds=3)


def packets(path: Path) -> list[tuple[str, bytes, float, bool]]:
    """(kind, data, seconds, keyframe) in file order, as they would arrive."""
    out: list[tuple[str, bytes, float, bool]] = []
    with av.open(str(path)) as container:
        for packet in container.demux():
            if packet.size and packet.pts is not None and packet.time_base is not None:
                seconds = float(packet.pts * packet.time_base)
                out.append((packet.stream.type, bytes(packet), seconds, packet.is_keyframe))
    return out


def test_frames_written_without_decoding_play_back_with_their_duration(
    clip: Path, tmp_path: Path
) -> None:
    writer = EncodedWebmWriter(tmp_path / "out.webm")
    for kind, data, seconds, _ in packets(clip):
        if kind == "video":
            writer.add_video(data, round(seconds * 90_000), arrival=seconds)
        else:
            writer.add_audio(data, round(seconds * 48_000), arrival=seconds)
    written = writer.close()
    assert written is not None and written.size > 10_000
    with av.open(str(written.path)) as result:
        assert result.duration is not None and result.duration / av.time_base >= 2.8
        video = result.streams.video[0]
        assert (video.codec_context.name, video.width, video.height) == ("vp8", 640, 360)
        assert result.streams.audio[0].codec_context.name == "opus"
        decoded = sum(1 for _ in result.decode(video=0))
    assert decoded == written.video_frames == 90


def test_file_starts_at_the_first_keyframe_and_audio_waits_for_it(
    clip: Path, tmp_path: Path
) -> None:
    all_packets = packets(clip)
    video = [p for p in all_packets if p[0] == "video"]
    audio = [p for p in all_packets if p[0] == "audio"]
    writer = EncodedWebmWriter(tmp_path / "late.webm")
    for _, data, seconds, _ in audio[:20]:  # audio first: must not open the codecs
        writer.add_audio(data, round(seconds * 48_000), arrival=seconds)
    for _, data, seconds, _ in video[1:5]:  # delta frames before any keyframe: dropped
        delta = bytes([data[0] | 0x01]) + data[1:]  # the demo clip is all keyframes
        writer.add_video(delta, round(seconds * 90_000), arrival=seconds)
    assert not writer.started
    _, key, seconds, _ = video[0]
    writer.add_video(key, 0, arrival=0.2)
    written = writer.close()
    assert written is not None and written.video_frames == 1
    assert written.audio_frames > 0


def test_no_keyframe_means_no_file(tmp_path: Path) -> None:
    writer = EncodedWebmWriter(tmp_path / "none.webm")
    writer.add_video(b"\x01" * 20, 0)
    assert writer.close() is None
    assert not (tmp_path / "none.webm").exists()


def test_keyframe_size_is_read_from_the_vp8_header(clip: Path) -> None:
    first = next(p for p in packets(clip) if p[0] == "video")
    assert vp8_keyframe_size(first[1]) == (640, 360)
    assert vp8_keyframe_size(b"\x01" + first[1][1:]) is None
