"""Shared by the privacy tests: one node on each store, a recording as the server peer
leaves one, and agents added to the demo organisation."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from fractions import Fraction
from pathlib import Path
from typing import Any

import aiohttp
import av
import pytest

from media.library import RecordingInfo
from server.platform.auth.keys import PASSWORDS
from server.platform.keys import STORE
from signaling.keys import SESSION_NS
from store.models import Agent, Role, Session
from tests.support.api import bearer, login, open_session
from tests.support.harness import RunningServer, make_config, running_server

WEBM = b"\x1a\x45\xdf\xa3" + os.urandom(200_000)  # stands in for a recorded call


@pytest.fixture(params=["sqlite", "redis"])
async def node(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[RunningServer]:
    """One node on each store."""
    extra: dict[str, Any] = {"media_host_addresses": ("127.0.0.1",)}
    if request.param == "redis":
        extra |= {"store": "redis", "redis_url": request.getfixturevalue("redis_url")}
    async with running_server(make_config(tmp_path, **extra)) as running:
        yield running


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


async def recorded(
    server: RunningServer, session: Session | None = None, content: bytes = WEBM
) -> RecordingInfo:
    """A recording of ``session`` (default: a new one), written as the server peer
    writes one."""
    session = session or await open_session(server)
    library = server.app[SESSION_NS].media.library
    info = RecordingInfo(
        id="rec_" + os.urandom(6).hex(),
        session_id=session.id,
        peer_id="p_customer",
        role="customer",
        started_at="2026-01-01T00:00:00+00:00",
        ended_at="2026-01-01T00:00:10+00:00",
        duration_s=10.0,
        size=len(content),
        video_frames=300,
        audio_frames=500,
    )
    library.sealer.write_bytes(library.recording_path(session.id, info.id), content)
    library.save_recording(info)
    return info


async def listed_url(http: aiohttp.ClientSession, server: RunningServer, rec_id: str) -> str:
    supervisor = await login(http, server, "sofia@demo.coview")
    async with http.get(f"{server.url}/api/recordings", headers=bearer(supervisor)) as r:
        found: dict[str, str] = {x["id"]: x["url"] for x in (await r.json())["recordings"]}
    return server.url + found[rec_id]


async def add_agent(
    server: RunningServer, http: aiohttp.ClientSession, name: str, role: Role = "supervisor"
) -> tuple[str, str]:
    """(agent id, access token) of a new agent of the demo organisation."""
    agent_id = "ag_" + os.urandom(4).hex()
    email = f"{agent_id}@demo.coview"
    password_hash = server.app[PASSWORDS].hash("agent-password")
    agent = Agent(
        id=agent_id,
        tenant_id="demo",
        email=email,
        name=name,
        role=role,
        password_hash=password_hash,
    )
    await server.app[STORE].create_agent(agent)
    return agent_id, await login(http, server, email, "agent-password")


def vp8_frames(count: int) -> list[bytes]:
    """``count`` encoded VP8 frames (64x48, the first a keyframe), as a browser sends."""
    encoder = av.CodecContext.create("libvpx", "w")
    encoder.width, encoder.height, encoder.pix_fmt = 64, 48, "yuv420p"
    encoder.time_base = Fraction(1, 30)
    frames: list[bytes] = []
    for i in range(count):
        picture = av.VideoFrame(64, 48, "yuv420p")
        for plane in picture.planes:
            plane.update(bytes([i * 7 % 256]) * plane.buffer_size)
        picture.pts = i
        frames += [bytes(p) for p in encoder.encode(picture)]
    frames += [bytes(p) for p in encoder.encode(None)]
    return frames
