"""Issue 8's voice upgrade in real Chromium: an agent on the phone starts a visual
session from the console and reads a 6-digit code; the customer types it at /join and
lands in the call with the agent, who has the phone call's context."""

from __future__ import annotations

from typing import Any

import pytest

from server.platform.keys import STORE
from tests.browser.test_browser_escalation_flow import agent_console
from tests.support.browser_helpers import DESKTOP, PHONE, new_page, shoot
from tests.support.harness import RunningServer

pytestmark = pytest.mark.browser


async def test_customer_on_the_phone_joins_the_agents_session_with_a_code(
    server: RunningServer, browser: Any
) -> None:
    async with (
        new_page(browser, locale="pt", viewport=DESKTOP) as agent,
        new_page(browser, locale="pt", viewport=PHONE) as customer,
    ):
        await agent_console(agent, server, "pt")
        box = agent.get_by_role("region", name="Em uma ligação")
        await box.get_by_label("Nome do cliente").fill("João Pereira")
        await box.get_by_label("Sobre o que é a ligação").fill("Não consegue configurar a máquina")
        await box.get_by_role("button", name="Iniciar uma sessão visual").click()
        code = (await box.get_by_test_id("short-code").inner_text()).strip()
        assert len(code) == 6 and code.isdigit()
        workspace = agent.get_by_role("tabpanel")
        await (
            workspace.get_by_role("complementary")
            .get_by_text("Não consegue configurar a máquina")
            .wait_for()
        )

        await customer.goto(f"{server.url}/join?lang=pt")
        await customer.get_by_label("Código").fill(code)
        await customer.get_by_role("button", name="Entrar").click()
        await customer.wait_for_url(f"{server.url}/call/**")
        session_id = customer.url.rsplit("/", 1)[-1].split("?")[0].split("#")[0]
        session = await server.app[STORE].get_session(session_id)
        assert session is not None and session.agent_ids == ["ag_ana"]
        await customer.locator("video.cv-remote").wait_for(state="attached", timeout=30_000)
        await workspace.locator("[data-slot='call'] video.cv-remote").wait_for(
            state="attached", timeout=30_000
        )
        await shoot(agent, "voice-upgrade-agent-desktop-pt")
        await shoot(customer, "voice-upgrade-customer-phone-pt")
        # The code was used once: typing it again is refused.
        await customer.goto(f"{server.url}/join?lang=pt")
        await customer.get_by_label("Código").fill(code)
        await customer.get_by_role("button", name="Entrar").click()
        await customer.get_by_text("Esse código não é mais válido").wait_for()
