"""Issue #18, item 2: a visitor cannot claim to be someone else (or a premium customer).

The demo site requires identity verification (as every new site does): the shop's
backend signs who its customer is with the site's identity secret, as an HMAC of the id
(``user_hash``) or a short-lived JWT (``identity_token``). Unsigned claims are dropped
and the customer is marked unverified; rules, routing and the customer's history use
only verified identity; the console shows which is which."""

from __future__ import annotations

import base64
import json
import time
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import jwt
import pytest

from server.platform.auth.keys import PASSWORDS
from server.platform.keys import STORE
from server.seed import seed_demo
from store.models import Site
from tests.support.api import bearer, login, problem
from tests.support.browser_helpers import DESKTOP, new_page, set_presence, shoot, sign_in_available
from tests.support.harness import RunningServer
from tests.support.identity import demo_secret, demo_user_hash, identity_token

SITE = {"X-Coview-Site-Key": "demo-site-key"}
API_KEY = {"Authorization": "Bearer cvk_demo_integration_key_change_me"}
PREMIUM_PAGE = {"url": "https://shop.example/demo/premium", "title": "Aurora Care"}
JOAO = {"id": "cus_joao", "name": "João Pereira", "email": "joao@example.com", "tier": "premium"}


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


async def escalate(
    http: aiohttp.ClientSession,
    server: RunningServer,
    customer: dict[str, Any],
    headers: dict[str, str] = SITE,
    status: int = 201,
    **extra: Any,
) -> dict[str, Any]:
    body = {"modalities": ["video"], "context": {"page": PREMIUM_PAGE, "customer": customer}}
    async with http.post(
        f"{server.url}/api/escalations", json={**body, **extra}, headers=headers
    ) as r:
        if status != 201:
            return await problem(r, status)
        assert r.status == 201, await r.text()
        esc: dict[str, Any] = (await r.json())["escalation"]
        return esc


def b64(data: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


def unsigned(claims: dict[str, Any]) -> str:
    """A token with ``alg: none``: claims anyone can write."""
    return f"{b64({'alg': 'none', 'typ': 'JWT'})}.{b64(claims)}."


def given(customer: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in customer.items() if v is not None}


async def count(server: RunningServer) -> int:
    return len(await server.app[STORE].list_escalations("demo"))


# unsigned claims ------------------------------------------------------------------------
async def test_forged_premium_claim_is_dropped_and_marked_unverified(
    server: RunningServer, http: aiohttp.ClientSession
) -> None:
    esc = await escalate(http, server, {**JOAO, "verified": True, "verified_by": "jwt"})
    customer = given(esc["context"]["customer"])
    assert customer == {"name": "João Pereira", "verified": False}  # the name is only shown
    assert esc["customer_id"] is None
    # the premium-only page's rule saw no tier
    assert (esc["state"], esc["reason"]) == ("ineligible", "tier_not_eligible")


async def test_a_browser_cannot_choose_its_priority(
    server: RunningServer, http: aiohttp.ClientSession
) -> None:
    esc = await escalate(http, server, {"name": "Eve"}, priority=100)
    assert esc["priority"] == 0
    trusted = await escalate(http, server, {"name": "Bot's"}, headers=API_KEY, priority=100)
    assert trusted["priority"] == 100


# signed claims --------------------------------------------------------------------------
async def test_valid_user_hash_verifies_the_id_only(
    server: RunningServer, http: aiohttp.ClientSession
) -> None:
    proof = await demo_user_hash(server, "cus_joao")
    esc = await escalate(http, server, {**JOAO, "user_hash": proof.upper()})
    customer = given(esc["context"]["customer"])
    # the hash covers the id, not the tier or e-mail sent beside it
    assert customer == {
        "id": "cus_joao",
        "name": "João Pereira",
        "verified": True,
        "verified_by": "hmac",
    }
    assert esc["customer_id"] == "cus_joao"
    assert esc["state"] == "ineligible"


async def test_valid_identity_token_verifies_id_tier_and_email(
    server: RunningServer, http: aiohttp.ClientSession
) -> None:
    token = await identity_token(server, **JOAO)
    # what the browser says beside the token does not count
    esc = await escalate(http, server, {"id": "cus_eve", "tier": "gold", "identity_token": token})
    customer = esc["context"]["customer"]
    assert {k: customer.get(k) for k in ("id", "tier", "email", "verified", "verified_by")} == {
        "id": "cus_joao",
        "tier": "premium",
        "email": "joao@example.com",
        "verified": True,
        "verified_by": "jwt",
    }
    assert "identity_token" not in customer and "user_hash" not in customer
    assert esc["customer_id"] == "cus_joao"
    assert esc["state"] in ("queued", "offered")  # the premium page's rule let it in


@pytest.mark.parametrize(
    "case",
    [
        "expired",
        "forged",
        "alg-none",
        "too-long",
        "no-id",
        "wrong-hash",
        "odd-hash",
        "hash-without-id",
        "both",
    ],
)
async def test_bad_credentials_are_refused_and_change_nothing(
    server: RunningServer, http: aiohttp.ClientSession, case: str
) -> None:
    now = int(time.time())
    secret = await demo_secret(server)
    claims = {**JOAO, "exp": now + 600}
    customer: dict[str, Any] = {
        "expired": {"identity_token": jwt.encode({**claims, "exp": now - 120}, secret)},
        "forged": {"identity_token": jwt.encode(claims, "not-the-site-secret-" * 2)},
        "alg-none": {"identity_token": unsigned(claims)},
        "too-long": {"identity_token": jwt.encode({**claims, "exp": now + 7 * 86_400}, secret)},
        "no-id": {"identity_token": jwt.encode({"tier": "premium", "exp": now + 60}, secret)},
        "wrong-hash": {"id": "cus_joao", "user_hash": await demo_user_hash(server, "cus_eve")},
        "odd-hash": {"id": "cus_joao", "user_hash": "é" * 64},
        "hash-without-id": {"user_hash": await demo_user_hash(server, "cus_joao")},
        "both": {
            "id": "cus_joao",
            "user_hash": await demo_user_hash(server, "cus_joao"),
            "identity_token": jwt.encode(claims, secret),
        },
    }[case]
    data = await escalate(http, server, customer, status=401)
    assert "customer identity refused" in data["detail"]
    assert data["errors"][0]["field"].startswith("context.customer")
    assert await count(server) == 0


# rules, routing and history use only verified identity ------------------------------
async def test_availability_uses_only_the_signed_tier(
    server: RunningServer, http: aiohttp.ClientSession
) -> None:
    await set_presence(server, "available")

    async def ask(headers: dict[str, str], **query: str) -> dict[str, Any]:
        params = {"page": "/demo/premium", **query}
        async with http.get(f"{server.url}/api/availability", params=params, headers=headers) as r:
            assert r.status == 200, await r.text()
            answer: dict[str, Any] = await r.json()
            return answer

    assert (await ask(SITE, tier="premium"))["reason"] == "tier_not_eligible"
    standard = await identity_token(server, id="cus_maria", tier="standard")
    claimed = await ask({**SITE, "X-Coview-Identity": standard}, tier="premium")
    assert claimed["reason"] == "tier_not_eligible"  # the token's tier, not the query's
    premium = await identity_token(server, **JOAO)
    assert (await ask({**SITE, "X-Coview-Identity": premium}))["available"] is True
    # a server (API key) is trusted with the tier
    assert (await ask(API_KEY, tier="premium"))["available"] is True


async def test_history_lists_only_requests_of_the_verified_customer(
    server: RunningServer, http: aiohttp.ClientSession
) -> None:
    forged = await escalate(http, server, JOAO)
    proof = await demo_user_hash(server, "cus_joao")
    real = await escalate(http, server, {**JOAO, "user_hash": proof})
    agent = await login(http, server)
    async with http.get(
        f"{server.url}/api/escalations", params={"customer_id": "cus_joao"}, headers=bearer(agent)
    ) as r:
        assert r.status == 200, await r.text()
        found = [e["id"] for e in (await r.json())["escalations"]]
    assert found == [real["id"]] and forged["id"] not in found


async def test_chat_verifies_the_customer_when_it_starts(
    server: RunningServer, http: aiohttp.ClientSession
) -> None:
    token = await identity_token(server, **JOAO)
    for customer, verified in (({**JOAO}, False), ({"identity_token": token}, True)):
        body = {"context": {"customer": customer}}
        async with http.post(f"{server.url}/api/conversations", json=body, headers=SITE) as r:
            assert r.status == 201, await r.text()
            kept = (await r.json())["conversation"]["context"]["customer"]
        assert kept["verified"] is verified
        assert ("tier" in kept) is verified and "identity_token" not in kept


async def test_a_customer_session_token_cannot_claim_a_tier_either(
    server: RunningServer, http: aiohttp.ClientSession
) -> None:
    async with http.post(f"{server.url}/api/conversations", json={}, headers=SITE) as r:
        assert r.status == 201, await r.text()
        customer = bearer((await r.json())["token"])
    forged = await escalate(http, server, JOAO, headers=customer)
    assert given(forged["context"]["customer"]) == {"name": "João Pereira", "verified": False}
    token = await identity_token(server, **JOAO)
    real = await escalate(http, server, {"identity_token": token}, headers=customer)
    assert real["context"]["customer"]["tier"] == "premium" and real["customer_id"] == "cus_joao"


async def test_callback_keeps_only_signed_claims(
    server: RunningServer, http: aiohttp.ClientSession
) -> None:
    body = {"name": "Eve", "phone": "+34 600 000 000", "customer_id": "cus_joao", "tier": "premium"}
    async with http.post(f"{server.url}/api/callbacks", json=body, headers=SITE) as r:
        assert r.status == 201, await r.text()
        forged = await r.json()
    assert (forged["customer_id"], forged["tier"], forged["verified"]) == (None, None, False)
    signed = {**body, "identity_token": await identity_token(server, **JOAO)}
    async with http.post(f"{server.url}/api/callbacks", json=signed, headers=SITE) as r:
        assert r.status == 201, await r.text()
        real = await r.json()
    assert (real["customer_id"], real["tier"], real["verified"]) == ("cus_joao", "premium", True)


async def test_site_created_before_verification_keeps_working_unverified(
    server: RunningServer, http: aiohttp.ClientSession
) -> None:
    legacy = Site(id="site_old", tenant_id="demo", name="Old shop", site_key="sk_old")
    await server.app[STORE].put_site(legacy)
    esc = await escalate(http, server, JOAO, headers={"X-Coview-Site-Key": "sk_old"})
    customer = given(esc["context"]["customer"])
    assert customer == {**JOAO, "verified": False}  # kept as before, but marked
    assert esc["customer_id"] is None  # never in anyone's history unverified
    assert esc["state"] in ("queued", "offered")  # the site chose to trust its pages


# admin: the secret is shown once, rotatable, audited ---------------------------------
async def test_admin_sees_a_new_sites_secret_once_and_can_rotate_it(
    server: RunningServer, http: aiohttp.ClientSession
) -> None:
    admin = bearer(await login(http, server, "admin@demo.coview", "coview-admin"))
    async with http.post(
        f"{server.url}/api/admin/sites", json={"name": "New shop"}, headers=admin
    ) as r:
        assert r.status == 201, await r.text()
        created = await r.json()
    assert created["identity_verification"] is True  # on by default for new sites
    first = created["identity_secret"]
    assert first.startswith("cvid_") and len(first) > 40
    async with http.get(f"{server.url}/api/admin/sites", headers=admin) as r:
        listed = {s["id"]: s for s in await r.json()}[created["id"]]
    assert "identity_secret" not in listed and listed["identity_secret_set"] is True
    async with http.put(
        f"{server.url}/api/admin/sites/{created['id']}",
        json={"rotate_identity_secret": True},
        headers=admin,
    ) as r:
        rotated = await r.json()
    assert rotated["identity_secret"] not in (None, first)
    stored = await server.app[STORE].get_site(created["id"])
    assert stored is not None and stored.identity_secret == rotated["identity_secret"]
    async with http.get(f"{server.url}/api/admin/audit", headers=admin) as r:
        audit = await r.text()
    assert first not in audit and rotated["identity_secret"] not in audit
    assert '"identity_secret":"(changed)"' in audit.replace(" ", "")


# the console shows it -----------------------------------------------------------------
async def test_console_marks_verified_and_unverified_customers(
    server: RunningServer, browser: Any, http: aiohttp.ClientSession
) -> None:
    page_ctx = {"url": "https://shop.example/demo/", "title": "Aurora Pro"}

    async def create(customer: dict[str, Any]) -> None:
        body = {"modalities": ["chat"], "context": {"page": page_ctx, "customer": customer}}
        async with http.post(f"{server.url}/api/escalations", json=body, headers=SITE) as r:
            assert r.status == 201, await r.text()

    async with new_page(browser, viewport=DESKTOP) as agent:
        await sign_in_available(agent, server.url)

        await create({"name": "Eve Impostor", "id": "cus_joao", "tier": "premium"})
        offer = agent.get_by_role("listitem", name="New request from Eve Impostor")
        await offer.get_by_role("button", name="Accept").click()
        facts = agent.get_by_role("tabpanel").get_by_role("complementary")
        badge = facts.locator("[data-identity]")
        await badge.filter(has_text="Unverified").wait_for()
        assert await badge.get_attribute("data-identity") == "unverified"
        assert await facts.locator(".tag.tier-premium").count() == 0  # the claim was dropped
        # nobody's history is looked up for an unverified visitor claiming an id
        await facts.get_by_text(
            "Unverified customer: previous requests are not looked up."
        ).wait_for()
        await shoot(agent, "console-customer-unverified")

        await create({"identity_token": await identity_token(server, **JOAO)})
        offer = agent.get_by_role("listitem", name="New request from João Pereira")
        await offer.get_by_role("button", name="Accept").click()
        await agent.get_by_role("tab", name="João Pereira").click()
        facts = agent.get_by_role("tabpanel").get_by_role("complementary")
        await facts.locator("[data-identity='verified']").filter(has_text="Verified").wait_for()
        await facts.locator(".tag.tier-premium").wait_for()
        await shoot(agent, "console-customer-verified")


async def test_admin_page_shows_a_new_identity_secret_once(
    server: RunningServer, browser: Any
) -> None:
    async with new_page(browser, viewport={"width": 1280, "height": 900}) as page:
        await page.goto(f"{server.url}/admin")
        await page.get_by_label("E-mail").fill(server.config.admin_email)
        await page.get_by_label("Password").fill(server.config.admin_password)
        await page.get_by_role("button", name="Sign in").click()
        demo = page.get_by_role("region", name="Demo shop")
        await demo.get_by_text("set (hidden)").wait_for()
        assert await demo.get_by_label("Require identity verification", exact=False).is_checked()
        page.once("dialog", lambda dialog: dialog.accept())  # "signatures stop working"
        await demo.get_by_role("button", name="New identity secret").click()
        secret = demo.locator("code.identity-secret")
        await secret.wait_for()
        shown = await secret.text_content()
        stored = await server.app[STORE].get_site("site_demo")
        assert stored is not None and shown == stored.identity_secret
        await shoot(page, "admin-identity-secret")
        await page.reload()
        await demo.get_by_text("set (hidden)").wait_for()
        assert await page.locator("code.identity-secret").count() == 0  # once only


async def test_a_demo_seeded_before_verification_gets_a_secret_on_start(
    server: RunningServer,
) -> None:
    """`make run` on an older ./data: the demo site starts verifying and the shop signs."""
    store = server.app[STORE]
    old = await store.get_site("site_demo")
    assert old is not None
    await store.put_site(
        old.model_copy(update={"identity_verification": False, "identity_secret": None})
    )
    assert await seed_demo(store, server.config, server.app[PASSWORDS]) is False
    site = await store.get_site("site_demo")
    assert site is not None and site.identity_verification and site.identity_secret
