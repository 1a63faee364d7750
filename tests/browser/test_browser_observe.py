"""A supervisor joins a session in progress as an observer, from the dashboard: they
see and hear the call and see the customer's page; nobody sees or hears them."""

from __future__ import annotations

from typing import Any

import aiohttp
import pytest

from tests.support.browser_helpers import sign_in_dashboard
from tests.support.call_pages import PER_REMOTE_FRAMES, open_call, wait_frames_above
from tests.support.escalations import act, body, console, create
from tests.support.harness import RunningServer
from tests.support.paths import ARTIFACTS_DIR

ARTIFACTS = ARTIFACTS_DIR
pytestmark = pytest.mark.browser


async def test_supervisor_observes_the_call_and_the_page_without_being_seen(
    server: RunningServer, browser: Any
) -> None:
    async with aiohttp.ClientSession() as http:
        ana, feed = await console(http, server, "ana")
        try:
            created = await create(http, server, body(modalities=["video", "cobrowse"]))
            await feed.next("offer")
            assert (
                await act(http, server, created["escalation"]["id"], "accept", ana)
            ).status == 200
        finally:
            await feed.close()
    session_id = created["escalation"]["session_id"]
    customer_token = created["customer"]["token"]
    customer_ctx, customer = await open_call(browser, server.url, session_id, customer_token)
    agent_ctx, _agent = await open_call(browser, server.url, session_id, ana)
    supervisor_ctx = await browser.new_context(locale="en", viewport={"width": 1366, "height": 900})
    try:
        shop = await customer_ctx.new_page()
        await shop.goto(f"{server.url}/cobrowse/demo-customer#token={customer_token}")
        await shop.wait_for_selector("body[data-cobrowse=sharing]")
        await wait_frames_above(customer, 0)

        dashboard = await supervisor_ctx.new_page()
        await sign_in_dashboard(dashboard, server.url)
        row = dashboard.locator(f'#sessions-card tr[data-session="{session_id}"]')
        async with dashboard.expect_popup() as popup:
            await row.get_by_role("link", name="Join as observer").click()
        observer = await popup.value
        await observer.wait_for_function("() => window.coviewCall && window.coviewCall.state")
        # both participants' video reaches the observer
        await observer.wait_for_function(
            f"async () => {{ const f = await ({PER_REMOTE_FRAMES})();"
            " return f.length === 2 && f.every((n) => n > 0); }",
            timeout=20_000,
        )
        await (
            observer.frame_locator(".cv-frame iframe")
            .get_by_role("heading", name="Co-browse test page")
            .wait_for()
        )
        for name in ("Mute", "Turn camera off", "Share screen"):
            assert not await observer.get_by_role("button", name=name).is_visible()
        await observer.get_by_text("You are observing").wait_for()
        # the observer sends nothing: no video from them reaches the customer
        frames = await customer.evaluate(PER_REMOTE_FRAMES)
        assert sorted(n > 0 for n in frames) == [False, True], frames
        ARTIFACTS.mkdir(exist_ok=True)
        await observer.screenshot(path=str(ARTIFACTS / "dashboard-observer.png"))
    finally:
        for context in (customer_ctx, agent_ctx, supervisor_ctx):
            await context.close()
