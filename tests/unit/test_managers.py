"""The Redis Socket.IO manager drops its own publishes unread, and only those, and
sends the emits of one turn of the loop as one publish that other nodes unpack."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import orjson
import pytest
import socketio

from signaling.managers import DirectRedisManager
from store.redis.connection import RedisTarget


def manager_publishing_to(
    published: list[bytes], monkeypatch: pytest.MonkeyPatch
) -> DirectRedisManager:
    manager = DirectRedisManager(RedisTarget(url="redis://127.0.0.1:1/0"), channel="c")

    async def publish(data: bytes) -> None:
        published.append(data)

    monkeypatch.setattr(manager, "_publish_now", publish)
    return manager


async def sent(manager: DirectRedisManager) -> None:
    assert manager._sender is not None
    await asyncio.wait_for(manager._sender, 5)


def as_other_node(message: bytes, manager: DirectRedisManager) -> bytes:
    return message.replace(manager.host_id.encode(), b"f" * len(manager.host_id))


def from_redis(messages: list[bytes], monkeypatch: pytest.MonkeyPatch) -> None:
    async def listen(self: Any) -> AsyncIterator[bytes]:
        for message in messages:
            yield message

    monkeypatch.setattr(socketio.AsyncRedisManager, "_listen", listen)


async def test_a_node_drops_its_own_emits_before_decoding_them(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    published: list[bytes] = []
    manager = manager_publishing_to(published, monkeypatch)
    await manager.emit("offer", {"text": "olá"}, namespace="/agent", room="agent:a")
    await sent(manager)
    own = published[0]
    assert orjson.loads(own)["data"] == [{"text": "olá"}]
    other = as_other_node(own, manager)
    library = orjson.dumps({"method": "emit", "host_id": manager.host_id})  # not ours first
    from_redis([own, other, library], monkeypatch)
    assert [m async for m in manager._listen()] == [orjson.loads(other), library]


async def test_emits_of_one_turn_go_as_one_publish_in_order(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    published: list[bytes] = []
    manager = manager_publishing_to(published, monkeypatch)
    await manager.emit("offer", {"n": 1}, namespace="/agent", room="agent:a")
    await manager.emit("presence", {"n": 2}, namespace="/agent", room="agent:a")
    await sent(manager)
    assert len(published) == 1
    other = as_other_node(published[0], manager)
    from_redis([published[0], other], monkeypatch)
    received = [m async for m in manager._listen()]  # its own batch dropped unread
    assert [(m["event"], m["data"], m["room"]) for m in received] == [
        ("offer", [{"n": 1}], "agent:a"),
        ("presence", [{"n": 2}], "agent:a"),
    ]
    assert {m["host_id"] for m in received} == {"f" * len(manager.host_id)}
    await manager.emit("queue", {"n": 3}, namespace="/agent", room="t")
    await sent(manager)
    assert orjson.loads(published[1])["method"] == "emit"  # alone: a plain message
