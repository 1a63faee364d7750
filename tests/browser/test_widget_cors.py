"""The widget works from another origin the site allows: its API calls get CORS
answers, the site-key origin check still applies, and agent endpoints stay same-origin."""

from __future__ import annotations

from typing import Any

import aiohttp
import pytest
from aiohttp import web

from server.platform.keys import STORE
from tests.support.browser_helpers import new_page, set_presence, widget
from tests.support.harness import RunningServer, free_port

HOST_PAGE = """<!doctype html><html lang="en"><head><meta charset="utf-8">
<title>Partner shop</title></head><body><h1>Partner shop</h1>
<script src="{base}/widget.js" data-site-key="demo-site-key" async></script></body></html>"""


async def test_preflight_allows_the_widget_headers_only_on_widget_paths(
    server: RunningServer,
) -> None:
    origin = {"Origin": "https://shop.example", "Access-Control-Request-Method": "POST"}
    async with aiohttp.ClientSession() as http:
        async with http.options(f"{server.url}/api/escalations", headers=origin) as r:
            assert r.status == 204
            assert r.headers["Access-Control-Allow-Origin"] == "*"
            assert "X-Coview-Site-Key" in r.headers["Access-Control-Allow-Headers"]
            assert "Idempotency-Key" in r.headers["Access-Control-Allow-Headers"]
        async with http.options(f"{server.url}/api/auth/login", headers=origin) as r:
            assert r.status == 405  # agent endpoints stay same-origin
            assert "Access-Control-Allow-Origin" not in r.headers
        site = {"Origin": "https://shop.example", "X-Coview-Site-Key": "demo-site-key"}
        async with http.get(f"{server.url}/api/availability?page=/demo/", headers=site) as r:
            assert r.status == 403  # not one of the site's allowed origins
            assert r.headers["Access-Control-Allow-Origin"] == "*"  # so the page can read why


@pytest.mark.browser
async def test_widget_requests_help_from_an_allowed_other_origin(
    server: RunningServer, browser: Any
) -> None:
    await set_presence(server, "available")
    port = free_port()
    partner = f"http://127.0.0.1:{port}"
    store = server.app[STORE]
    site = await store.get_site_by_key("demo-site-key")
    assert site is not None
    await store.put_site(site.model_copy(update={"allowed_origins": [partner]}))

    async def host_page(request: web.Request) -> web.Response:
        return web.Response(text=HOST_PAGE.format(base=server.url), content_type="text/html")

    app = web.Application()
    app.router.add_get("/partner", host_page)
    runner = web.AppRunner(app)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    try:
        async with new_page(browser) as page:
            await page.goto(f"{partner}/partner")
            await widget(page).get_by_role("button", name="Video help").click()
            await widget(page).get_by_role("button", name="Share my screen").click()
            consent = widget(page).get_by_role("alertdialog")
            await consent.get_by_role("button", name="Allow").click()
            await widget(page).get_by_role("button", name="Cancel request").click()
            await widget(page).get_by_text("Your request was cancelled.").wait_for()
    finally:
        await runner.cleanup()
