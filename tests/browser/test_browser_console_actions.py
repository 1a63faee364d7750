"""Workspace actions in the console against the real escalation API: the customer's
previous requests, upgrading the modality, and a transfer with a note."""

from __future__ import annotations

from typing import Any

import aiohttp
import pytest

from server.platform.keys import STORE
from tests.support.api import bearer
from tests.support.browser_helpers import DESKTOP, new_page, shoot, sign_in_available
from tests.support.harness import RunningServer
from tests.support.identity import demo_user_hash

pytestmark = pytest.mark.browser

SITE = {"X-Coview-Site-Key": "demo-site-key"}
CONTEXT: dict[str, Any] = {
    "page": {"url": "http://127.0.0.1/demo/", "title": "Aurora Pro"},
    "customer": {"id": "cus_joao", "name": "João Pereira", "tier": "premium", "language": "pt"},
    "cart": {"items": [{"name": "Aurora Care plan", "quantity": 1, "price": 99.0}]},
    "transcript": [
        {"role": "customer", "text": "Como descalcifico a máquina?"},
        {"role": "bot", "text": "Posso chamar um especialista por vídeo."},
    ],
    "bot": {"intent": "descaling", "confidence": 0.64},
}


async def create(http: aiohttp.ClientSession, server: RunningServer, mods: list[str]) -> Any:
    # signed by the shop, so the customer's previous requests may be listed
    customer = {**CONTEXT["customer"], "user_hash": await demo_user_hash(server, "cus_joao")}
    body = {"modalities": mods, "context": {**CONTEXT, "customer": customer}, "language": "pt"}
    async with http.post(f"{server.url}/api/escalations", json=body, headers=SITE) as r:
        assert r.status == 201, await r.text()
        return await r.json()


async def test_workspace_shows_history_and_upgrades_and_transfers(
    server: RunningServer, browser: Any
) -> None:
    async with aiohttp.ClientSession() as http:
        earlier = await create(http, server, ["video"])
        token = earlier["customer"]["token"]
        url = f"{server.url}/api/escalations/{earlier['escalation']['id']}/cancel"
        async with http.post(url, json={}, headers=bearer(token)) as r:
            assert r.status == 200, await r.text()

        async with new_page(browser, viewport=DESKTOP) as agent:
            await sign_in_available(agent, server.url)

            current = await create(http, server, ["cobrowse"])
            escalation_id = current["escalation"]["id"]
            offer = agent.get_by_role("listitem", name="New request from João Pereira")
            await offer.get_by_role("button", name="Accept").click()

            workspace = agent.get_by_role("tabpanel")
            context = workspace.get_by_role("complementary")
            await context.get_by_text("descaling (64%)").wait_for()
            await context.get_by_text("Como descalcifico a máquina?").wait_for()
            history = context.get_by_role("region", name="Previous requests")
            await history.get_by_text("cancelled").wait_for()
            await context.get_by_role("link", name="Aurora Pro").wait_for()
            await workspace.locator("[data-slot='cobrowse']").wait_for()
            await shoot(agent, "console-workspace-cobrowse-desktop")

            await workspace.get_by_role("button", name="+ Screen share").click()
            await workspace.locator("[data-slot='call']").wait_for()
            esc = await server.app[STORE].get_escalation(escalation_id)
            assert esc is not None and esc.modalities == ["cobrowse", "screen"]
            await agent.get_by_role("tab", name="João Pereira").wait_for()

            await workspace.get_by_label("Note for the next agent").fill("Wants help descaling")
            await workspace.get_by_role("button", name="Transfer").click()
            await workspace.get_by_role("status").filter(has_text="Transferred.").first.wait_for()
            esc = await server.app[STORE].get_escalation(escalation_id)
            assert esc is not None and esc.agent_id != "ag_ana"
            assert [n.text for n in esc.notes] == ["Wants help descaling"]
            await workspace.get_by_role("button", name="Close tab").click()
            await agent.get_by_text("No active sessions.").wait_for()


async def test_several_sessions_in_tabs_up_to_capacity_and_by_keyboard(
    server: RunningServer, browser: Any
) -> None:
    async with aiohttp.ClientSession() as http, new_page(browser, viewport=DESKTOP) as agent:
        await sign_in_available(agent, server.url)
        for _ in range(2):  # co-browse capacity is 2
            await create(http, server, ["cobrowse"])
            offer = agent.get_by_role("listitem", name="New request from João Pereira")
            await offer.get_by_role("button", name="Accept").click()
            await offer.wait_for(state="detached")
        tabs = agent.get_by_role("tab")
        assert await tabs.count() == 2
        await agent.locator(".cap.full", has_text="Co-browse 2/2").wait_for()
        await agent.locator(".pill[data-presence='busy']", has_text="Busy").wait_for()
        await shoot(agent, "console-two-tabs-desktop")

        second = tabs.nth(1)
        assert await second.get_attribute("aria-selected") == "true"
        await second.focus()
        await agent.keyboard.press("ArrowLeft")
        assert await tabs.nth(0).get_attribute("aria-selected") == "true"
        assert await agent.evaluate("document.activeElement.getAttribute('role')") == "tab"
        assert await agent.get_by_role("tabpanel").count() == 1  # the other one is hidden
        width = await agent.evaluate("document.documentElement.scrollWidth")
        height = await agent.evaluate("document.documentElement.scrollHeight")
        assert (width, height) == (1280, 720)
