"""Generates the demo-video library with av (FFmpeg's lavfi sources): no download.

``python -m media.demo_video [--if-missing] [--dir DIR]`` writes a short product demo
clip (VP8 video with an Opus tone, WebM) that agents can play into a call.
"""

from __future__ import annotations

import argparse
from fractions import Fraction
from pathlib import Path

import av

DEFAULT_LIBRARY = Path("data") / "demo-videos"
DEMO_NAME = "coview-product-tour.webm"
WIDTH, HEIGHT, FPS, SECONDS = 640, 360, 30, 8
SAMPLE_RATE = 48_000


def write_demo_video(path: Path, seconds: int = SECONDS) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".part")
    video_src = av.open(
        f"testsrc2=size={WIDTH}x{HEIGHT}:rate={FPS}:duration={seconds}", format="lavfi"
    )
    audio_src = av.open(
        f"sine=frequency=523:sample_rate={SAMPLE_RATE}:duration={seconds}", format="lavfi"
    )
    with av.open(str(tmp), mode="w", format="webm") as out:
        video = out.add_stream("libvpx", rate=FPS)
        video.width, video.height, video.pix_fmt = WIDTH, HEIGHT, "yuv420p"
        video.bit_rate = 800_000
        audio = out.add_stream("libopus", rate=SAMPLE_RATE)
        for frame in video_src.decode(video=0):
            frame = frame.reformat(format="yuv420p")
            frame.time_base = Fraction(1, FPS)
            out.mux(video.encode(frame))
        out.mux(video.encode(None))
        resampler = av.AudioResampler(format="s16", layout="stereo", rate=SAMPLE_RATE)
        for tone in audio_src.decode(audio=0):
            for chunk in resampler.resample(tone):
                out.mux(audio.encode(chunk))
        out.mux(audio.encode(None))
    video_src.close()
    audio_src.close()
    tmp.replace(path)
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--dir", type=Path, default=DEFAULT_LIBRARY)
    parser.add_argument("--if-missing", action="store_true", help="skip when the clip exists")
    args = parser.parse_args()
    target = args.dir / DEMO_NAME
    if args.if_missing and target.exists():
        return
    write_demo_video(target)
    print(f"wrote {target}")


if __name__ == "__main__":
    main()
