"""Coaching a live call in real Chromium (issue #25), four people: the agent brings in
a colleague as expert from the console and asks for help; the supervisor answers from
the dashboard and observes, whispers (the agent hears them, the customer and the expert
do not: received audio energy per link from getStats), sends an internal chat message,
barges in (the customer hears them and is told in Spanish) and goes back to observing;
the expert leaves and the call goes on."""

from __future__ import annotations

import asyncio
from typing import Any

import aiohttp
import pytest

from tests.support.browser_helpers import (
    DESKTOP,
    accepted_escalation,
    new_page,
    shoot,
    sign_in_available,
    sign_in_dashboard,
)
from tests.support.call_pages import open_call
from tests.support.harness import RunningServer

pytestmark = pytest.mark.browser

SOFIA = "ag_sofia"
# frames decoded per person in the call (the server's media peer aside)
PEOPLE_FRAMES = """async () => {
  if (!window.coviewCall) return [];  // a popup polled before its call script ran
  const stats = await window.coviewCall.stats();
  return Object.entries(stats).filter(([id]) => id !== "media").map(([, q]) => q.framesDecoded);
}"""
NOTIFICATIONS = """(() => {
  window.shownNotifications = [];
  window.Notification = class {
    static permission = "granted";
    static requestPermission() { return Promise.resolve("granted"); }
    constructor(title, options) { window.shownNotifications.push([title, options.body]); }
  };
})()"""
ENERGY = """async (peer) => {
  const stats = await window.coviewCall.stats();
  return stats[peer] ? stats[peer].audioEnergy : 0;
}"""


async def energy(page: Any, peer: str) -> float:
    value: float = await page.evaluate(ENERGY, peer)
    return value


async def wait_energy_above(page: Any, peer: str, floor: float, timeout_s: float = 20) -> float:
    """Polls getStats inside the page until audio received from ``peer`` exceeds ``floor``."""
    value: float = await asyncio.wait_for(
        page.evaluate(
            f"""async ([peer, floor]) => {{
              for (;;) {{
                const e = await ({ENERGY})(peer);
                if (e > floor) return e;
                await new Promise((r) => setTimeout(r, 100));
              }}
            }}""",
            [peer, floor],
        ),
        timeout_s,
    )
    return value


async def test_raise_hand_whisper_and_barge_in_a_live_call(
    server: RunningServer, browser: Any
) -> None:
    async with (
        aiohttp.ClientSession() as http,
        new_page(browser, viewport=DESKTOP) as agent,
        new_page(browser, viewport=DESKTOP) as dashboard,
        new_page(browser, viewport=DESKTOP) as colleague,
    ):
        created = await accepted_escalation(agent, http, server, ["video"])
        session_id = created["escalation"]["session_id"]
        customer_ctx, customer = await open_call(
            browser,
            server.url,
            session_id,
            created["customer"]["token"],
            lang="es",
            viewport=(390, 844),
        )
        try:
            await agent.wait_for_function("() => window.coviewCall?.state === 'connected'")

            # bring in an expert: an available colleague with the skill, from the console
            await sign_in_available(colleague, server.url, "bruno@demo.coview")
            await agent.get_by_role("button", name="Bring in an expert…").click()
            form = agent.locator("form.expert")
            await form.get_by_label("Skill").select_option("support")
            await form.get_by_label("Colleague").focus()
            await form.get_by_label("Colleague").select_option(label="Bruno Lima (support)")
            await form.get_by_role("button", name="Bring in").click()
            await agent.get_by_text("Bruno Lima has been asked to join.").wait_for()
            card = colleague.get_by_role(
                "listitem", name="Ana Souza asks you to join a call as expert"
            )
            async with colleague.expect_popup() as popup:
                await card.get_by_role("button", name="Join as expert").click()
            expert = await popup.value
            await expert.get_by_role("heading", name="In a call as expert").wait_for()
            await expert.get_by_role("heading", name="Customer's page").wait_for()
            await customer.get_by_text("Bruno Lima se ha unido a la llamada.").wait_for()
            await expert.wait_for_function(
                f"async () => {{ const f = await ({PEOPLE_FRAMES})();"
                " return f.length === 2 && f.every((n) => n > 0); }",
                timeout=20_000,
            )  # the expert sees the customer and the agent
            await customer.locator('.cv-tile[data-role="participant"]').wait_for()

            # notifications allowed: record what the dashboard shows the supervisor
            await dashboard.context.grant_permissions(["notifications"], origin=server.url)
            await dashboard.add_init_script(NOTIFICATIONS)
            await sign_in_dashboard(dashboard, server.url)
            await dashboard.get_by_text("No agent is asking for help.").wait_for()

            # raise hand: the console's button reaches the dashboard with the context
            await agent.get_by_role("button", name="Ask for help").click()
            request = dashboard.locator(
                f'[data-testid=help-requests] tr[data-session="{session_id}"]'
            )
            await request.wait_for()
            assert "Ana Souza" in await request.inner_text()
            assert "Lucía" in await request.inner_text()
            shown = await dashboard.evaluate("window.shownNotifications")
            assert shown == [["Ana Souza asks for help", "Lucía · Checkout"]], shown
            await request.get_by_text("waiting").wait_for()
            async with dashboard.expect_popup() as popup:
                await request.get_by_role("button", name="Answer and observe").click()
            observer = await popup.value
            await agent.get_by_text("Sofía Martín is joining to help.").wait_for()
            await dashboard.get_by_text("No agent is asking for help.").wait_for()
            await observer.wait_for_function(
                f"async () => {{ const f = await ({PEOPLE_FRAMES})();"
                " return f.length === 3 && f.every((n) => n > 0); }",
                timeout=20_000,
            )  # the supervisor sees the customer, the agent and the expert

            # whisper: the agent hears the supervisor, the customer does not
            await observer.get_by_role("button", name="Whisper to the agent").click()
            await agent.get_by_text("Sofía Martín is whispering to you").wait_for()
            await agent.locator(f'.cv-tile.cv-whispering[data-peer="{SOFIA}"]').wait_for()
            first = await wait_energy_above(agent, SOFIA, 0)
            await wait_energy_above(agent, SOFIA, first * 2 + 0.001)  # it keeps coming
            assert await energy(customer, SOFIA) == 0
            assert await energy(expert, SOFIA) == 0

            await observer.get_by_label("Internal message (the customer never sees it)").fill(
                "Ofrece el cupón"
            )
            await observer.get_by_role("button", name="Send").click()
            await agent.get_by_text("Ofrece el cupón").wait_for()
            await shoot(agent, "coaching-agent-whisper")
            seen = (await customer.content()).lower()
            assert "ofrece el cupón" not in seen and "susurr" not in seen

            # barge: the customer hears the supervisor and is told in their language
            await observer.get_by_role("button", name="Join the call").click()
            await customer.get_by_text(
                "Sofía Martín, supervisor/a, se ha unido a la llamada."
            ).wait_for()
            await wait_energy_above(customer, SOFIA, 0)
            await customer.locator('.cv-tile[data-role="observer"]').wait_for()
            await shoot(customer, "coaching-customer-barge")

            # back to observing: the customer's tile goes, the call goes on
            await observer.get_by_role("button", name="Observe").click()
            await customer.get_by_text("Sofía Martín ha salido de la llamada.").wait_for()
            await customer.locator('.cv-tile[data-role="observer"]').wait_for(state="detached")
            await shoot(observer, "coaching-observer")

            # the expert leaves: the call goes on for the customer and the agent
            await expert.get_by_role("button", name="End call").click()
            await customer.locator('.cv-tile[data-role="participant"]').wait_for(state="detached")
            assert await customer.evaluate("window.coviewCall.state") == "connected"
            assert await agent.evaluate("window.coviewCall.state") == "connected"
            # the KPIs count the expert-assisted session
            await dashboard.locator("#kpi-window").select_option("1h")
            assisted = dashboard.locator('[data-kpi="expert_assisted"] .kpi-value')
            await assisted.filter(has_text="1").wait_for()
        finally:
            await customer_ctx.close()
