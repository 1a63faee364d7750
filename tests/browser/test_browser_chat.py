"""The chat panel in real Chromium, with the agent on a Socket.IO client."""

from __future__ import annotations

from typing import Any

import aiohttp
import pytest

from tests.support.api import login
from tests.support.chat_helpers import assign, start_conversation
from tests.support.harness import RunningServer
from tests.support.paths import ARTIFACTS_DIR
from tests.support.sio import SioPeer

ARTIFACTS = ARTIFACTS_DIR
pytestmark = pytest.mark.browser


async def test_customer_chats_in_spanish_and_markup_stays_text(
    server: RunningServer, browser: Any
) -> None:
    async with aiohttp.ClientSession() as http:
        conv = await start_conversation(http, server)
        cid = conv["conversation_id"]
        await assign(server, cid)
        agent = await SioPeer("/chat").connect(server.url, await login(http, server))
    context = await browser.new_context(locale="es", viewport={"width": 900, "height": 760})
    try:
        await agent.call("join", {"conversation_id": cid})
        page = await context.new_page()
        await page.goto(f"{server.url}/chat/{cid}?lang=es#token={conv['token']}")
        box = page.get_by_role("textbox", name="Escribe un mensaje…")
        await box.fill("hola, no puedo pagar")
        await box.press("Enter")
        got = await agent.next("message")
        assert got["text"] == "hola, no puedo pagar" and got["sender"] == "customer"
        await agent.call("typing", {"conversation_id": cid, "typing": True})
        await page.get_by_text("Ana Souza está escribiendo…").wait_for()
        evil = "<img src=x onerror=\"document.title='pwned'\"><b>negrita</b>"
        await agent.call("message", {"conversation_id": cid, "text": evil})
        await page.get_by_text(evil).wait_for()
        assert await page.locator(".cv-chat-log img").count() == 0
        assert await page.locator(".cv-chat-log b").count() == 0
        assert await page.title() != "pwned"
        # the token left the URL and survives a reload, with the whole history
        assert "token" not in page.url
        await page.reload()
        await page.get_by_text("hola, no puedo pagar").wait_for()
        await page.get_by_text(evil).wait_for()
        ARTIFACTS.mkdir(exist_ok=True)
        await page.screenshot(path=str(ARTIFACTS / "chat-page-es.png"))
    finally:
        await agent.close()
        await context.close()


async def test_chat_page_without_token_explains_itself(server: RunningServer, browser: Any) -> None:
    context = await browser.new_context(locale="pt")
    try:
        page = await context.new_page()
        await page.goto(f"{server.url}/chat/c_unknown")
        await page.get_by_text("Este link de chat expirou").wait_for()
    finally:
        await context.close()
