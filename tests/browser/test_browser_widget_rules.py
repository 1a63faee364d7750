"""The widget follows the site's display rules, asked live from /api/availability: the
demo rules keep /demo/premium for premium customers, and the button needs an agent."""

from __future__ import annotations

from typing import Any

import pytest

from tests.support.browser_helpers import PHONE, new_page, set_presence, shoot, widget
from tests.support.harness import RunningServer

pytestmark = pytest.mark.browser


async def test_button_shows_only_where_page_and_tier_rules_allow(
    server: RunningServer, browser: Any
) -> None:
    await set_presence(server, "available")
    async with new_page(browser) as page:
        launcher = widget(page).get_by_role("button", name="Video help")
        await page.goto(f"{server.url}/demo/")
        await launcher.wait_for()  # any visitor, on the product page

        answers: list[Any] = []
        page.on(
            "response",
            lambda r: (
                answers.append(r) if "/api/availability" in r.url and "premium" in r.url else None
            ),
        )
        await page.goto(f"{server.url}/demo/premium")  # a guest on the premium page
        await page.wait_for_function("() => window.coview && window.coview.identify")
        await page.wait_for_load_state("networkidle")
        assert answers
        for answer in answers:
            body = await answer.json()
            assert body["available"] is False and body["reason"] == "tier_not_eligible"
        assert await launcher.count() == 0

        await page.get_by_label("Demo customer").select_option("premium")  # identify(tier)
        await launcher.wait_for()
        await shoot(page, "widget-premium-desktop")

        await page.get_by_label("Demo customer").select_option("standard")
        await launcher.wait_for(state="detached")


async def test_button_hides_when_no_agent_is_available(server: RunningServer, browser: Any) -> None:
    await set_presence(server, "away")
    async with new_page(browser, viewport=PHONE) as page:
        await page.goto(f"{server.url}/demo/")
        await page.wait_for_function("() => window.coview && window.coview.identify")
        await page.wait_for_load_state("networkidle")
        # no video help without an agent; the callback the rules offer instead
        await widget(page).get_by_role("button", name="Request a callback").wait_for()
        assert await widget(page).get_by_role("button", name="Video help").count() == 0
