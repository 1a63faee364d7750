"""The supervisor dashboard in real Chromium: live agents, KPIs with charts, CSV export."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import aiohttp
import pytest

from tests.harness import RunningServer
from tests.journey_api import abandoned, answered_and_rated

ARTIFACTS = Path(__file__).parent / "artifacts"
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
        assert await page.locator("figure.chart canvas").count() == 5
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
