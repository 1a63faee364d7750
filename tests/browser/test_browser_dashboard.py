"""The supervisor dashboard in real Chromium: live agents, KPIs with charts, CSV export."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from cobrowse.recording import Recorder
from media.keys import SEALER
from signaling import help as help_module
from store.models import utcnow
from tests.support.api import open_session
from tests.support.browser_helpers import (
    DESKTOP,
    accepted_escalation,
    add_call_recording,
    new_page,
    sign_in_dashboard,
)
from tests.support.harness import RunningServer
from tests.support.journey_api import abandoned, answered_and_rated
from tests.support.paths import ARTIFACTS_DIR

ARTIFACTS = ARTIFACTS_DIR
pytestmark = pytest.mark.browser


async def test_supervisor_sees_kpis_charts_and_exports_csv(
    server: RunningServer, browser: Any
) -> None:
    async with aiohttp.ClientSession() as http:
        await answered_and_rated(http, server, score=5)
        await abandoned(http, server)
    context = await browser.new_context(
        locale="es", viewport={"width": 1280, "height": 900}, accept_downloads=True
    )
    try:
        page = await context.new_page()
        await page.goto(f"{server.url}/dashboard")
        await page.get_by_label("Correo electrónico").fill("sofia@demo.coview")
        await page.get_by_label("Contraseña").fill("coview-demo")
        await page.get_by_role("button", name="Entrar").click()
        await page.get_by_role("heading", name="Panel de supervisión").wait_for()
        answered = page.locator('[data-kpi="answered"] .kpi-value')
        await answered.filter(has_text="1").wait_for()
        assert await page.locator('[data-kpi="abandoned"] .kpi-value').inner_text() == "1"
        assert await page.locator('[data-kpi="csat"] .kpi-value').inner_text() == "5.0 / 5 (1)"
        assert await page.locator('[data-kpi="abandonment_rate"] .kpi-value').inner_text() == "50 %"
        assert await page.locator("#charts figure.chart canvas").count() == 5
        agents = page.locator("#agents-card")
        await agents.get_by_role("row", name="Ana Souza").get_by_text("Ausente").wait_for()
        await page.locator("#sessions-card").get_by_text("No hay sesiones en curso.").wait_for()
        async with page.expect_download() as info:
            await page.get_by_role("button", name="Exportar CSV").click()
        download = await info.value
        csv = Path(await download.path()).read_text()  # noqa: ASYNC240 (a small file)
        assert "answered,1\n" in csv and "abandoned,1\n" in csv and "csat_5,1\n" in csv
        ARTIFACTS.mkdir(exist_ok=True)
        await page.screenshot(path=str(ARTIFACTS / "dashboard-desktop.png"), full_page=True)
    finally:
        await context.close()


async def test_supervisor_finds_replays_and_downloads_recordings(
    server: RunningServer, browser: Any
) -> None:
    both = await open_session(server)
    call_only = await open_session(server)
    recorder = Recorder(server.config.data_dir, both.id, server.app[SEALER])
    recorder.write(json.dumps([{"type": 4, "timestamp": 1, "data": {"href": "x"}}]).encode())
    recorder.close()
    add_call_recording(server, both.id, utcnow())
    add_call_recording(server, call_only.id, utcnow() - timedelta(days=2))
    context = await browser.new_context(
        locale="en", viewport={"width": 1366, "height": 900}, accept_downloads=True
    )
    try:
        page = await context.new_page()
        await sign_in_dashboard(page, server.url)
        table = page.get_by_test_id("recordings")
        row = table.locator(f'tr[data-session="{both.id}"]')
        await row.get_by_text("Call + Co-browse").wait_for()
        assert await table.locator("tbody tr").count() == 2
        replay = row.get_by_role("link", name="Replay")
        assert f"/cobrowse/replay/{both.id}" in (await replay.get_attribute("href") or "")

        await page.get_by_label("Kind").select_option("cobrowse")
        await table.locator(f'tr[data-session="{call_only.id}"]').wait_for(state="detached")
        await page.get_by_label("Kind").select_option("all")
        today = utcnow().date()
        await page.get_by_label("From").fill(str(today - timedelta(days=1)))
        await table.locator(f'tr[data-session="{call_only.id}"]').wait_for(state="detached")
        await page.get_by_label("From").fill("")
        await page.get_by_label("Session").fill("no-such-session")
        await page.get_by_text("No recordings match.").wait_for()
        await page.get_by_label("Session").fill(call_only.id)
        async with page.expect_download() as info:
            await table.get_by_role("button", name="Download call · customer").click()
        video = Path(await (await info.value).path())
        assert video.read_bytes()[:4] == b"\x1a\x45\xdf\xa3"  # noqa: ASYNC240 (a WebM header)
        await page.get_by_label("Session").fill("")
        ARTIFACTS.mkdir(exist_ok=True)
        await page.get_by_role("heading", name="Recordings").scroll_into_view_if_needed()
        await page.screenshot(path=str(ARTIFACTS / "dashboard-recordings.png"))
    finally:
        await context.close()


async def test_an_agent_asking_again_keeps_one_help_row_per_session(
    server: RunningServer, browser: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The console's "Ask for help" stays disabled while the request is open (the
    server's re-ask window, 0.3 s here, then a minute), then the agent may ask again:
    the dashboard replaces the request (one row per session, the newer request),
    answering it empties the card, and the answer lets the agent ask again."""
    monkeypatch.setattr(help_module, "REASK_S", 0.3)
    async with (
        aiohttp.ClientSession() as http,
        new_page(browser, viewport=DESKTOP) as agent,
        new_page(browser, viewport=DESKTOP) as page,
    ):
        created = await accepted_escalation(agent, http, server, ["chat"])
        session_id = created["escalation"]["session_id"]
        ask = agent.get_by_role("button", name="Ask for help")
        await sign_in_dashboard(page, server.url)
        await page.get_by_text("No agent is asking for help.").wait_for()
        rows = page.locator(f'[data-testid=help-requests] tr[data-session="{session_id}"]')

        await ask.click()
        await rows.wait_for()
        first = await rows.get_attribute("data-request")
        await agent.wait_for_function(ENABLED, arg="button.help")  # the window ended
        monkeypatch.setattr(help_module, "REASK_S", 60.0)
        await ask.click()
        await page.locator(
            f'[data-testid=help-requests] tr[data-session="{session_id}"]'
            f':not([data-request="{first}"])'
        ).wait_for()
        assert await rows.count() == 1
        assert "Lucía" in await rows.inner_text()
        assert await ask.is_disabled()  # open for the next minute
        ARTIFACTS.mkdir(exist_ok=True)
        await page.locator("#help-card").screenshot(path=str(ARTIFACTS / "dashboard-help.png"))

        async with page.expect_popup() as popup:
            await rows.get_by_role("button", name="Answer and observe").click()
        await (await popup.value).close()
        await page.get_by_text("No agent is asking for help.").wait_for()
        await agent.get_by_text("Sofía Martín is joining to help.").wait_for()
        await agent.wait_for_function(ENABLED, arg="button.help")  # answered: may ask again


ENABLED = "(selector) => document.querySelector(selector)?.disabled === false"
