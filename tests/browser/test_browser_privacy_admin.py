"""The privacy parts of /admin in real Chromium: the audit log filtered by who, what and
when, and exported as CSV."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import aiohttp
import pytest

from tests.support.browser_helpers import shoot
from tests.support.harness import RunningServer
from tests.support.privacy_helpers import http, listed_url, recorded

__all__ = ["http"]
pytestmark = pytest.mark.browser


async def admin_page(browser: Any, server: RunningServer) -> tuple[Any, Any]:
    context = await browser.new_context(locale="en", accept_downloads=True)
    page = await context.new_page()
    await page.goto(f"{server.url}/admin?lang=en")
    await page.get_by_label("E-mail").fill(server.config.admin_email)
    await page.get_by_label("Password").fill(server.config.admin_password)
    await page.get_by_role("button", name="Sign in").click()
    await page.get_by_role("tab", name="Sites").wait_for()
    return context, page


async def test_admin_filters_the_access_audit_and_exports_it(
    server: RunningServer, browser: Any, http: aiohttp.ClientSession
) -> None:
    info = await recorded(server)
    async with http.get(await listed_url(http, server, info.id)) as r:
        assert r.status == 200 and await r.read()
    context, page = await admin_page(browser, server)
    try:
        await page.get_by_role("tab", name="Audit log").click()
        search = page.get_by_role("search", name="Filter the audit log")
        await page.get_by_role("cell", name="recording.replayed").wait_for()
        await search.get_by_label("Who").select_option(label="Admin")
        await search.get_by_role("button", name="Filter").click()
        await page.get_by_text("Nothing recorded matches.").wait_for()
        await search.get_by_label("Who").select_option(label="Sofía Martín")
        await search.get_by_label("What").select_option(
            label="Call recordings (listed, replayed, downloaded)"
        )
        await search.get_by_role("button", name="Filter").click()
        await page.get_by_role("cell", name="recording.listed").wait_for()
        assert await page.locator("tbody tr").count() == 2
        await shoot(page, "admin-audit-filtered")
        async with page.expect_download() as download:
            await search.get_by_role("button", name="Export CSV").click()
        text = Path(await (await download.value).path()).read_text()  # noqa: ASYNC240
        assert text.splitlines()[0].startswith("at,actor_id,actor_name,action")
        assert [line.split(",")[3] for line in text.splitlines()[1:]] == [
            "recording.replayed",
            "recording.listed",
        ]
    finally:
        await context.close()
