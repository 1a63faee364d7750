"""The demo clip is generated locally with av, and is a real, playable file."""

from __future__ import annotations

from pathlib import Path

import av

from media.demo_video import write_demo_video


def test_demo_video_is_a_playable_vp8_opus_webm(tmp_path: Path) -> None:
    path = write_demo_video(tmp_path / "demo.webm", seconds=2)
    with av.open(str(path)) as container:
        assert {s.codec_context.name for s in container.streams} == {"vp8", "opus"}
        frames = sum(1 for _ in container.decode(video=0))
    assert frames >= 55  # two seconds at 30 fps
