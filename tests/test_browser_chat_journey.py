"""Issue 8 end to end in real Chromium: a customer chats with the bot in Spanish on the
demo shop, asks for a person, the agent replies, offers video, the customer accepts in
the chat, and both see each other; the transcript is in the agent's context panel and
in the escalation's context."""

from __future__ import annotations

from typing import Any

import pytest

from server.keys import STORE
from tests.browser_helpers import DESKTOP, new_page, shoot, widget
from tests.harness import RunningServer
from tests.test_browser_escalation_flow import agent_console

pytestmark = pytest.mark.browser

PLAYING = "(v) => v.readyState >= 2 && v.videoWidth > 0"


async def test_chat_with_the_bot_hand_off_and_upgrade_to_video_in_spanish(
    server: RunningServer, browser: Any
) -> None:
    async with (
        new_page(browser, locale="es", viewport=DESKTOP) as agent,
        new_page(browser, locale="es", viewport=DESKTOP) as customer,
    ):
        logs: list[str] = []
        agent.on("console", lambda m: logs.append(f"agent {m.type}: {m.text}"))
        customer.on("console", lambda m: logs.append(f"customer {m.type}: {m.text}"))
        await agent_console(agent, server, "es")
        await customer.goto(f"{server.url}/demo/?lang=es")
        await customer.get_by_role("button", name="Añadir al carrito").click()
        shop = widget(customer)
        await shop.get_by_role("button", name="Ayuda por vídeo").click()
        await shop.get_by_role("button", name="Chat").click()
        box = shop.get_by_role("textbox", name="Escribe un mensaje…")
        await box.fill("Hola, quiero hablar con alguien por favor")
        await box.press("Enter")
        await shop.get_by_text("te paso con una persona de nuestro equipo").wait_for()
        await shop.get_by_text("Te estamos conectando con un agente").wait_for()

        offer = agent.locator(".offer, [role='listitem']").filter(has_text="Aceptar").first
        await offer.get_by_role("button", name="Aceptar").click()
        await shop.get_by_text("Ana Souza se unió a la conversación").wait_for()

        workspace = agent.get_by_role("tabpanel")
        context = workspace.get_by_role("complementary")
        await context.get_by_text("Hola, quiero hablar con alguien por favor").wait_for()
        agent_box = workspace.get_by_role("textbox", name="Escribe un mensaje…")
        await agent_box.fill("¡Hola! Soy Ana, ¿en qué te ayudo?")
        await agent_box.press("Enter")
        await shop.get_by_text("¡Hola! Soy Ana, ¿en qué te ayudo?").wait_for()

        await workspace.get_by_role("button", name="+ Vídeo").click()
        card = shop.get_by_role("group").filter(has_text="Ana Souza te invita a: videollamada")
        await card.get_by_role("button", name="Aceptar").click()
        remote_customer = shop.locator("[data-slot='call'] video.cv-remote")
        remote_agent = workspace.locator("[data-slot='call'] video.cv-remote")
        await remote_customer.wait_for(state="attached", timeout=30_000)
        await remote_agent.wait_for(state="attached", timeout=30_000)
        # Both sides decode the other's camera (Chromium's fake device).
        for video in (remote_customer, remote_agent):
            for _ in range(600):  # media over loopback; generous for a loaded machine
                if await video.evaluate(PLAYING):
                    break
                await agent.wait_for_timeout(100)
        probe = (
            "(v) => [v.readyState, v.videoWidth, v.srcObject ? "
            "v.srcObject.getTracks().map(t => t.kind + ':' + t.readyState).join(',') : 'none']"
        )
        states = [await remote_agent.evaluate(probe), await remote_customer.evaluate(probe)]
        await shoot(customer, "chat-upgrade-customer-desktop-es")
        await shoot(agent, "chat-upgrade-agent-desktop-es")
        assert await remote_agent.evaluate(PLAYING), (states, logs[-40:])
        assert await remote_customer.evaluate(PLAYING), states
        await shop.get_by_text("¡Hola! Soy Ana, ¿en qué te ayudo?").wait_for()  # the chat stays
        await shoot(customer, "chat-upgrade-customer-desktop-es")
        await shoot(agent, "chat-upgrade-agent-desktop-es")

    conversations = [c for c in await _conversations(server)]
    assert conversations, "no conversation stored"
    esc = await server.app[STORE].get_escalation(conversations[0].escalation_id or "")
    assert esc is not None and esc.channel == "chat" and esc.trigger == "bot"
    assert esc.modalities == ["chat", "video"]
    assert esc.context.transcript[0].text == "Hola, quiero hablar con alguien por favor"
    assert esc.context.cart is not None and esc.context.cart.items


async def _conversations(server: RunningServer) -> list[Any]:
    store = server.app[STORE]
    found = await store.list_escalations("demo", limit=10)
    result = []
    for esc in found:
        if esc.conversation_id:
            conversation = await store.get_conversation(esc.conversation_id)
            if conversation is not None:
                result.append(conversation)
    return result
