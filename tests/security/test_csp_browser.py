"""Issue #18, item 3: every HTML page sends a strict Content-Security-Policy and the
other browser security headers, runs under it in real Chromium without a single
``securitypolicyviolation`` (the ``browser`` fixture fails any test that sees one, so
every browser test of every page checks its own flow), and refuses to be framed by
another site."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp import web

from tests.support.api import customer_token, open_session
from tests.support.browser_helpers import new_page, set_presence
from tests.support.csp_watch import CspWatch, WatchedBrowser
from tests.support.harness import RunningServer, free_port, make_config, running_server

# (path, holds a call: camera/microphone/screen allowed)
PAGES = [
    ("/", False),
    ("/api/docs", False),
    ("/join", False),
    ("/admin", False),
    ("/dashboard", False),
    ("/console", True),
    ("/call/s_any", True),
    ("/observe/s_any", True),  # a supervisor may whisper or barge in
    ("/chat/c_any", True),
    ("/demo/", True),
    ("/demo/checkout", True),
    ("/demo/premium", True),
    ("/cobrowse/replay/s_any", False),
    ("/cobrowse/viewer?session_id=s_any", False),
    ("/cobrowse/demo-customer", False),
]


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


def directives(header: str) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for part in header.split(";"):
        name, *values = part.split()
        found[name] = values
    return found


@pytest.mark.parametrize("path, media", PAGES)
async def test_every_page_sends_a_strict_policy(
    server: RunningServer, http: aiohttp.ClientSession, path: str, media: bool
) -> None:
    async with http.get(f"{server.url}{path}") as r:
        assert r.status == 200, await r.text()
        assert r.content_type == "text/html"
        headers = r.headers
    csp = directives(headers["Content-Security-Policy"])
    assert csp["script-src"] == ["'self'"]  # no inline script, no eval, no other host
    assert csp["object-src"] == ["'none'"] and csp["base-uri"] == ["'none'"]
    assert csp["default-src"] == ["'none'"]
    assert csp["frame-ancestors"] == ["'none'"]
    host = server.url.split("//", 1)[1]
    assert csp["connect-src"] == ["'self'", f"ws://{host}", f"wss://{host}"]
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "no-referrer"
    allowed = "(self)" if media else "()"
    permissions = headers["Permissions-Policy"]
    for feature in ("camera", "microphone", "display-capture"):
        assert f"{feature}={allowed}" in permissions
    assert "Strict-Transport-Security" not in headers  # plain http: HSTS would be a lie


async def test_hsts_follows_an_https_public_url(
    tmp_path: Path, http: aiohttp.ClientSession
) -> None:
    config = make_config(
        tmp_path,
        public_url="https://coview.example",
        turn_urls=("turns:turn.coview.example:5349?transport=tcp",),
    )
    async with running_server(config) as server:
        local = f"http://{server.config.host}:{server.config.port}"
        async with http.get(f"{local}/console") as r:
            headers = r.headers
        async with http.get(f"{local}/api/openapi.json") as r:
            json_headers = r.headers
    assert headers["Strict-Transport-Security"] == "max-age=31536000"
    assert json_headers["Strict-Transport-Security"] == "max-age=31536000"
    assert "Content-Security-Policy" not in json_headers  # only documents need one
    connect = directives(headers["Content-Security-Policy"])["connect-src"]
    assert "wss://coview.example" in connect  # the public host's sockets
    # no "turn:host" source: browsers reject the syntax (and ICE is not a fetch)
    assert not any(source.startswith(("turn", "stun")) for source in connect)


async def test_the_watch_catches_a_violation_and_the_policy_blocks_it(
    server: RunningServer, chromium: Any
) -> None:
    """The guard every browser test relies on can fail: an injected inline script is
    reported, and it does not run."""
    watch = CspWatch()
    browser = WatchedBrowser(chromium, watch)
    context = await browser.new_context()
    try:
        page = await context.new_page()
        await page.goto(f"{server.url}/console")
        await page.evaluate(
            """() => { const s = document.createElement("script");
                       s.textContent = "window.__injected = true";
                       document.body.append(s); }"""
        )
        await page.wait_for_function("() => true")
        assert await page.evaluate("() => window.__injected === undefined")
        await page.evaluate("() => new Promise(r => setTimeout(r, 100))")
        assert any(v.get("directive", "").startswith("script-src") for v in watch.violations), (
            watch.violations
        )
    finally:
        await context.close()


@asynccontextmanager
async def attacker_site(target: str) -> AsyncIterator[str]:
    """Another origin (its own port) whose page frames ``target``."""
    html = f'<!doctype html><iframe id="victim" src="{target}" width="800" height="600"></iframe>'

    async def page(_: web.Request) -> web.Response:
        return web.Response(text=html, content_type="text/html")

    app = web.Application()
    app.router.add_get("/", page)
    runner = web.AppRunner(app)
    await runner.setup()
    port = free_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    try:
        yield f"http://127.0.0.1:{port}/"
    finally:
        await runner.cleanup()


async def framed(chromium: Any, target: str) -> tuple[Any, list[str]]:
    """The frame's document URL and what the console said, once it has loaded."""
    context = await chromium.new_context()
    try:
        page = await context.new_page()
        said: list[str] = []
        page.on("console", lambda m: said.append(m.text))
        async with attacker_site(target) as url:
            await page.goto(url)
            await page.wait_for_load_state("load")  # waits for the iframe as well
            handle = await page.query_selector("#victim")
            assert handle is not None
            frame = await handle.content_frame()
            assert frame is not None
            found = (
                frame.url,
                await frame.locator("script[src*='/static/'], link[href*='/static/']").count(),
            )
        return found, said
    finally:
        await context.close()


@pytest.mark.parametrize("path", ["/console", "/admin", "/call/s_any", "/dashboard", "/demo/"])
async def test_a_foreign_site_cannot_frame_coview(
    server: RunningServer, chromium: Any, path: str
) -> None:
    """Clickjacking: a page on another origin frames coview; the frame stays empty."""
    (url, coview_assets), said = await framed(chromium, f"{server.url}{path}")
    assert url.startswith("chrome-error://")  # Chromium's "refused" page, not coview
    assert coview_assets == 0
    assert any("frame-ancestors" in text for text in said), said


async def test_the_framing_check_can_see_a_framed_document(
    server: RunningServer, chromium: Any
) -> None:
    """The control: a response without framing rules (JSON) does render in the frame."""
    (url, _), _said = await framed(chromium, f"{server.url}/healthz")
    assert url == f"{server.url}/healthz"


async def test_pages_run_under_the_policy(
    server: RunningServer, browser: Any, http: aiohttp.ClientSession
) -> None:
    """Each page loads and starts its scripts with no violation (the fixture checks);
    the signed-in and call pages run their main flows in their own browser tests."""
    await set_presence(server, "available")
    session = await open_session(server)
    token = await customer_token(http, server, session)
    async with new_page(browser) as page:
        for path, ready in (
            ("/", "main"),
            ("/api/docs", "main"),
            ("/join", "form"),
            ("/admin", "form"),
            ("/dashboard", "form"),
            ("/console", "form"),
            ("/demo/", "coview-widget"),
            ("/demo/checkout", "coview-widget"),
            (f"/call/{session.id}#token={token}", "[data-call-state], .cv-call, video"),
            (f"/cobrowse/viewer?session_id={session.id}#token={token}", "#viewer"),
        ):
            await page.goto(f"{server.url}{path}")
            await page.locator(ready).first.wait_for(state="attached")
            await page.wait_for_load_state("networkidle")
