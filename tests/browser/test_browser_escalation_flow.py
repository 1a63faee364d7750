"""The whole visual-help flow in two real browsers (customer on the demo shop, agent in
the console): request, offer with context, accept, session on both sides, wrap-up,
CSAT; and the cancel and abandon paths. One run in Spanish, one in Portuguese."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from server.platform.keys import STORE
from store.models import utcnow
from tests.support.browser_helpers import DESKTOP, PHONE, new_page, shoot, widget
from tests.support.harness import RunningServer, make_config, running_server

pytestmark = pytest.mark.browser

STRINGS: dict[str, dict[str, str]] = {
    "en": {"email": "Email", "password": "Password", "status": "Status"},
    "es": {
        "email": "Correo electrónico",
        "password": "Contraseña",
        "status": "Estado",
        "customer": "Cliente de prueba",
        "add": "Añadir al carrito",
        "launcher": "Ayuda por vídeo",
        "video": "Videollamada",
        "allow": "Permitir",
        "waiting": "Cancelar solicitud",
        "offer": "Nueva solicitud de María García",
        "accept": "Aceptar",
        "product": "Cafetera espresso Aurora Pro",
        "session": "Ana Souza te está ayudando",
        "wrap": "Finalizar y cerrar",
        "outcome": "Resultado",
        "notes": "Notas",
        "complete": "Completar",
        "done": "Completada.",
        "star4": "4 de 5 estrellas",
        "comment": "¿Algo que añadir? (opcional)",
        "send": "Enviar valoración",
        "thanks": "¡Gracias por tu opinión!",
    },
    "pt": {
        "email": "E-mail",
        "password": "Senha",
        "status": "Status",
        "customer": "Cliente de teste",
        "add": "Adicionar ao carrinho",
        "launcher": "Ajuda por vídeo",
        "video": "Videochamada",
        "allow": "Permitir",
        "waiting": "Cancelar solicitação",
        "offer": "Nova solicitação de María García",
        "accept": "Aceitar",
        "product": "Máquina de espresso Aurora Pro",
        "session": "Ana Souza está ajudando você",
        "wrap": "Finalizar e encerrar",
        "outcome": "Resultado",
        "notes": "Notas",
        "complete": "Concluir",
        "done": "Concluída.",
        "star4": "4 de 5 estrelas",
        "comment": "Algo a acrescentar? (opcional)",
        "send": "Enviar avaliação",
        "thanks": "Obrigado pela sua opinião!",
    },
}


async def agent_console(
    page: Any, server: RunningServer, lang: str, email: str = "ana@demo.coview"
) -> None:
    s = STRINGS[lang]
    await page.goto(f"{server.url}/console?lang={lang}")
    await page.get_by_label(s["email"]).fill(email)
    await page.get_by_label(s["password"]).fill("coview-demo")
    await page.keyboard.press("Enter")
    await page.locator(".feed[data-live='true']").wait_for()
    await page.get_by_label(s["status"]).select_option("available")
    await page.locator(".pill[data-presence='available']").wait_for(state="attached")


async def request_video_help(page: Any, server: RunningServer, lang: str) -> str:
    """María adds the machine to her cart and asks for a video call; the escalation id."""
    s = STRINGS[lang]
    await page.goto(f"{server.url}/demo/?lang={lang}")
    await page.get_by_label(s["customer"]).select_option("standard")
    await page.get_by_role("button", name=s["add"]).click()
    await widget(page).get_by_role("button", name=s["launcher"]).click()
    await widget(page).get_by_role("button", name=s["video"]).click()
    await widget(page).get_by_role("alertdialog").get_by_role("button", name=s["allow"]).click()
    await widget(page).get_by_role("button", name=s["waiting"]).wait_for()
    saved = await page.evaluate("JSON.parse(sessionStorage.getItem('coview:demo-site-key'))")
    escalation_id: str = saved["escalationId"]
    return escalation_id


async def state_of(server: RunningServer, escalation_id: str) -> str:
    esc = await server.app[STORE].get_escalation(escalation_id)
    assert esc is not None
    return esc.state


@pytest.mark.parametrize("lang", ["es", "pt"])
async def test_customer_gets_video_help_with_context_and_rates_it(
    server: RunningServer, browser: Any, lang: str
) -> None:
    s = STRINGS[lang]
    async with (
        new_page(browser, locale=lang, viewport=DESKTOP) as agent,
        new_page(browser, locale=lang, viewport=PHONE) as customer,
    ):
        await agent_console(agent, server, lang)
        escalation_id = await request_video_help(customer, server, lang)
        await shoot(customer, f"flow-waiting-phone-{lang}")

        offer = agent.get_by_role("listitem", name=s["offer"])
        await offer.get_by_text(f"1 \u00d7 {s['product']}").wait_for()
        await offer.get_by_text("Aurora Coffee Co.").wait_for()
        await offer.get_by_role("button", name=s["accept"]).click()

        workspace = agent.get_by_role("tabpanel")
        context = workspace.get_by_role("complementary")
        await context.get_by_text(f"1 \u00d7 {s['product']}").wait_for()
        await context.get_by_text("649,00 €").first.wait_for()  # in the agent's language
        await context.get_by_text("María García · maria@example.com").wait_for()
        await context.get_by_text("standard").wait_for()
        await context.get_by_role("link", name="Aurora Coffee Co.").wait_for()
        await agent.get_by_role("tab", name="María García").wait_for()
        await widget(customer).get_by_role("heading", name=s["session"]).wait_for()
        await widget(customer).locator("[data-slot='call'] video").first.wait_for(state="attached")
        await workspace.locator("[data-slot='call'] video").first.wait_for(state="attached")
        await shoot(agent, f"flow-workspace-desktop-{lang}")
        await shoot(customer, f"flow-session-phone-{lang}")

        await workspace.get_by_role("button", name=s["wrap"]).click()
        await workspace.get_by_label(s["outcome"]).select_option("resolved")
        await workspace.get_by_label(s["notes"]).fill("Showed the steam wand setup.")
        await shoot(agent, f"flow-wrapup-desktop-{lang}")
        await workspace.get_by_role("button", name=s["complete"]).click()
        await workspace.get_by_text(s["done"]).first.wait_for()
        assert await state_of(server, escalation_id) == "completed"

        await widget(customer).get_by_role("radio", name=s["star4"]).check()
        await (
            widget(customer)
            .get_by_label(s["comment"])
            .fill("Muito bom" if lang == "pt" else "Muy bien")
        )
        await shoot(customer, f"flow-csat-phone-{lang}")
        await widget(customer).get_by_role("button", name=s["send"]).click()
        await widget(customer).get_by_text(s["thanks"]).wait_for()
        answers = await server.app[STORE].list_csat(
            "demo", utcnow() - timedelta(minutes=5), utcnow() + timedelta(minutes=1)
        )
        assert [(a.escalation_id, a.score) for a in answers] == [(escalation_id, 4)]


async def test_customer_cancels_while_waiting(server: RunningServer, browser: Any) -> None:
    async with new_page(browser) as agent, new_page(browser, viewport=PHONE) as customer:
        await agent_console(agent, server, "en")
        escalation_id = await request_video_help_en(customer, server)
        offer = agent.get_by_role("listitem", name="New request from Anonymous visitor")
        await offer.wait_for()
        await widget(customer).get_by_role("button", name="Cancel request").click()
        await widget(customer).get_by_text("Your request was cancelled.").wait_for()
        assert await state_of(server, escalation_id) == "cancelled"
        await offer.wait_for(state="detached")  # withdrawn from the agent
        saved = await customer.evaluate("sessionStorage.getItem('coview:demo-site-key')")
        assert saved is None


async def test_browsing_the_site_keeps_the_place_and_leaving_abandons(
    server: RunningServer, browser: Any
) -> None:
    async with new_page(browser) as agent, new_page(browser) as customer:
        await agent_console(agent, server, "en")
        escalation_id = await request_video_help_en(customer, server)
        await customer.get_by_role("link", name="Cart").click()  # same site: keep waiting
        await customer.get_by_role("heading", name="Checkout").wait_for()
        await widget(customer).get_by_role("button", name="Cancel request").wait_for()
        assert await state_of(server, escalation_id) in ("queued", "offered")
        await shoot(customer, "flow-waiting-after-navigation-desktop")

        await customer.goto("about:blank")  # left the site
        for _ in range(100):
            if await state_of(server, escalation_id) == "abandoned":
                break
            await agent.wait_for_timeout(50)
        assert await state_of(server, escalation_id) == "abandoned"


async def request_video_help_en(page: Any, server: RunningServer) -> str:
    await page.goto(f"{server.url}/demo/")
    await widget(page).get_by_role("button", name="Video help").click()
    await widget(page).get_by_role("button", name="Video call").click()
    await widget(page).get_by_role("alertdialog").get_by_role("button", name="Allow").click()
    await widget(page).get_by_role("button", name="Cancel request").wait_for()
    saved = await page.evaluate("JSON.parse(sessionStorage.getItem('coview:demo-site-key'))")
    escalation_id: str = saved["escalationId"]
    return escalation_id


async def test_cobrowse_shows_the_customers_page_with_card_fields_masked(
    server: RunningServer, browser: Any
) -> None:
    async with new_page(browser) as agent, new_page(browser) as customer:
        await agent_console(agent, server, "en")
        await customer.goto(f"{server.url}/demo/")
        await widget(customer).get_by_role("button", name="Video help").click()
        await widget(customer).get_by_role("button", name="Show my screen to the agent").click()
        consent = widget(customer).get_by_role("alertdialog")
        await consent.get_by_role("button", name="Allow").click()
        offer = agent.get_by_role("listitem", name="New request from Anonymous visitor")
        await offer.get_by_role("button", name="Accept").click()
        await widget(customer).get_by_text("The agent can see this page.").wait_for()

        view = agent.get_by_role("tabpanel").locator("[data-slot='cobrowse']")
        page_in_console = view.frame_locator("iframe")
        await page_in_console.get_by_text("Aurora Pro espresso machine").first.wait_for()
        await agent.locator(".tag.state[data-state=in_session]").wait_for()

        await customer.get_by_role("link", name="Cart").click()  # same site: sharing resumes
        await page_in_console.get_by_role("heading", name="Checkout").wait_for()
        await customer.get_by_label("Card number").fill("4242 4242 4242 4242")
        await customer.get_by_label("Coupon code").fill("AURORA10")
        coupon = page_in_console.locator("input[name='coupon']")
        for _ in range(100):
            if await coupon.input_value() == "AURORA10":
                break
            await agent.wait_for_timeout(100)
        assert await coupon.input_value() == "AURORA10"  # unmasked on purpose
        card = await page_in_console.locator("input[name='card']").input_value()
        assert "4242" not in card
        await shoot(agent, "flow-cobrowse-console-desktop")
        await shoot(customer, "flow-cobrowse-customer-desktop")


@pytest.fixture
async def media_server(tmp_path: Path) -> AsyncIterator[RunningServer]:
    """With the server peer (aiortc) reachable on loopback, so calls can be recorded."""
    async with running_server(make_config(tmp_path, media_host_addresses=("127.0.0.1",))) as s:
        yield s


async def test_the_widget_says_so_while_the_call_is_recorded(
    media_server: RunningServer, browser: Any
) -> None:
    """The agent records from the console, the customer allows it in the widget's call,
    and the widget keeps a visible note that the session is being recorded."""
    async with new_page(browser) as agent, new_page(browser, viewport=PHONE) as customer:
        await agent_console(agent, media_server, "en")
        await request_video_help_en(customer, media_server)
        offer = agent.get_by_role("listitem", name="New request from Anonymous visitor")
        await offer.get_by_role("button", name="Accept").click()
        workspace = agent.get_by_role("tabpanel")
        await workspace.locator("[data-slot='call'] video").first.wait_for(state="attached")
        banner = widget(customer).get_by_role("status").filter(has_text="This session is recorded")
        assert await banner.count() == 0

        await workspace.get_by_role("button", name="Record").click()
        await widget(customer).get_by_text("would like to record this call").wait_for()
        await widget(customer).get_by_role("button", name="Allow recording").click()
        await banner.wait_for()
        await workspace.get_by_role("button", name="Stop recording").wait_for()
        await shoot(customer, "flow-recording-notice-phone")
