"""The agent console in real Chromium: sign-in, presence, the live feed, an incoming
offer with its countdown, sound and customer context, at 1280x720 and keyboard only."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from server.platform.keys import SIO, STORE
from signaling.rooms import agent_room
from tests.support.browser_helpers import DESKTOP, PHONE, new_page, shoot
from tests.support.harness import RunningServer

pytestmark = pytest.mark.browser

OFFERED = {
    "id": "esc_test1",
    "state": "offered",
    "trigger": "customer",
    "channel": "web",
    "modalities": ["video"],
    "context": {
        "page_url": "http://shop.example/demo/checkout",
        "page_title": "Checkout · Aurora Coffee Co.",
        "customer": {"id": "cus_maria", "name": "María García", "tier": "premium"},
        "tier": "premium",
        "language": "es",
        "cart": {
            "items": [{"sku": "AUR-PRO-01", "name": "Aurora Pro", "qty": 1, "price": 649.0}],
            "total": 649.0,
            "currency": "EUR",
        },
        "bot_intent": "product_question",
        "bot_confidence": 0.82,
    },
    "skills": [],
    "language": "es",
    "priority": 0,
    "agent_id": None,
    "created_at": "2026-01-01T10:00:00Z",
    "updated_at": "2026-01-01T10:00:00Z",
    "session_id": "s_test1",
}


async def sign_in(page: Any, server: RunningServer, lang: str = "en") -> None:
    await page.goto(f"{server.url}/console?lang={lang}")
    await page.get_by_label("Email").fill("ana@demo.coview")
    await page.get_by_label("Password").fill("coview-demo")
    await page.get_by_role("button", name="Sign in").click()
    await page.locator(".feed[data-live='true']").wait_for()


async def test_wrong_password_shows_an_error(server: RunningServer, browser: Any) -> None:
    async with new_page(browser) as page:
        await page.goto(f"{server.url}/console")
        await page.get_by_label("Email").fill("ana@demo.coview")
        await page.get_by_label("Password").fill("nope")
        await page.get_by_role("button", name="Sign in").click()
        await page.get_by_role("alert").filter(has_text="Wrong email or password").wait_for()
        await shoot(page, "console-login-desktop")


async def test_presence_switch_reaches_the_server_and_survives_reload(
    server: RunningServer, browser: Any
) -> None:
    async with new_page(browser) as page:
        await sign_in(page, server)
        await page.get_by_label("Status").select_option("available")
        await page.locator(".pill[data-presence='available']").wait_for(state="attached")
        agent = await server.app[STORE].get_agent("ag_ana")
        assert agent is not None and agent.presence == "available"
        await page.reload()  # the token is kept for this tab
        await page.locator(".pill[data-presence='available']").wait_for(state="attached")
        assert await page.get_by_label("Status").input_value() == "available"
        await page.get_by_role("button", name="Sign out").click()
        await page.get_by_role("heading", name="Sign in to the console").wait_for()


async def test_busy_presence_from_the_feed_is_shown(server: RunningServer, browser: Any) -> None:
    async with new_page(browser) as page:
        await sign_in(page, server)
        await server.app[SIO].emit(
            "presence", {"status": "busy"}, room=agent_room("ag_ana"), namespace="/agent"
        )
        await page.locator(".pill[data-presence='busy']", has_text="Busy").wait_for()


async def test_offer_rings_counts_down_and_shows_context(
    server: RunningServer, browser: Any
) -> None:
    async with new_page(browser, locale="es") as page:
        await sign_in_es(page, server)
        expires = (datetime.now(UTC) + timedelta(seconds=20)).isoformat()
        await server.app[SIO].emit(
            "offer",
            {"escalation": OFFERED, "expires_at": expires},
            room=agent_room("ag_ana"),
            namespace="/agent",
        )
        offer = page.get_by_role("listitem", name="Nueva solicitud de María García")
        await offer.wait_for()
        await offer.get_by_text("Checkout · Aurora Coffee Co.").wait_for()
        await offer.get_by_text("1 \u00d7 Aurora Pro").wait_for()
        first = await offer.locator(".countdown").inner_text()
        assert first.startswith("quedan")
        await page.wait_for_function(
            "t => document.querySelector('.countdown').textContent !== t", arg=first
        )
        assert await page.evaluate("window.coviewBeeps") == 1
        await server.app[SIO].emit(
            "queue",
            {"counts": {"queued": 2, "offered": 1}, "longest_wait_s": 75},
            room=agent_room("ag_ana"),
            namespace="/agent",
        )
        await page.get_by_text("2 en espera").wait_for()  # the one on offer is not waiting
        await page.locator(".queue-box").get_by_text("1 en oferta").wait_for()
        await shoot(page, "console-offer-desktop-es")
        await server.app[SIO].emit(
            "offer-withdrawn",
            {"escalation_id": "esc_test1"},
            room=agent_room("ag_ana"),
            namespace="/agent",
        )
        await offer.wait_for(state="detached")


async def sign_in_es(page: Any, server: RunningServer) -> None:
    await page.goto(f"{server.url}/console?lang=es")
    await page.get_by_label("Correo electrónico").fill("ana@demo.coview")
    await page.get_by_label("Contraseña").fill("coview-demo")
    await page.keyboard.press("Enter")
    await page.locator(".feed[data-live='true']").wait_for()


async def test_console_is_usable_by_keyboard_and_fits_small_screens(
    server: RunningServer, browser: Any
) -> None:
    async with new_page(browser, viewport=DESKTOP) as page:
        await page.goto(f"{server.url}/console")
        await page.keyboard.type("ana@demo.coview")
        await page.keyboard.press("Tab")
        await page.keyboard.type("coview-demo")
        await page.keyboard.press("Enter")
        await page.locator(".feed[data-live='true']").wait_for()
        width = await page.evaluate("document.documentElement.scrollWidth")
        height = await page.evaluate("document.documentElement.scrollHeight")
        assert (width, height) == (1280, 720)
        await shoot(page, "console-empty-desktop")
    async with new_page(browser, viewport=PHONE) as page:
        await sign_in(page, server)
        await shoot(page, "console-empty-phone")
