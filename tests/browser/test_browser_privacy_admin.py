"""The privacy parts of /admin in real Chromium: the audit log filtered by who, what and
when, and exported as CSV; a customer's data found, exported and erased."""

from __future__ import annotations

import zipfile
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from tests.support.browser_helpers import shoot
from tests.support.dsr_helpers import customer_data
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


async def test_admin_finds_exports_and_erases_a_customers_data(
    server: RunningServer, browser: Any, http: aiohttp.ClientSession
) -> None:
    data = await customer_data(http, server)
    context, page = await admin_page(browser, server)
    try:
        await page.get_by_role("tab", name="Data requests").click()
        form = page.get_by_role("search", name="Find a customer's data")
        await form.get_by_label("Identify by").select_option(label="E-mail")
        await form.get_by_label("Customer").fill("LUCIA@example.com")
        await form.get_by_role("button", name="Search").click()
        await page.get_by_role("cell", name="Call recording").wait_for()
        assert await page.get_by_role("cell", name=data.recording.id, exact=True).count() == 1
        rows = await page.locator(".dsr-results tbody tr").count()
        await page.get_by_text(f"{rows} items found").wait_for()
        await shoot(page, "admin-data-requests-found")

        async with page.expect_download() as download:
            await page.get_by_role("button", name="Export (zip)").click()
        zipped = Path(await (await download.value).path())
        names = zipfile.ZipFile(zipped).namelist()
        assert f"recordings/{data.session_id}/{data.recording.id}.webm" in names
        assert len([n for n in names if not n.endswith(".json") or "/" in n]) >= rows

        asked: list[str] = []

        async def accept(dialog: Any) -> None:
            asked.append(dialog.message)
            await dialog.accept()

        page.once("dialog", accept)
        await page.get_by_role("button", name="Erase everything").click()
        report = page.get_by_role("region", name="Erased for E-mail “LUCIA@example.com”:")
        await report.get_by_text("Escalations anonymised: 1").wait_for()
        assert "cannot be undone" in asked[0]
        assert await report.get_by_text(data.recording.id).count() == 1
        await shoot(page, "admin-data-requests-erased")
    finally:
        await context.close()
    assert not (server.config.data_dir / "recordings" / data.session_id).exists()
