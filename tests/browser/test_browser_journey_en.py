"""The journey in English, in real Chromium: outside business hours the video-help
button is not offered and a callback is, which the customer leaves and an agent works
off; on the premium-only page a standard customer gets the callback offer too, and a
premium one the button."""

from __future__ import annotations

from typing import Any

import aiohttp
import pytest

from server.platform.keys import STORE
from tests.browser.test_browser_escalation_flow import agent_console
from tests.support.api import bearer, login
from tests.support.browser_helpers import DESKTOP, new_page, set_presence, shoot, widget
from tests.support.harness import RunningServer

pytestmark = pytest.mark.browser


async def set_rules(server: RunningServer, **changes: Any) -> None:
    """The admin changes the organisation's availability rules."""
    async with aiohttp.ClientSession() as http:
        token = await login(http, server, server.config.admin_email, server.config.admin_password)
        async with http.get(f"{server.url}/api/admin/rules", headers=bearer(token)) as r:
            rules = await r.json()
        rules.update(changes)
        async with http.put(
            f"{server.url}/api/admin/rules", json=rules, headers=bearer(token)
        ) as r:
            assert r.status == 200, await r.text()


async def test_the_journey_in_english(server: RunningServer, browser: Any) -> None:
    await set_presence(server, "available")
    closed = {"timezone": "America/New_York", "weekly": {}, "holidays": []}
    await set_rules(server, calendar=closed)
    async with new_page(browser, viewport=DESKTOP) as customer, new_page(browser) as agent:
        shop = widget(customer)
        await customer.goto(f"{server.url}/demo/?lang=en")
        callback = shop.get_by_role("button", name="Request a callback")
        await callback.wait_for()
        assert await shop.get_by_role("button", name="Video help").count() == 0
        await callback.click()
        await shop.get_by_text("Video help is closed right now.").wait_for()
        await shop.get_by_role("button", name="Call me back").click()
        await shop.get_by_text("Please enter your name and a phone number.").wait_for()
        await shop.get_by_label("Your name").fill("Jane Doe")
        await shop.get_by_label("Phone number").fill("+1 (555) 010-2030")
        await shop.get_by_label("When suits you? (optional)").fill("tomorrow after 6 pm")
        await shoot(customer, "journey-en-callback-form")
        await shop.get_by_role("button", name="Call me back").click()
        await shop.get_by_text("Thank you! We will call you back.").wait_for()
        [left] = await server.app[STORE].list_callbacks("demo", "open")
        assert (left.name, left.reason, left.preferred_time) == (
            "Jane Doe",
            "closed",
            "tomorrow after 6 pm",
        )

        await agent_console(agent, server, "en")
        request = agent.get_by_role("listitem", name="Jane Doe")
        await request.get_by_role("link", name="+1 (555) 010-2030").wait_for()
        await request.get_by_text("outside hours").wait_for()
        await shoot(agent, "journey-en-callbacks-console")
        await request.get_by_role("button", name="Called").click()
        await agent.get_by_text("No callback requests.").wait_for()
        assert await server.app[STORE].list_callbacks("demo", "open") == []

    # Open again: the premium-only page offers a standard customer the callback only.
    always = {
        "timezone": "America/New_York",
        "weekly": {d: [{"start": "00:00", "end": "24:00"}] for d in DAYS},
        "holidays": [],
    }
    await set_rules(server, calendar=always)
    async with new_page(browser, viewport=DESKTOP) as customer:
        shop = widget(customer)
        await customer.goto(f"{server.url}/demo/premium?lang=en")
        await customer.get_by_label("Demo customer").select_option("standard")
        await shop.get_by_role("button", name="Request a callback").click()
        await shop.get_by_text("Video help on this page is for premium customers.").wait_for()
        await shoot(customer, "journey-en-premium-only")
        await shop.get_by_role("button", name="Minimize").click()
        await customer.get_by_label("Demo customer").select_option("premium")
        await shop.get_by_role("button", name="Video help").wait_for()
        assert await shop.get_by_role("button", name="Request a callback").count() == 0


DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
