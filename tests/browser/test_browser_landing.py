"""The landing page in real Chromium, in two languages."""

from __future__ import annotations

from typing import Any

import pytest

from tests.support.harness import RunningServer
from tests.support.paths import ARTIFACTS_DIR

ARTIFACTS = ARTIFACTS_DIR

pytestmark = pytest.mark.browser


@pytest.mark.parametrize(
    ("lang", "heading", "status"),
    [
        ("es", "Mira lo que ve tu cliente", "en línea"),
        ("en", "See what your customer sees", "online"),
    ],
)
async def test_landing_page_speaks_the_visitors_language(
    server: RunningServer, browser: Any, lang: str, heading: str, status: str
) -> None:
    context = await browser.new_context(locale=lang, viewport={"width": 1280, "height": 800})
    try:
        page = await context.new_page()
        await page.goto(f"{server.url}/")  # the language comes from Accept-Language
        await page.get_by_role("heading", name=heading).wait_for()
        await page.locator("#server-status", has_text=status).wait_for()
        assert await page.get_attribute("html", "lang") == lang
        ARTIFACTS.mkdir(exist_ok=True)
        await page.screenshot(path=str(ARTIFACTS / f"landing-{lang}.png"), full_page=True)
    finally:
        await context.close()


async def test_language_switch_sticks_across_pages(server: RunningServer, browser: Any) -> None:
    context = await browser.new_context(locale="en")
    try:
        page = await context.new_page()
        await page.goto(f"{server.url}/")
        await page.get_by_role("link", name="PT").click()
        await page.get_by_role("heading", name="Veja o que o seu cliente vê").wait_for()
        await page.goto(f"{server.url}/")
        await page.get_by_role("heading", name="Veja o que o seu cliente vê").wait_for()
    finally:
        await context.close()
