"""The whole journey in Spanish, in real Chromium (customer, agent, supervisor): a
premium customer on the demo shop chats with the bot and asks for a person; the agent
replies and offers video, the customer accepts and both see each other; the agent adds
co-browsing, the customer types a card number at checkout (the agent never sees it),
the agent points and, with the customer's consent, scrolls the page; the agent wraps
up, the customer rates 5, and the dashboard shows the answered escalation, the CSAT
and the upgrade by trigger. The transcript is in the context panel and the escalation."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from server.platform.keys import STORE
from tests.browser.test_browser_escalation_flow import agent_console
from tests.support.browser_helpers import DESKTOP, new_page, shoot, widget
from tests.support.harness import RunningServer

pytestmark = pytest.mark.browser

PLAYING = "(v) => v.readyState >= 2 && v.videoWidth > 0"


CARD = "4539 1488 0343 6467"
CARD_DIGITS = re.compile(r"4539|1488|0343|6467")


async def test_the_whole_journey_in_spanish(server: RunningServer, browser: Any) -> None:
    async with (
        new_page(browser, locale="es", viewport=DESKTOP) as agent,
        new_page(browser, locale="es", viewport=DESKTOP) as customer,
        new_page(browser, locale="es", viewport=DESKTOP) as supervisor,
    ):
        logs: list[str] = []
        agent.on("console", lambda m: logs.append(f"agent {m.type}: {m.text}"))
        customer.on("console", lambda m: logs.append(f"customer {m.type}: {m.text}"))
        await agent_console(agent, server, "es")
        await customer.goto(f"{server.url}/demo/?lang=es")
        await customer.get_by_label("Cliente de prueba").select_option("premium")
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

        # The agent adds co-browsing; the customer agrees in the chat.
        await workspace.get_by_role("button", name="+ Co-navegación").click()
        card = shop.get_by_role("group").filter(has_text="te invita a: navegación conjunta")
        await card.get_by_role("button", name="Aceptar").click()
        page_in_console = workspace.locator("[data-slot='cobrowse']").frame_locator("iframe")
        # The first paint loads the recorder and viewer bundles while the call runs.
        await page_in_console.get_by_role("button", name="Añadir al carrito").first.wait_for(
            timeout=20_000
        )

        # At checkout the customer types a card number: the agent never sees a digit.
        await customer.get_by_role("link", name="Carrito").click()
        await page_in_console.get_by_role("heading", name="Pago").wait_for()
        await customer.get_by_label("Número de tarjeta").press_sequentially(CARD)
        await customer.get_by_label("Código de cupón").fill("AURORA10")
        coupon = page_in_console.locator("input[name='coupon']")
        for _ in range(100):  # the unmasked coupon proves the batches after the card arrived
            if await coupon.input_value() == "AURORA10":
                break
            await agent.wait_for_timeout(100)
        seen = await workspace.locator("[data-slot='cobrowse'] iframe").evaluate(
            "(f) => f.contentDocument.documentElement.outerHTML"
            " + [...f.contentDocument.querySelectorAll('input')].map((i) => i.value).join(' ')"
        )
        assert "AURORA10" in seen and not CARD_DIGITS.search(seen)

        # The agent points: the customer sees the pointer with the agent's name.
        glass = workspace.locator("[data-slot='cobrowse'] .cv-glass")
        box = await glass.bounding_box()
        assert box is not None
        await agent.mouse.move(box["x"] + box["width"] / 2, box["y"] + 60)
        await agent.mouse.click(box["x"] + box["width"] / 2, box["y"] + 60)
        await customer.get_by_role("img", name="Ana Souza").wait_for()  # the pointer

        # With consent, the agent scrolls the customer's page.
        await workspace.get_by_role("button", name="Pedir control").click()
        prompt = customer.locator("coview-cobrowse-overlay")  # on the page, by the agent's pointer
        await prompt.get_by_text("Ana Souza pide controlar esta página").wait_for()
        await prompt.get_by_role("button", name="Permitir").click()
        await workspace.get_by_text("Tienes el control").wait_for()
        before = await customer.evaluate("scrollY")
        await agent.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
        for _ in range(20):
            await agent.mouse.wheel(0, 200)
            if await customer.evaluate("scrollY") > before:
                break
            await agent.wait_for_timeout(100)
        assert await customer.evaluate("scrollY") > before
        await shoot(agent, "journey-es-cobrowse-agent")
        await shoot(customer, "journey-es-cobrowse-customer")

        # The agent wraps up; the customer rates 5.
        await workspace.get_by_role("button", name="Finalizar y cerrar").click()
        await workspace.get_by_label("Resultado").select_option("resolved")
        await workspace.get_by_label("Notas").fill("Pago completado con ayuda.")
        await workspace.get_by_role("button", name="Completar").click()
        await workspace.get_by_text("Completada.").first.wait_for()
        await shop.get_by_role("radio", name="5 de 5 estrellas").check()
        await shop.get_by_role("button", name="Enviar valoración").click()
        await shop.get_by_text("¡Gracias por tu opinión!").wait_for()

        # The supervisor sees it on the dashboard.
        await supervisor.goto(f"{server.url}/dashboard?lang=es")
        await supervisor.get_by_label("Correo electrónico").fill("sofia@demo.coview")
        await supervisor.get_by_label("Contraseña").fill("coview-demo")
        await supervisor.get_by_role("button", name="Entrar").click()
        answered = supervisor.locator('[data-kpi="answered"] .kpi-value')
        await answered.filter(has_text="1").wait_for()
        csat = supervisor.locator('[data-kpi="csat"] .kpi-value')
        assert await csat.inner_text() == "5.0 / 5 (1)"
        assert await supervisor.locator('[data-kpi="upgrade_rate"] .kpi-value').inner_text() == (
            "100 %"
        )
        async with supervisor.expect_download() as info:
            await supervisor.get_by_role("button", name="Exportar CSV").click()
        csv = Path(await (await info.value).path()).read_text()  # noqa: ASYNC240 (small)
        # the agent upgraded the bot's escalation twice: video, then co-browsing
        assert "upgrades_agent,2\n" in csv and "trigger_bot,1\n" in csv
        await shoot(supervisor, "journey-es-dashboard")

    conversations = [c for c in await _conversations(server)]
    assert conversations, "no conversation stored"
    esc = await server.app[STORE].get_escalation(conversations[0].escalation_id or "")
    assert esc is not None and esc.channel == "chat" and esc.trigger == "bot"
    assert esc.modalities == ["chat", "video", "cobrowse"]
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
