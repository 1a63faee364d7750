"""The admin pages in real Chromium: field errors next to fields, changes audited."""

from __future__ import annotations

from typing import Any

import aiohttp
import pytest

from server.platform.keys import STORE
from tests.support.api import bearer, login
from tests.support.harness import RunningServer
from tests.support.paths import ARTIFACTS_DIR

ARTIFACTS = ARTIFACTS_DIR
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


SIGN_IN = {"en": ("Password", "Sign in"), "pt": ("Senha", "Entrar")}


async def sign_in_as_admin(page: Any, server: RunningServer, lang: str = "en") -> None:
    password, submit = SIGN_IN[lang]
    await page.goto(f"{server.url}/admin?lang={lang}")
    await page.get_by_label("E-mail").fill(server.config.admin_email)
    await page.get_by_label(password).fill(server.config.admin_password)
    await page.get_by_role("button", name=submit).click()
    await page.get_by_role("tab", name="Sites").wait_for()


async def test_admin_sets_hours_holidays_and_a_display_rule(
    server: RunningServer, browser: Any
) -> None:
    context = await browser.new_context(locale="en", viewport={"width": 1280, "height": 900})
    try:
        page = await context.new_page()
        await sign_in_as_admin(page, server)
        await page.get_by_role("tab", name="Hours and holidays").click()
        await page.get_by_label("Time zone").fill("America/Atlantis")
        await page.get_by_role("button", name="Save").click()
        await (
            page.locator('[data-error-for="calendar.timezone"]')
            .filter(has_text="unknown")
            .wait_for()
        )
        await page.get_by_label("Time zone").fill("America/Sao_Paulo")
        await page.get_by_label("Monday").fill("09:00-18:00")
        await page.get_by_label("Sunday").fill("")
        await page.get_by_role("textbox", name="Holidays, one per line").fill(
            "2026-12-25 Natal\n2026-12-24 Véspera 09:00-13:00"
        )
        await page.get_by_role("button", name="Save").click()
        await page.get_by_text("Saved.").wait_for()
        await page.get_by_role("tab", name="Display rules").click()
        await page.get_by_role("button", name="Add a rule").click()
        rule = page.get_by_role("group", name="Rule 3")
        await rule.get_by_label("Page pattern").fill("/demo/vip*")
        await rule.get_by_label("Only these customer tiers").fill("gold")
        await page.get_by_role("button", name="Save").click()
        await page.get_by_text("Saved.").wait_for()
        await page.screenshot(path=str(ARTIFACTS / "admin-rules-desktop.png"), full_page=True)
    finally:
        await context.close()
    async with aiohttp.ClientSession() as http:
        token = await login(http, server, server.config.admin_email, server.config.admin_password)
        async with http.get(f"{server.url}/api/admin/rules", headers=bearer(token)) as r:
            rules = await r.json()
    calendar = rules["calendar"]
    assert calendar["timezone"] == "America/Sao_Paulo"
    assert calendar["weekly"]["mon"] == [{"start": "09:00", "end": "18:00"}]
    assert calendar["weekly"]["sun"] == []
    assert calendar["holidays"][1] == {
        "date": "2026-12-24",
        "name": "Véspera",
        "hours": [{"start": "09:00", "end": "13:00"}],
    }
    assert rules["rules"][-1]["page"] == "/demo/vip*" and rules["rules"][-1]["tiers"] == ["gold"]


async def test_admin_adds_a_webhook_and_sees_its_delivery_log(
    server: RunningServer, browser: Any
) -> None:
    context = await browser.new_context(locale="en", viewport={"width": 1280, "height": 900})
    try:
        page = await context.new_page()
        await sign_in_as_admin(page, server)
        await page.get_by_role("tab", name="Webhooks").click()
        await page.get_by_label("URL").fill("not a url")
        await page.get_by_role("button", name="Add").click()
        await page.locator('[data-error-for="url"]').filter(has_text="URL").wait_for()
        await page.get_by_label("URL").fill("http://127.0.0.1:9/hook")
        await page.get_by_role("button", name="Add").click()
        await page.get_by_text("Signing secret (shown once)").wait_for()
        card = page.get_by_role("region", name="http://127.0.0.1:9/hook")
        await card.get_by_role("button", name="Send a test event").click()
        await card.locator(".delivery-log tr").first.wait_for()
        await page.screenshot(path=str(ARTIFACTS / "admin-webhooks-desktop.png"), full_page=True)
    finally:
        await context.close()


async def test_admin_sets_masking_and_turn_with_field_errors(
    server: RunningServer, browser: Any
) -> None:
    context = await browser.new_context(locale="pt", viewport={"width": 1366, "height": 900})
    try:
        page = await context.new_page()
        await sign_in_as_admin(page, server, lang="pt")
        await page.get_by_role("tab", name="Mascaramento").click()
        patterns = page.get_by_label("Padrões (mascarados no servidor)")
        await patterns.fill("\\d{3}\\.\\d{3}\\.\\d{3}-\\d{2}\n(a+)+")
        await page.get_by_label("Seletores CSS (mascarados no navegador)").fill(".cpf\n#saldo")
        await page.get_by_role("button", name="Salvar").click()
        error = page.locator('[data-error-for="patterns"]')
        await error.filter(has_text="(a+)+").wait_for()
        assert await server.app[STORE].get_setting("demo", "masking") is None
        await patterns.fill("\\d{3}\\.\\d{3}\\.\\d{3}-\\d{2}")
        await page.get_by_role("button", name="Salvar").click()
        await page.get_by_text("Salvo.").wait_for()
        saved = await server.app[STORE].get_setting("demo", "masking")
        assert saved == {
            "selectors": [".cpf", "#saldo"],
            "patterns": [r"\d{3}\.\d{3}\.\d{3}-\d{2}"],
        }
        await page.screenshot(path=str(ARTIFACTS / "admin-masking-desktop.png"), full_page=True)

        await page.get_by_role("tab", name="TURN").click()
        turn_urls = page.get_by_role("textbox", name="TURN", exact=True)
        await turn_urls.fill("http://not-turn")
        await page.get_by_role("button", name="Salvar").click()
        await page.locator('[data-error-for="turn_urls"]').filter(has_text="turn").wait_for()
        await turn_urls.fill("turn:turn.loja.example:3478")
        await page.get_by_label("Segredo compartilhado (static-auth-secret)").fill("x" * 24)
        await page.get_by_role("button", name="Salvar").click()
        await page.get_by_text("Salvo.").wait_for()
        turn = await server.app[STORE].get_setting("demo", "turn")
        assert turn is not None and turn["turn_urls"] == ["turn:turn.loja.example:3478"]
        await page.screenshot(path=str(ARTIFACTS / "admin-turn-desktop.png"), full_page=True)
    finally:
        await context.close()
