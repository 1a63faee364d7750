"""Attack: put markup in every customer-supplied text the agent console shows (name,
transcript, cart item names, page title, chat messages, attachment names, custom
attributes, CSAT comment) and wait for an agent to look. In real Chromium none of it
runs: no dialog, the page's flag stays unset, no element carries an ``onerror``; the
markup is shown as text."""

from __future__ import annotations

import base64
from typing import Any

import aiohttp
import pytest

from tests.browser.test_browser_escalation_flow import agent_console
from tests.security.common import record_dialogs
from tests.support.browser_helpers import DESKTOP, new_page, shoot
from tests.support.chat_helpers import start_conversation
from tests.support.harness import RunningServer
from tests.support.sio import SioPeer

pytestmark = pytest.mark.browser

RUN = "window.__xss=(window.__xss||0)+1;alert(1)"
PAYLOAD = f'<script>{RUN}</script><img src=x onerror="{RUN}"><svg onload="{RUN}">'
SCRIPTED_URL = "https://shop.example/p?q=<script>x</script>"
PNG_1PX = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=="
)


def field(label: str) -> str:
    return f"{label} {PAYLOAD}"


async def nothing_ran(page: Any, dialogs: list[str]) -> None:
    assert dialogs == []
    assert await page.evaluate("window.__xss === undefined")
    assert await page.locator("[onerror], [onload]").count() == 0
    assert await page.locator("img[src='x'], script:has-text('__xss')").count() == 0


async def test_markup_in_customer_text_never_runs_in_the_console(
    server: RunningServer, browser: Any
) -> None:
    async with aiohttp.ClientSession() as http, new_page(browser, viewport=DESKTOP) as agent:
        dialogs = record_dialogs(agent)
        await agent_console(agent, server, "en")
        conv = await start_conversation(
            http,
            server,
            {
                "customer": {"name": field("Name"), "email": "m@example.com"},
                "page": {
                    "url": "https://shop.example/p?q=<script>x</script>",
                    "title": field("Title"),
                },
                "cart": {
                    "items": [{"name": field("Item"), "quantity": 1, "price": 9.5}],
                    "total": 9.5,
                },
                "attributes": {"plan": field("Attribute")},
            },
            "en",
        )
        cid = conv["conversation_id"]
        customer = await SioPeer("/chat").connect(server.url, conv["token"])
        try:
            await customer.call("join", {"conversation_id": cid})
            await customer.call("message", {"conversation_id": cid, "text": field("Said")})
            picture = "data:image/png;base64," + base64.b64encode(PNG_1PX).decode()
            ack = await customer.call(
                "message",
                {
                    "conversation_id": cid,
                    "attachment": {"name": field("File"), "data_url": picture},
                },
            )
            assert ack["ok"], ack
            await customer.call("request-agent", {"conversation_id": cid})
            offer = agent.locator(".offer").first
            await offer.wait_for()
            await nothing_ran(agent, dialogs)
            await offer.get_by_role("button", name="Accept").click()
            panel = agent.get_by_role("tabpanel")
            for label in ("Name", "Title", "Item", "Attribute", "Said"):
                await panel.get_by_text(f"{label} <script>", exact=False).first.wait_for()
            await customer.call("message", {"conversation_id": cid, "text": field("Live")})
            await panel.get_by_text("Live <script>", exact=False).first.wait_for()
            alt = await panel.locator("[data-slot='chat'] img").first.get_attribute("alt")
            # the attachment's name (cut to 120 characters), as an attribute's value
            assert alt and alt.startswith("File <script>") and field("File").startswith(alt)
            stored = await server_escalation_id(server, cid)
            async with http.post(
                f"{server.url}/api/escalations/{stored}/csat",
                json={"score": 1, "comment": field("Comment")},
                headers={"Authorization": f"Bearer {conv['token']}"},
            ) as r:
                assert r.status == 201, await r.text()
            await agent.get_by_role("tab").filter(has_text="Name <script>").first.wait_for()
            await shoot(agent, "security-console-text-xss")
            await nothing_ran(agent, dialogs)
        finally:
            await customer.close()


async def server_escalation_id(server: RunningServer, conversation_id: str) -> str:
    from server.platform.keys import STORE

    conversation = await server.app[STORE].get_conversation(conversation_id)
    assert conversation is not None and conversation.escalation_id
    return conversation.escalation_id
