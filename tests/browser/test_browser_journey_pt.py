"""The journey in Portuguese, in real Chromium: a customer clicks video help directly;
the agent adds co-browsing; a supervisor joins from the dashboard as an observer and
sees the call and the customer's page; the agent transfers to a second agent with a
note, and the second agent sees the full context and the note."""

from __future__ import annotations

from typing import Any

import pytest

from server.platform.keys import STORE
from store.escalation_models import Escalation
from tests.browser.test_browser_escalation_flow import agent_console, request_video_help, state_of
from tests.support.browser_helpers import DESKTOP, PHONE, new_page, shoot, widget
from tests.support.call_pages import PER_REMOTE_FRAMES
from tests.support.harness import RunningServer

pytestmark = pytest.mark.browser

NOTE = "Cliente quer mudar o endereço de entrega"


async def escalation(server: RunningServer, escalation_id: str) -> Escalation:
    found = await server.app[STORE].get_escalation(escalation_id)
    assert found is not None
    return found


async def test_the_journey_in_portuguese(server: RunningServer, browser: Any) -> None:
    async with (
        new_page(browser, locale="pt", viewport=DESKTOP) as ana,
        new_page(browser, locale="pt", viewport=DESKTOP) as bruno,
        new_page(browser, locale="pt", viewport=PHONE) as customer,
        new_page(browser, locale="pt", viewport={"width": 1366, "height": 900}) as dashboard,
    ):
        await agent_console(ana, server, "pt")
        escalation_id = await request_video_help(customer, server, "pt")
        offer = ana.get_by_role("listitem", name="Nova solicitação de María García")
        await offer.get_by_role("button", name="Aceitar").click()
        workspace = ana.get_by_role("tabpanel")
        await widget(customer).locator("[data-slot='call'] video").first.wait_for(state="attached")

        # Ana adds co-browsing; María allows it.
        await workspace.get_by_role("button", name="+ Co-navegação").click()
        await (
            widget(customer)
            .get_by_role("alertdialog")
            .get_by_role("button", name="Permitir")
            .click()
        )
        page_in_console = workspace.locator("[data-slot='cobrowse']").frame_locator("iframe")
        # The first paint loads the recorder and the viewer bundles on both sides while
        # the call starts: on a loaded 2-core CI box that took over 10 s once.
        await page_in_console.get_by_role(
            "heading", name="Máquina de espresso Aurora Pro"
        ).wait_for(timeout=20_000)

        # The supervisor observes from the dashboard: the call and the page.
        await dashboard.goto(f"{server.url}/dashboard?lang=pt")
        await dashboard.get_by_label("E-mail").fill("sofia@demo.coview")
        await dashboard.get_by_label("Senha").fill("coview-demo")
        await dashboard.get_by_role("button", name="Entrar").click()
        session_id = (await escalation(server, escalation_id)).session_id
        row = dashboard.locator(f'#sessions-card tr[data-session="{session_id}"]')
        async with dashboard.expect_popup() as popup:
            await row.get_by_role("link", name="Entrar como observador").click()
        observer = await popup.value
        await observer.wait_for_function("() => window.coviewCall && window.coviewCall.state")
        await observer.wait_for_function(
            f"async () => {{ const f = await ({PER_REMOTE_FRAMES})();"
            " return f.length === 2 && f.every((n) => n > 0); }",
            timeout=20_000,
        )
        await (
            observer.frame_locator(".cv-frame iframe")
            .get_by_role("heading", name="Máquina de espresso Aurora Pro")
            .wait_for()
        )
        await observer.get_by_text("Você está observando").wait_for()
        await shoot(observer, "journey-pt-observer")

        # Bruno comes online; Ana transfers to him with a note.
        await agent_console(bruno, server, "pt", email="bruno@demo.coview")
        transfer_to = workspace.get_by_label("Para habilidade ou agente")
        await transfer_to.focus()  # the list of available agents is refreshed
        await transfer_to.locator("option", has_text="Bruno Lima").wait_for(state="attached")
        await transfer_to.select_option(label="Bruno Lima")
        await workspace.get_by_label("Nota para o próximo agente").fill(NOTE)
        await workspace.get_by_role("button", name="Transferir").click()
        await workspace.get_by_text("Transferida.").first.wait_for()

        incoming = bruno.get_by_role("listitem", name="Nova solicitação de María García")
        await incoming.get_by_role("button", name="Aceitar").click()
        context = bruno.get_by_role("tabpanel").get_by_role("complementary")
        await context.get_by_text("1 \u00d7 Máquina de espresso Aurora Pro").wait_for()
        await context.get_by_text("María García · maria@example.com").wait_for()
        await context.get_by_text(NOTE).wait_for()
        assert await state_of(server, escalation_id) in ("accepted", "connecting", "in_session")
        assert (await escalation(server, escalation_id)).agent_id == "ag_bruno"
        # The call and the page carry on with Bruno: María's video and page reach him.
        bruno_workspace = bruno.get_by_role("tabpanel")
        await (
            bruno_workspace.locator("[data-slot='cobrowse']")
            .frame_locator("iframe")
            .get_by_role("heading", name="Máquina de espresso Aurora Pro")
            .wait_for()
        )
        remote = bruno_workspace.locator("[data-slot='call'] video.cv-remote")
        await remote.wait_for(state="attached")
        await bruno.wait_for_function(
            "() => { const v = document.querySelector(\"[data-slot='call'] video.cv-remote\");"
            " return v && v.readyState >= 2 && v.videoWidth > 0; }",
            timeout=20_000,
        )
        await (
            widget(customer).get_by_role("heading", name="Bruno Lima está ajudando você").wait_for()
        )
        await shoot(bruno, "journey-pt-second-agent")
