"""The admin pages in real Chromium: field errors next to fields, changes audited."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from server.keys import STORE
from tests.harness import RunningServer

ARTIFACTS = Path(__file__).parent / "artifacts"
pytestmark = pytest.mark.browser


async def test_admin_edits_a_site_and_an_agent_with_errors_shown_by_the_field(
    server: RunningServer, browser: Any
) -> None:
    context = await browser.new_context(locale="es", viewport={"width": 1280, "height": 900})
    try:
        page = await context.new_page()
        await page.goto(f"{server.url}/admin")
        await page.get_by_label("Correo electrónico").fill(server.config.admin_email)
        await page.get_by_label("Contraseña").fill(server.config.admin_password)
        await page.get_by_role("button", name="Entrar").click()
        await page.get_by_role("tab", name="Sitios").wait_for()
        demo = page.get_by_role("region", name="Demo shop")
        origins = demo.get_by_label("Orígenes permitidos (uno por línea)")
        await origins.fill("https://tienda.example\nno-es-un-origen")
        await demo.get_by_role("button", name="Guardar").click()
        error = demo.locator('[data-error-for="allowed_origins"]')
        await error.filter(has_text="origin").wait_for()
        site = await server.app[STORE].get_site("site_demo")
        assert site is not None and "https://tienda.example" not in site.allowed_origins
        await origins.fill(f"https://tienda.example\n{server.url}")
        await demo.get_by_role("button", name="Guardar").click()
        await demo.get_by_text("Guardado.").wait_for()
        site = await server.app[STORE].get_site("site_demo")
        assert site is not None and site.allowed_origins == ["https://tienda.example", server.url]
        ARTIFACTS.mkdir(exist_ok=True)
        await page.screenshot(path=str(ARTIFACTS / "admin-sites-desktop.png"), full_page=True)

        await page.get_by_role("tab", name="Agentes").click()
        bruno = page.get_by_role("region", name="Bruno Lima")
        await bruno.get_by_label("video").fill("40")
        await bruno.get_by_role("button", name="Guardar").click()
        await (
            bruno.locator('[data-error-for="capacity"]').filter(has_text="between").first.wait_for()
        )
        await bruno.get_by_label("video").fill("2")
        await bruno.get_by_role("button", name="Guardar").click()
        await bruno.get_by_text("Guardado.").wait_for()
        agent = await server.app[STORE].get_agent("ag_bruno")
        assert agent is not None and agent.capacity["video"] == 2
        await page.screenshot(path=str(ARTIFACTS / "admin-agents-desktop.png"), full_page=True)

        await page.get_by_role("tab", name="Registro de auditoría").click()
        await page.get_by_role("cell", name="agent.updated").wait_for()
        await page.get_by_role("cell", name="site.updated").wait_for()
        await page.screenshot(path=str(ARTIFACTS / "admin-audit-desktop.png"))
    finally:
        await context.close()


async def test_a_non_admin_is_turned_away(server: RunningServer, browser: Any) -> None:
    context = await browser.new_context(locale="en")
    try:
        page = await context.new_page()
        await page.goto(f"{server.url}/admin")
        await page.get_by_label("E-mail").fill("ana@demo.coview")
        await page.get_by_label("Password").fill("coview-demo")
        await page.get_by_role("button", name="Sign in").click()
        await page.get_by_text("This account is not an administrator.").wait_for()
        assert await page.get_by_role("tab").count() == 0
    finally:
        await context.close()
