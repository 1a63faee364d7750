"""Several chats at once: a message in a conversation the agent is not looking at shows
as an unread count on its tab, and opening the tab clears it."""

from __future__ import annotations

from typing import Any

import aiohttp
import pytest

from tests.browser.test_browser_escalation_flow import agent_console
from tests.support.browser_helpers import DESKTOP, new_page
from tests.support.chat_helpers import start_conversation
from tests.support.harness import RunningServer
from tests.support.sio import SioPeer

pytestmark = pytest.mark.browser


async def test_unread_messages_are_counted_per_conversation_tab(
    server: RunningServer, browser: Any
) -> None:
    customers: list[SioPeer] = []
    async with aiohttp.ClientSession() as http, new_page(browser, viewport=DESKTOP) as agent:
        await agent_console(agent, server, "en")
        ids = []
        for name in ("Lucía", "Marta"):
            conv = await start_conversation(http, server, {"customer": {"name": name}}, "en")
            customer = await SioPeer("/chat").connect(server.url, conv["token"])
            customers.append(customer)
            await customer.call("join", {"conversation_id": conv["conversation_id"]})
            await customer.call("request-agent", {"conversation_id": conv["conversation_id"]})
            ids.append(conv["conversation_id"])
            offer = agent.locator(".offer").first
            await offer.get_by_role("button", name="Accept").click()
            await agent.get_by_role("tab", name=name).wait_for()
        # Marta's tab is open; Lucía writes.
        await agent.locator("[data-slot='chat'] .cv-chat").last.wait_for()
        await customers[0].call("message", {"conversation_id": ids[0], "text": "¿hola?"})
        lucia = agent.get_by_role("tab", name="Lucía")
        await lucia.locator(".unread", has_text="1").wait_for()
        await lucia.click()
        await lucia.locator(".unread").wait_for(state="detached")
        await agent.get_by_role("tabpanel").get_by_text("¿hola?").wait_for()
    for customer in customers:
        await customer.close()
