"""A still picture from encoded VP8 frames: decode the last keyframe and the frames
after it (only when asked), encode one PNG."""

from __future__ import annotations

import av
from av.video.frame import VideoFrame


def decode_last_picture(frames: list[bytes]) -> VideoFrame | None:
    """``frames`` starts at a keyframe; returns the last decodable picture."""
    codec = av.CodecContext.create("vp8", "r")
    picture: VideoFrame | None = None
    for data in frames:
        try:
            for decoded in codec.decode(av.Packet(data)):
                assert isinstance(decoded, VideoFrame)
                picture = decoded
        except av.FFmpegError:
            continue
    return picture


def to_png(frame: VideoFrame) -> bytes:
    encoder = av.CodecContext.create("png", "w")
    assert isinstance(encoder, av.VideoCodecContext)
    encoder.width, encoder.height, encoder.pix_fmt = frame.width, frame.height, "rgb24"
    packets = encoder.encode(frame.reformat(format="rgb24"))
    packets += encoder.encode(None)
    return b"".join(bytes(p) for p in packets)
