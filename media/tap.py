"""Encoded frames straight from an aiortc receiver, with no decoding.

aiortc's RTCRtpReceiver reassembles each frame in its jitter buffer and puts
``(codec, frame)`` on a queue read by a decoder thread. ``tap_receiver`` replaces
that queue, on this one receiver only, by an ``EncodedTap``: frames go to a callback
on the event loop, and the decoder thread idles until the receiver stops. aiortc
offers no public hook for encoded frames; this is the narrowest seam (one attribute
of one object, checked at install time so an aiortc upgrade that moves it fails loudly).
"""

from __future__ import annotations

import queue
from collections.abc import Callable
from typing import Any

from aiortc import RTCRtpReceiver

FrameHandler = Callable[[str, bytes, int], None]  # (codec name, frame, rtp timestamp)

_QUEUE_ATTR = "_RTCRtpReceiver__decoder_queue"


class EncodedTap:
    """Stands in for the receiver's decoder queue."""

    def __init__(self, on_frame: FrameHandler) -> None:
        self.on_frame = on_frame
        self._idle: queue.Queue[Any] = queue.Queue()  # only the stop sentinel goes here

    def put(self, item: Any) -> None:
        if item is None:  # the receiver is stopping: release the decoder thread
            self._idle.put(None)
            return
        codec, frame = item
        self.on_frame(codec.name, frame.data, frame.timestamp)

    def get(self, *args: Any, **kwargs: Any) -> Any:
        return self._idle.get(*args, **kwargs)


def tap_receiver(receiver: RTCRtpReceiver, on_frame: FrameHandler) -> EncodedTap:
    """Must run before the receiver starts (i.e. before negotiation completes)."""
    if not isinstance(getattr(receiver, _QUEUE_ATTR, None), queue.Queue):
        raise RuntimeError("this aiortc version has no decoder queue to tap")
    tap = EncodedTap(on_frame)
    setattr(receiver, _QUEUE_ATTR, tap)
    return tap
