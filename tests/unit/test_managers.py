"""The Redis Socket.IO manager drops its own publishes unread, and only those."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import orjson
import pytest
import socketio

from signaling.managers import DirectRedisManager
from store.redis.connection import RedisTarget


async def test_a_node_drops_its_own_emits_before_decoding_them(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    manager = DirectRedisManager(RedisTarget(url="redis://127.0.0.1:1/0"), channel="c")
    published: list[bytes] = []

    async def publish(data: bytes) -> None:
        published.append(data)

    monkeypatch.setattr(manager, "_publish", publish)
    await manager.emit("offer", {"text": "olá"}, namespace="/agent", room="agent:a")
    own = published[0]
    assert orjson.loads(own)["data"] == [{"text": "olá"}]
    other = own.replace(manager.host_id.encode(), b"f" * len(manager.host_id))
    library = orjson.dumps({"method": "emit", "host_id": manager.host_id})  # not ours first

    async def from_redis(self: Any) -> AsyncIterator[bytes]:
        for message in (own, other, library):
            yield message

    monkeypatch.setattr(socketio.AsyncRedisManager, "_listen", from_redis)
    assert [m async for m in manager._listen()] == [other, library]
