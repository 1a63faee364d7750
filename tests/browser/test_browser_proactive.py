"""Proactive invitations and assisted conversion in real Chromium on the demo shop: a
customer lingering on checkout with a cart over the threshold is invited only while a
skilled agent is free, accepts, the agent sees the trigger and the rule, the customer
pays, and the figures count one assisted purchase; dismissal and the frequency cap."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import aiohttp
import pytest

from server.platform.keys import STORE
from tests.support.api import bearer, login
from tests.support.browser_helpers import (
    ARTIFACTS,
    DESKTOP,
    PHONE,
    new_page,
    shoot,
    sign_in_available,
    sign_in_dashboard,
    widget,
)
from tests.support.harness import RunningServer

pytestmark = pytest.mark.browser
RULE = "checkout-hesitation"


async def quick_rule(server: RunningServer) -> None:
    """The seeded rule, waiting 2 s on the page instead of 20 (through the admin API)."""
    async with aiohttp.ClientSession() as http:
        token = await login(http, server, "admin@demo.coview", "coview-admin")
        url = f"{server.url}/api/admin/proactive-rules"
        async with http.get(url, headers=bearer(token)) as r:
            rule = next(x for x in (await r.json())["rules"] if x["id"] == RULE)
        rule["min_time_on_page_s"] = 2
        async with http.put(f"{url}/{RULE}", json=rule, headers=bearer(token)) as r:
            assert r.status == 200, await r.text()


async def conversion(server: RunningServer) -> dict[str, Any]:
    async with aiohttp.ClientSession() as http:
        token = await login(http, server, "sofia@demo.coview")
        async with http.get(f"{server.url}/api/metrics/conversion", headers=bearer(token)) as r:
            assert r.status == 200, await r.text()
            body: dict[str, Any] = await r.json()
            return body


async def to_checkout_with_machine(page: Any, server: RunningServer) -> None:
    await page.goto(f"{server.url}/demo/")
    await page.get_by_label("Demo customer").select_option("standard")
    await page.get_by_role("button", name="Add to cart").click()  # 649 €, over 300 €
    await page.goto(f"{server.url}/demo/checkout")


async def checked(page: Any, action: Any) -> dict[str, Any]:
    """Runs ``action`` and returns the server's answer to the widget's one check."""
    async with page.expect_response(lambda r: "/api/proactive/check" in r.url) as info:
        await action()
    response = await info.value
    body: dict[str, Any] = await response.json()
    return body


async def supervisor_sees_one_assisted_purchase(page: Any, server: RunningServer) -> None:
    await page.goto(f"{server.url}/console")
    await page.evaluate("sessionStorage.clear(); localStorage.clear()")  # sign the agent out
    await sign_in_dashboard(page, server.url)
    section = page.get_by_role("region", name="Assisted conversion")
    await section.locator("[data-kpi='assisted_purchases']").get_by_text("1", exact=True).wait_for()
    await section.locator("[data-kpi='assisted_revenue']").get_by_text("649.00 €").wait_for()
    row = section.locator(f"tr[data-rule='{RULE}']")
    assert await row.locator("td").all_inner_texts() == [
        "Checkout hesitation over 300 €",
        "1",
        "1",
        "0",
        "100 %",
    ]
    async with page.expect_download() as info:
        await section.get_by_role("button", name="Download conversion figures").click()
    csv = Path(await (await info.value).path()).read_text()  # noqa: ASYNC240 (a small file)
    assert "assisted,,purchases,1\n" in csv and "assisted,,revenue,649\n" in csv
    assert "by_trigger,proactive,revenue,649\n" in csv
    await page.screenshot(path=str(ARTIFACTS / "dashboard-conversion-desktop.png"), full_page=True)


async def test_invited_while_an_agent_is_free_then_accepts_pays_and_counts_as_assisted(
    server: RunningServer, browser: Any
) -> None:
    await quick_rule(server)
    invitation = None
    async with new_page(browser) as customer, new_page(browser) as agent:
        # no agent free: the widget asks once and shows nothing
        answer = await checked(customer, lambda: to_checkout_with_machine(customer, server))
        assert answer["invite"] is False and answer["reason"] == "no_agents"
        invitation = widget(customer).get_by_role("dialog", name="Can we help?")
        assert await invitation.count() == 0

        await sign_in_available(agent, server.url)
        answer = await checked(customer, lambda: customer.reload())
        assert answer["invite"] is True and answer["modalities"] == ["video", "cobrowse"]
        await invitation.wait_for()
        await invitation.get_by_text("Questions before you pay?").wait_for()
        focused = await customer.evaluate(
            "document.querySelector('coview-widget').shadowRoot.activeElement.textContent"
        )
        assert focused == "Start a video call"  # focus goes to the first choice
        await shoot(customer, "proactive-invitation-desktop")

        await invitation.get_by_role("button", name="Start a video call").click()
        await (
            widget(customer).get_by_role("alertdialog").get_by_role("button", name="Allow").click()
        )
        offer = agent.get_by_role("listitem", name="New request from María García")
        await offer.get_by_role("button", name="Accept").click()
        context = agent.get_by_role("tabpanel").get_by_role("complementary")
        trigger = context.locator("[data-trigger='proactive']")
        await trigger.get_by_text("Proactive invitation · rule checkout-hesitation").wait_for()
        await shoot(agent, "proactive-console-trigger-desktop")
        await widget(customer).get_by_role("heading", name="Ana Souza is helping you").wait_for()

        await customer.get_by_role("button", name="Pay now").click()
        await customer.locator("form[data-paid]").wait_for(state="attached")

        await supervisor_sees_one_assisted_purchase(agent, server)

    figures = await conversion(server)
    assert figures["assisted"]["purchases"] == 1 and figures["assisted"]["revenue"] == 649.0
    assert figures["by_trigger"]["proactive"]["purchases"] == 1
    assert figures["by_modality"]["video"]["revenue"] == 649.0
    assert figures["not_helped"]["purchases"] == 0
    rule = next(r for r in figures["invitations"]["by_rule"] if r["rule_id"] == RULE)
    assert (rule["shown"], rule["accepted"], rule["dismissed"]) == (1, 1, 0)


async def test_dismissed_invitation_is_not_shown_again_and_a_purchase_counts_apart(
    server: RunningServer, browser: Any
) -> None:
    await quick_rule(server)
    async with new_page(browser, viewport=DESKTOP) as customer, new_page(browser) as agent:
        await sign_in_available(agent, server.url)
        answer = await checked(customer, lambda: to_checkout_with_machine(customer, server))
        assert answer["invite"] is True
        invitation = widget(customer).get_by_role("dialog", name="Can we help?")
        await invitation.wait_for()
        await customer.keyboard.press("Escape")  # dismissable from the keyboard
        await invitation.wait_for(state="detached")

        asked: list[str] = []
        customer.on("request", lambda r: asked.append(r.url) if "/proactive/" in r.url else None)
        await customer.reload()
        await customer.get_by_text("1 \u00d7 Aurora Pro espresso machine").wait_for()
        # the rule would hold after 2 s: give it 3 (absence has no event to await)
        await customer.wait_for_timeout(3_000)
        assert not [u for u in asked if u.endswith("/check")]  # capped: not even asked
        assert await invitation.count() == 0

        await customer.get_by_role("button", name="Pay now").click()
        await customer.locator("form[data-paid]").wait_for(state="attached")

    figures = await conversion(server)
    assert figures["assisted"]["purchases"] == 0
    assert figures["invited"]["purchases"] == 1 and figures["invited"]["dismissed"] == 1
    rule = next(r for r in figures["invitations"]["by_rule"] if r["rule_id"] == RULE)
    assert (rule["shown"], rule["accepted"], rule["dismissed"]) == (1, 0, 1)


async def test_admin_adds_a_rule_with_errors_by_the_field(
    server: RunningServer, browser: Any
) -> None:
    async with new_page(browser) as page:
        await page.goto(f"{server.url}/admin?lang=en")
        await page.get_by_label("E-mail").fill(server.config.admin_email)
        await page.get_by_label("Password").fill(server.config.admin_password)
        await page.get_by_role("button", name="Sign in").click()
        await page.get_by_role("tab", name="Proactive invitations").click()
        seeded = page.get_by_role("region", name="Checkout hesitation over 300 €")
        assert await seeded.get_by_label("Page pattern").input_value() == "/demo/checkout*"
        new = page.get_by_role("region", name="New rule")
        await new.get_by_label("Rule id").fill("Payment Failed")  # not a valid id
        await new.get_by_label("Name").fill("Payment failed")
        await new.get_by_label("Integrator signal (coview.signal)").fill("payment_failed")
        await new.get_by_label("Invitation text (es)").fill("¿Problemas con el pago?")
        await new.get_by_role("button", name="Save").click()
        await new.locator('[data-error-for="id"]').filter(has_text="pattern").wait_for()
        await new.get_by_label("Rule id").fill("payment-failed")
        await new.get_by_role("button", name="Save").click()
        added = page.get_by_role("region", name="Payment failed")
        assert await added.get_by_label("Integrator signal (coview.signal)").input_value() == (
            "payment_failed"
        )
        await shoot(page, "admin-proactive-desktop")
    audit = await server.app[STORE].list_audit("demo", limit=5)
    assert (audit[0].action, audit[0].target_id) == (
        "proactive_rule.created",
        "payment-failed",
    )


async def test_agent_sees_a_watched_visitor_and_invites_them(
    server: RunningServer, browser: Any
) -> None:
    async with new_page(browser) as customer, new_page(browser) as agent:
        await sign_in_available(agent, server.url)
        await to_checkout_with_machine(customer, server)
        visitors = agent.get_by_role("region", name="Visitors on watched pages")
        row = visitors.get_by_role("listitem", name="María García")
        await row.get_by_text("649.00 € (1)").wait_for(timeout=20_000)  # reports after 5 s
        await shoot(agent, "console-visitors-desktop")
        await row.get_by_role("button", name="Invite to video").click()
        await row.get_by_role("button", name="Invited").wait_for()

        invitation = widget(customer).get_by_role("dialog", name="Can we help?")
        await invitation.get_by_text("Ana Souza would like to help you.").wait_for(timeout=20_000)
        await invitation.get_by_role("button", name="Start a video call").click()
        await (
            widget(customer).get_by_role("alertdialog").get_by_role("button", name="Allow").click()
        )
        offer = agent.get_by_role("listitem", name="New request from María García")
        await offer.get_by_role("button", name="Accept").click()
        context = agent.get_by_role("tabpanel").get_by_role("complementary")
        await context.locator("[data-trigger='proactive']").get_by_text("rule agent").wait_for()


async def test_no_invitation_while_the_customer_types_in_a_form_field(
    server: RunningServer, browser: Any
) -> None:
    await quick_rule(server)
    async with new_page(browser) as customer, new_page(browser) as agent:
        await sign_in_available(agent, server.url)
        asked: list[str] = []
        check = "/api/proactive/check"
        customer.on("request", lambda r: asked.append(r.url) if check in r.url else None)
        await customer.goto(f"{server.url}/demo/")
        await customer.get_by_role("button", name="Add to cart").click()
        await customer.goto(f"{server.url}/demo/checkout")
        await customer.get_by_label("Email").click()
        await customer.keyboard.type("maria@example.com")
        await customer.wait_for_timeout(3_000)  # the rule holds after 2 s: absence
        assert not asked
        invitation = widget(customer).get_by_role("dialog", name="Can we help?")
        assert await invitation.count() == 0
        await customer.get_by_role("heading", name="Checkout").click()  # done typing
        await invitation.wait_for()


@pytest.mark.parametrize(
    ("lang", "title", "text", "accept", "dismiss"),
    [
        ("es", "¿Te ayudamos?", "¿Dudas antes de pagar?", "Iniciar videollamada", "No, gracias"),
        (
            "pt",
            "Podemos ajudar?",
            "Dúvidas antes de pagar?",
            "Iniciar videochamada",
            "Não, obrigado",
        ),
    ],
)
async def test_the_invitation_speaks_the_customers_language(
    server: RunningServer, browser: Any, lang: str, title: str, text: str, accept: str, dismiss: str
) -> None:
    await quick_rule(server)
    async with (
        new_page(browser, locale=lang, viewport=PHONE) as customer,
        new_page(browser) as agent,
    ):
        await sign_in_available(agent, server.url)
        await customer.goto(f"{server.url}/demo/?lang={lang}")
        await customer.locator("[data-add-to-cart]").click()
        await customer.goto(f"{server.url}/demo/checkout?lang={lang}")
        invitation = widget(customer).get_by_role("dialog", name=title)
        await invitation.get_by_text(text).wait_for()
        await invitation.get_by_role("button", name=accept).wait_for()
        await shoot(customer, f"proactive-invitation-phone-{lang}")
        await invitation.get_by_role("button", name=dismiss).click()
        await invitation.wait_for(state="detached")
