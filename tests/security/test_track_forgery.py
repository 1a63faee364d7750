"""Attacks on conversion tracking and proactive reports: a forged site key, a foreign
origin, a missing origin (the public key replayed from a server) and another tenant's
rule are refused, and no purchase or event is recorded."""

from __future__ import annotations

from datetime import timedelta

import aiohttp
import pytest

from server.platform.keys import STORE
from store.models import utcnow
from tests.support.api import problem
from tests.support.harness import RunningServer

PURCHASE = {
    "event": "purchase",
    "visitor_id": "attacker-0001",
    "order_id": "FAKE-1",
    "total": 99999.0,
    "currency": "EUR",
}


@pytest.mark.parametrize(
    ("headers", "status"),
    [
        ({"X-Coview-Site-Key": "forged-key", "Origin": "SELF"}, 401),
        ({"X-Coview-Site-Key": "demo-site-key", "Origin": "https://evil.example"}, 403),
        ({"X-Coview-Site-Key": "demo-site-key"}, 403),  # no Origin: not from the site's pages
        ({"Origin": "SELF"}, 401),
    ],
    ids=["forged-key", "foreign-origin", "no-origin", "no-key"],
)
async def test_forged_purchases_are_refused_and_not_counted(
    server: RunningServer, headers: dict[str, str], status: int
) -> None:
    sent = {k: (server.url if v == "SELF" else v) for k, v in headers.items()}
    async with aiohttp.ClientSession() as http:
        async with http.post(f"{server.url}/api/track", json=PURCHASE, headers=sent) as r:
            await problem(r, status)
        outcome = {
            "visitor_id": "attacker-0001",
            "rule_id": "checkout-hesitation",
            "outcome": "accepted",
        }
        async with http.post(f"{server.url}/api/proactive/events", json=outcome, headers=sent) as r:
            # invitation counters need the key and an allowed origin (when one is sent)
            assert r.status == (
                204 if "Origin" not in sent and "X-Coview-Site-Key" in sent else status
            )
    store = server.app[STORE]
    assert await store.get_purchase("demo", "FAKE-1") is None
    now = utcnow()
    assert await store.list_purchases("demo", now - timedelta(hours=1), now) == []


async def test_an_agent_cannot_report_purchases_and_unknown_rules_are_not_found(
    server: RunningServer,
) -> None:
    site = {"X-Coview-Site-Key": "demo-site-key", "Origin": server.url}
    async with aiohttp.ClientSession() as http:
        check = {
            "rule_id": "not-a-rule",
            "page": "/demo/checkout",
            "lang": "en",
            "visitor_id": "attacker-0001",
        }
        async with http.post(f"{server.url}/api/proactive/check", json=check, headers=site) as r:
            await problem(r, 404)
        watch = {"rule_id": "checkout-hesitation", "visitor_id": "attacker-0001", "page": "/x"}
        async with http.post(f"{server.url}/api/proactive/presence", json=watch, headers=site) as r:
            await problem(r, 404)  # an invite rule is no watch rule
