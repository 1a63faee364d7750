"""The Redis connection pool's bounds, on a real redis-server: at most
``max_connections`` in use, a checkout waits for a released connection, and a wait
longer than the timeout fails with a connection error (which the HTTP layer answers
with 503) instead of hanging."""

from __future__ import annotations

import asyncio
import time

import pytest
import redis.asyncio as aioredis
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

from store.redis.connection import BoundedPool, BoundedSend, RedisTarget, connection_pool

pytestmark = pytest.mark.redis


def bounded(target: RedisTarget, max_connections: int) -> BoundedPool:
    pool = connection_pool(target, decode_responses=True, max_connections=max_connections)
    assert isinstance(pool, BoundedPool)
    return pool


async def test_a_checkout_waits_for_a_released_connection(redis_url: str) -> None:
    pool = bounded(RedisTarget(url=redis_url), 2)
    try:
        first, second = await pool.get_connection(), await pool.get_connection()
        waiting = asyncio.create_task(pool.get_connection())
        await asyncio.sleep(0.05)  # it has had time to take a third: it must not have
        assert not waiting.done()
        await pool.release(first)
        third = await asyncio.wait_for(waiting, 1)
        assert third is first  # the released one, not a new connection
        await third.send_command("PING")
        assert await third.read_response() == "PONG"
        await pool.release(second)
        await pool.release(third)
        await pool.release(third)  # a second release changes nothing
        assert len(pool._in_use_connections) == 0
        assert len(pool._available_connections) == 2
    finally:
        await pool.aclose()


async def test_a_wait_beyond_the_timeout_fails_fast(redis_url: str) -> None:
    target = RedisTarget(url=redis_url, timeout_s=0.2)
    pool = bounded(target, 1)
    try:
        held = await pool.get_connection()
        started = time.monotonic()
        with pytest.raises(RedisConnectionError, match="No connection available"):
            await pool.get_connection()
        assert 0.15 < time.monotonic() - started < 1.0
        await pool.release(held)
        again = await asyncio.wait_for(pool.get_connection(), 1)  # the slot came back
        await pool.release(again)
    finally:
        await pool.aclose()


async def test_a_cancelled_wait_gives_back_nothing_it_did_not_take(redis_url: str) -> None:
    pool = bounded(RedisTarget(url=redis_url), 1)
    try:
        held = await pool.get_connection()
        waiting = asyncio.create_task(pool.get_connection())
        await asyncio.sleep(0.02)
        waiting.cancel()
        with pytest.raises(asyncio.CancelledError):
            await waiting
        await pool.release(held)
        again = await asyncio.wait_for(pool.get_connection(), 1)  # one slot, still one
        with pytest.raises(asyncio.TimeoutError):
            await asyncio.wait_for(pool.get_connection(), 0.1)
        await pool.release(again)
    finally:
        await pool.aclose()


async def test_a_send_redis_does_not_read_fails_within_the_bound() -> None:
    """A server that stops reading (a hung Redis) fills the socket's buffers: the
    command's send gives up after ``timeout_s`` with a timeout error and drops the
    connection, instead of waiting for the buffer to drain forever."""

    async def stops_reading(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        while data := await reader.read(65_536):
            if b"BIGKEY" in data:
                await asyncio.Event().wait()  # never reads again
            if b"HELLO" in data:  # the connection's handshake (RESP3), then its settings
                writer.write(b"%1\r\n+proto\r\n:3\r\n")
            else:
                writer.write(b"+OK\r\n" * data.count(b"*"))

    server = await asyncio.start_server(stops_reading, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    pool = connection_pool(
        RedisTarget(url=f"redis://127.0.0.1:{port}/0", timeout_s=0.3), decode_responses=False
    )
    client = aioredis.Redis.from_pool(pool)
    try:
        assert issubclass(pool.connection_class, BoundedSend)
        started = time.monotonic()
        with pytest.raises(RedisTimeoutError, match="writing"):
            await client.set("BIGKEY", b"x" * (64 << 20))
        assert 0.25 < time.monotonic() - started < 2.0
        assert all(not c.is_connected for c in pool._available_connections)
    finally:
        await client.aclose()
        server.close()
