"""The call UI in real Chromium: two pages in one session see each other."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest

from tests.support.api import customer_token, login, open_session
from tests.support.call_pages import frames_decoded, open_call, refuse_devices, wait_frames_above
from tests.support.harness import RunningServer
from tests.support.paths import ARTIFACTS_DIR

ARTIFACTS = ARTIFACTS_DIR

pytestmark = pytest.mark.browser


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


async def test_customer_and_agent_receive_each_others_video(
    server: RunningServer, browser: Any, http: aiohttp.ClientSession
) -> None:
    session = await open_session(server)
    customer_ctx, customer = await open_call(
        browser, server.url, session.id, await customer_token(http, server, session), lang="es"
    )
    agent_ctx, agent = await open_call(browser, server.url, session.id, await login(http, server))
    try:
        await wait_frames_above(customer, 0)
        await wait_frames_above(agent, 0)
        await agent.wait_for_function("() => window.coviewCall.state === 'connected'")
        await agent.get_by_text("Connection: Good").wait_for()
        await customer.get_by_role("button", name="Colgar").wait_for()
        ARTIFACTS.mkdir(exist_ok=True)
        await customer.screenshot(path=str(ARTIFACTS / "call-customer-es.png"))
        await agent.screenshot(path=str(ARTIFACTS / "call-agent-en.png"))
    finally:
        await customer_ctx.close()
        await agent_ctx.close()


async def test_screen_share_replaces_the_video_the_other_side_sees(
    server: RunningServer, browser: Any, http: aiohttp.ClientSession
) -> None:
    session = await open_session(server)
    customer_ctx, customer = await open_call(
        browser, server.url, session.id, await customer_token(http, server, session)
    )
    agent_ctx, agent = await open_call(browser, server.url, session.id, await login(http, server))
    try:
        await wait_frames_above(agent, 0)
        await agent.wait_for_function("() => window.coviewCall.remoteVideoSize().width > 0")
        camera = await agent.evaluate("window.coviewCall.remoteVideoSize()")
        await customer.get_by_role("button", name="Share screen").click()
        await customer.get_by_role("button", name="Stop sharing").wait_for()
        await agent.get_by_text("is sharing their screen").wait_for()
        await agent.wait_for_function(
            f"() => window.coviewCall.remoteVideoSize().width !== {camera['width']}"
        )
        screen = await agent.evaluate("window.coviewCall.remoteVideoSize()")
        assert screen != camera
        before = await frames_decoded(agent)
        await wait_frames_above(agent, before + 10)
        await agent.screenshot(path=str(ARTIFACTS / "call-agent-sees-screen.png"))
        # The browser's own "Stop sharing" ends the track: the camera comes back.
        await customer.evaluate(
            """() => document.querySelector('.cv-local').srcObject
                 .getVideoTracks()[0].dispatchEvent(new Event('ended'))"""
        )
        await customer.get_by_role("button", name="Share screen").wait_for()
        await agent.get_by_text("is sharing their screen").wait_for(state="hidden")
        await agent.wait_for_function(
            f"() => window.coviewCall.remoteVideoSize().width === {camera['width']}"
        )
    finally:
        await customer_ctx.close()
        await agent_ctx.close()


async def test_dropped_websocket_rejoins_and_frames_flow_again(
    server: RunningServer, browser: Any, http: aiohttp.ClientSession
) -> None:
    session = await open_session(server)
    customer_ctx, customer = await open_call(
        browser, server.url, session.id, await customer_token(http, server, session)
    )
    agent_ctx, agent = await open_call(browser, server.url, session.id, await login(http, server))
    try:
        await wait_frames_above(customer, 0)
        await wait_frames_above(agent, 0)
        await agent.evaluate("window.coviewCall.dropConnection()")
        await customer.wait_for_function(
            "() => window.coviewCall.history.includes('peer_reconnecting')"
        )
        await agent.wait_for_function("() => window.coviewCall.history.includes('reconnecting')")
        await customer.wait_for_function("() => window.coviewCall.state === 'connected'")
        await agent.wait_for_function("() => window.coviewCall.state === 'connected'")
        for page in (customer, agent):
            await wait_frames_above(page, await frames_decoded(page) + 15)
        assert await agent.get_by_role("button", name="End call").is_enabled()
    finally:
        await customer_ctx.close()
        await agent_ctx.close()


async def test_ending_the_call_tells_the_other_side(
    server: RunningServer, browser: Any, http: aiohttp.ClientSession
) -> None:
    session = await open_session(server)
    customer_ctx, customer = await open_call(
        browser, server.url, session.id, await customer_token(http, server, session), lang="pt"
    )
    agent_ctx, agent = await open_call(browser, server.url, session.id, await login(http, server))
    try:
        await wait_frames_above(customer, 0)
        await agent.get_by_role("button", name="End call").click()
        await agent.get_by_text("You ended the call.").wait_for()
        await customer.get_by_text("A outra pessoa encerrou a chamada.").wait_for()
        assert await customer.get_by_role("button", name="Encerrar chamada").is_disabled()
    finally:
        await customer_ctx.close()
        await agent_ctx.close()


@pytest.mark.parametrize(
    ("video_error", "audio_error", "message"),
    [
        ("NotAllowedError", None, "access was denied, so the other person cannot see or hear you"),
        ("NotFoundError", None, "audio only"),
        ("NotFoundError", "NotFoundError", "No camera or microphone was found"),
    ],
)
async def test_missing_devices_fall_back_and_still_receive_the_call(
    server: RunningServer,
    browser: Any,
    http: aiohttp.ClientSession,
    video_error: str,
    audio_error: str | None,
    message: str,
) -> None:
    session = await open_session(server)
    customer_ctx, customer = await open_call(
        browser,
        server.url,
        session.id,
        await customer_token(http, server, session),
        init_script=refuse_devices(video_error, audio_error),
        viewport=(390, 760),  # a phone
    )
    agent_ctx, agent = await open_call(browser, server.url, session.id, await login(http, server))
    try:
        await customer.get_by_role("alert").filter(has_text=message).wait_for()
        await wait_frames_above(customer, 0)  # receive-only still sees the agent
        await agent.wait_for_function("() => window.coviewCall.state === 'connected'")
        assert await customer.get_by_role("button", name="Turn camera off").is_disabled()
        await customer.screenshot(path=str(ARTIFACTS / f"call-phone-{video_error}.png"))
    finally:
        await customer_ctx.close()
        await agent_ctx.close()
