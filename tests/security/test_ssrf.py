"""Attack: an admin-set webhook or external-bot URL made the server POST to its own
Redis, the cloud metadata service or the private network. Now a forbidden literal host
is refused when saved (422), every address a name resolves to is checked when the
request is made (the connection goes to the checked addresses only), redirects are
not followed, and a refused delivery is logged and shown with its reason.
COVIEW_OUTBOUND_ALLOW is the only way around it (the other tests allow loopback)."""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import logging
import socket
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from aiohttp.abc import AbstractResolver, ResolveResult

from server.platform.keys import STORE
from server.platform.outbound import OutboundPolicy, forbidden_kind, parse_address
from store.engagement_models import WebhookEndpoint
from tests.api.test_chat_handoff import next_system
from tests.browser.test_browser_admin import sign_in_as_admin
from tests.support.api import bearer, login, problem
from tests.support.browser_helpers import new_page, shoot
from tests.support.chat_helpers import start_conversation
from tests.support.harness import RunningServer, free_port, make_config, running_server
from tests.support.receivers import Receiver, receiving
from tests.support.sio import SioPeer

FORBIDDEN_URLS = [
    "http://127.0.0.1:6379/",
    "http://169.254.169.254/latest/meta-data/",
    "http://[::1]/",
    "http://[::ffff:127.0.0.1]/",
    "http://[::ffff:a9fe:a9fe]/",
    "http://[fe80::1]/",
    "http://[fd00::1]/",
    "http://10.0.0.8/",
    "http://192.168.1.1/",
    "http://172.16.0.1/",
    "http://100.64.0.1/",
    "http://0.0.0.0/",
    "http://[::]/",
    "http://224.0.0.1/",
    "http://2130706433/",  # 127.0.0.1 spelled as one number
    "http://0x7f.1/",
    "http://localhost:8080/",
    "http://metadata.localhost/",
]
FAKE_DNS = {
    "loopback.example.test": "127.0.0.1",
    "mapped.example.test": "::ffff:127.0.0.1",
    "metadata.example.test": "169.254.169.254",
    "intranet.example.test": "10.1.2.3",
}


class FakeDns(AbstractResolver):
    """Public-looking names that resolve into forbidden ranges (as an attacker's DNS)."""

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        address = FAKE_DNS[host]
        kind = socket.AF_INET6 if ":" in address else socket.AF_INET
        return [
            {
                "hostname": host,
                "host": address,
                "port": port,
                "family": kind,
                "proto": 0,
                "flags": socket.AI_NUMERICHOST,
            }
        ]

    async def close(self) -> None:
        pass


@contextlib.asynccontextmanager
async def guarded_server(tmp_path: Path, *allow: str) -> AsyncIterator[RunningServer]:
    config = make_config(
        tmp_path,
        outbound_allow=allow,
        webhook_backoff_s=0.05,
        webhook_poll_s=0.05,
        webhook_max_attempts=2,
    )
    async with running_server(config) as server:
        yield server


async def admin_token(http: aiohttp.ClientSession, server: RunningServer) -> str:
    return await login(http, server, server.config.admin_email, server.config.admin_password)


async def settled_delivery(
    http: aiohttp.ClientSession, server: RunningServer, endpoint_id: str
) -> dict[str, Any]:
    token = await admin_token(http, server)
    url = f"{server.url}/api/admin/webhooks/{endpoint_id}/deliveries"
    for _ in range(200):
        async with http.get(url, headers=bearer(token)) as r:
            log = (await r.json())["deliveries"]
        if log and log[0]["status"] != "pending":
            return dict(log[0])
        await asyncio.sleep(0.05)  # polling the public log, as the admin UI does
    raise AssertionError("delivery never settled")


async def send_test(http: aiohttp.ClientSession, server: RunningServer, url: str) -> str:
    """Subscribe ``url`` and send it a test message; the endpoint's id."""
    token = await admin_token(http, server)
    async with http.post(
        f"{server.url}/api/admin/webhooks", json={"url": url}, headers=bearer(token)
    ) as r:
        assert r.status == 201, await r.text()
        endpoint_id: str = (await r.json())["id"]
    async with http.post(
        f"{server.url}/api/admin/webhooks/{endpoint_id}/test", headers=bearer(token)
    ) as r:
        assert r.status == 202
    return endpoint_id


def test_forbidden_ranges_and_disguises() -> None:
    for url in FORBIDDEN_URLS:
        assert OutboundPolicy().literal_refusal(url), url
    for public in ("8.8.8.8", "2606:4700:4700::1111", "93.184.216.34"):
        assert forbidden_kind(ipaddress.ip_address(public)) is None
    assert parse_address("0x7f.0.0.1") == ipaddress.ip_address("127.0.0.1")
    allowed = OutboundPolicy.from_entries(("127.0.0.0/8", "bot.internal"))
    assert allowed.literal_refusal("http://127.0.0.9:5000/") is None
    assert allowed.literal_refusal("http://bot.internal/") is None
    assert allowed.literal_refusal("http://10.0.0.1/") is not None


async def test_forbidden_hosts_are_refused_when_saved(
    tmp_path: Path, http: aiohttp.ClientSession
) -> None:
    async with guarded_server(tmp_path) as server:
        token = await admin_token(http, server)
        for url in FORBIDDEN_URLS:
            async with http.post(
                f"{server.url}/api/admin/webhooks", json={"url": url}, headers=bearer(token)
            ) as r:
                data = await problem(r, 422)
                assert data["errors"][0]["field"] == "url", (url, data)
                assert "refused" in data["errors"][0]["message"]
            async with http.put(
                f"{server.url}/api/admin/external-bot",
                json={"enabled": True, "url": url},
                headers=bearer(token),
            ) as r:
                await problem(r, 422)
        async with http.get(f"{server.url}/api/admin/webhooks", headers=bearer(token)) as r:
            assert (await r.json())["webhooks"] == []
        # a public name is accepted (it is checked again at delivery)
        async with http.post(
            f"{server.url}/api/admin/webhooks",
            json={"url": "https://hooks.example.com/coview"},
            headers=bearer(token),
        ) as r:
            assert r.status == 201


@pytest.mark.parametrize("name", sorted(FAKE_DNS))
async def test_a_name_resolving_into_a_forbidden_range_is_refused_at_delivery(
    tmp_path: Path,
    http: aiohttp.ClientSession,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
    name: str,
) -> None:
    monkeypatch.setattr("server.platform.outbound.DefaultResolver", FakeDns)
    async with guarded_server(tmp_path) as server, receiving() as receiver:
        port = receiver.url.split(":")[2].split("/")[0]
        with caplog.at_level(logging.WARNING, logger="coview.webhooks"):
            endpoint_id = await send_test(http, server, f"http://{name}:{port}/hook")
            delivery = await settled_delivery(http, server, endpoint_id)
    assert delivery["status"] == "failed" and len(delivery["attempts"]) == 1  # no retries
    error = delivery["attempts"][0]["error"]
    address = ipaddress.ip_address(FAKE_DNS[name])
    assert error.startswith(f"refused: {name} resolves to {address}"), error
    assert receiver.received == []
    assert any("refused" in m and name in m for m in caplog.messages)


async def test_a_forbidden_address_saved_before_the_check_is_refused_at_delivery(
    tmp_path: Path, http: aiohttp.ClientSession
) -> None:
    async with guarded_server(tmp_path) as server, receiving() as receiver:
        await server.app[STORE].put_webhook(
            WebhookEndpoint(id="wh_old", tenant_id="demo", url=receiver.url, secret="whsec_eA==")
        )
        token = await admin_token(http, server)
        async with http.post(
            f"{server.url}/api/admin/webhooks/wh_old/test", headers=bearer(token)
        ) as r:
            assert r.status == 202
        delivery = await settled_delivery(http, server, "wh_old")
    assert delivery["attempts"][0]["error"].startswith("refused: 127.0.0.1: loopback address")
    assert receiver.received == []


async def test_the_allow_list_is_the_only_exception(
    tmp_path: Path, http: aiohttp.ClientSession, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("server.platform.outbound.DefaultResolver", FakeDns)
    async with (
        guarded_server(tmp_path, "loopback.example.test") as server,
        receiving() as receiver,
    ):
        port = receiver.url.split(":")[2].split("/")[0]
        endpoint_id = await send_test(http, server, f"http://loopback.example.test:{port}/hook")
        await receiver.wait_for(1)
        assert (await settled_delivery(http, server, endpoint_id))["status"] == "delivered"


@contextlib.asynccontextmanager
async def redirecting() -> AsyncIterator[tuple[str, Receiver]]:
    """``/hook`` redirects (307) to ``/inner``, which records what reaches it."""
    inner = Receiver()
    app = web.Application()
    port = free_port()

    async def redirect(request: web.Request) -> web.Response:
        raise web.HTTPTemporaryRedirect(f"http://127.0.0.1:{port}/inner")

    app.router.add_post("/hook", redirect)
    app.router.add_post("/inner", inner.handle)
    runner = web.AppRunner(app)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    try:
        yield f"http://127.0.0.1:{port}/hook", inner
    finally:
        await runner.cleanup()


async def test_redirects_are_never_followed(tmp_path: Path, http: aiohttp.ClientSession) -> None:
    async with guarded_server(tmp_path, "127.0.0.1/32") as server, redirecting() as (url, inner):
        endpoint_id = await send_test(http, server, url)
        delivery = await settled_delivery(http, server, endpoint_id)
        assert delivery["attempts"][0]["status_code"] == 307
        token = await admin_token(http, server)
        async with http.put(
            f"{server.url}/api/admin/external-bot",
            json={"enabled": True, "url": url, "timeout_s": 5},
            headers=bearer(token),
        ) as r:
            assert r.status == 200, await r.text()
        conv = await start_conversation(http, server)
        customer = await SioPeer("/chat").connect(server.url, conv["token"])
        try:
            await customer.call("join", {"conversation_id": conv["conversation_id"]})
            await customer.call(
                "message", {"conversation_id": conv["conversation_id"], "text": "hola"}
            )
            handoff = await next_system(customer, "handoff")
            assert handoff["data"]["reason"] == "bot_failed"
        finally:
            await customer.close()
        assert inner.received == []


@pytest.mark.browser
async def test_the_admin_sees_why_a_url_or_a_delivery_was_refused(
    tmp_path: Path, browser: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("server.platform.outbound.DefaultResolver", FakeDns)
    async with guarded_server(tmp_path) as server, new_page(browser) as page:
        await sign_in_as_admin(page, server)
        await page.get_by_role("tab", name="Webhooks").click()
        await page.get_by_label("URL").fill("http://169.254.169.254/latest/meta-data/")
        await page.get_by_role("button", name="Add").click()
        await page.locator('[data-error-for="url"]').filter(has_text="link-local").wait_for()
        hook = "http://metadata.example.test/hook"
        await page.get_by_label("URL").fill(hook)
        await page.get_by_role("button", name="Add").click()
        card = page.get_by_role("region", name=hook)
        await card.get_by_role("button", name="Send a test event").click()
        row = card.locator(".delivery-log tr").filter(has_text="refused")
        while not await row.count():  # the log is re-read on demand, as an admin would
            await card.get_by_role("button", name="Delivery log").click()
            await asyncio.sleep(0.1)
        await row.filter(has_text="169.254.169.254: link-local address").wait_for()
        await shoot(page, "security-admin-refused-delivery")
