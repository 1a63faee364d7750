"""Helpers for the browser tests of the pages: contexts at desktop and phone sizes,
screenshots under tests/artifacts/, and a stand-in availability answer for tests that
check rendering rather than rules."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime, timedelta
from typing import Any

import aiohttp

from media.demo_video import write_demo_video
from media.library import RecordingInfo
from signaling.keys import SESSION_NS
from tests.support.escalations import body, create
from tests.support.harness import RunningServer
from tests.support.paths import ARTIFACTS_DIR

ARTIFACTS = ARTIFACTS_DIR
DESKTOP = {"width": 1280, "height": 720}
PHONE = {"width": 390, "height": 844}
AVAILABLE = {
    "available": True,
    "modalities": ["video", "screen", "cobrowse"],
    "estimated_wait_s": 45,
    "reason": None,
}


@asynccontextmanager
async def new_page(
    browser: Any, *, locale: str = "en", viewport: dict[str, int] = DESKTOP
) -> AsyncIterator[Any]:
    context = await browser.new_context(
        locale=locale,
        viewport=viewport,
        is_mobile=viewport["width"] < 600,
        has_touch=viewport["width"] < 600,
    )
    try:
        page = await context.new_page()
        page.set_default_timeout(10_000)
        yield page
    finally:
        await context.close()


async def shoot(page: Any, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    await page.screenshot(path=str(ARTIFACTS / f"{name}.png"))


async def stub_availability(page: Any, answer: dict[str, Any] | None = None) -> list[str]:
    """Answer /api/availability in the browser; returns the URLs the widget asked."""
    asked: list[str] = []

    async def fulfil(route: Any) -> None:
        asked.append(route.request.url)
        await route.fulfill(
            status=200, content_type="application/json", body=json.dumps(answer or AVAILABLE)
        )

    await page.route("**/api/availability*", fulfil)
    return asked


def widget(page: Any) -> Any:
    """The widget's shadow root content (Playwright locators pierce open shadow roots)."""
    return page.locator("coview-widget")


async def set_presence(server: Any, status: str, email: str = "ana@demo.coview") -> str:
    """Sign the agent in over HTTP and set its presence; returns its access token."""
    import aiohttp

    from tests.support.api import bearer, login

    async with aiohttp.ClientSession() as http:
        token = await login(http, server, email)
        async with http.put(
            f"{server.url}/api/agents/me/presence", json={"status": status}, headers=bearer(token)
        ) as r:
            assert r.status == 200, await r.text()
    return token


def add_call_recording(server: Any, session_id: str, started: datetime) -> None:
    """A recorded call of the session, as the server peer leaves one (a real WebM)."""
    library = server.app[SESSION_NS].media.library
    info = RecordingInfo(
        id="rec_replay_test",
        session_id=session_id,
        peer_id="p_customer",
        role="customer",
        started_at=started.isoformat(),
        ended_at=(started + timedelta(seconds=10)).isoformat(),
        duration_s=10.0,
        size=0,
        video_frames=300,
        audio_frames=500,
    )
    path = library.recording_path(session_id, info.id)
    path.parent.mkdir(parents=True, exist_ok=True)
    write_demo_video(path, seconds=10)
    library.save_recording(info)


async def sign_in_available(page: Any, base_url: str, email: str = "ana@demo.coview") -> None:
    """An agent signs in to the console (English) and sets themselves available."""
    await page.goto(f"{base_url}/console")
    await page.get_by_label("Email").fill(email)
    await page.get_by_label("Password").fill("coview-demo")
    await page.get_by_role("button", name="Sign in").click()
    await page.get_by_label("Status").select_option("available")
    await page.locator(".pill[data-presence='available']").wait_for(state="attached")


async def sign_in_dashboard(page: Any, base_url: str, email: str = "sofia@demo.coview") -> None:
    """A supervisor signs in to the dashboard (English)."""
    await page.goto(f"{base_url}/dashboard?lang=en")
    await page.get_by_label("E-mail").fill(email)
    await page.get_by_label("Password").fill("coview-demo")
    await page.get_by_role("button", name="Sign in").click()


async def accepted_escalation(
    agent: Any, http: aiohttp.ClientSession, server: RunningServer, modalities: list[str]
) -> dict[str, Any]:
    """A customer's escalation (Lucía's) created over the API and accepted from the
    console of ``agent``, signed in and available; the create response."""
    await sign_in_available(agent, server.url)
    created = await create(http, server, body(modalities=modalities))
    offer = agent.get_by_role("listitem", name="New request from Lucía")
    await offer.get_by_role("button", name="Accept").click()
    return created
