"""Attack: a ``javascript:`` page URL sent with the public site key became the console's
"page" link, so an agent's click ran the attacker's script with the agent's token.
Now every URL a customer, bot or integrator gives is http(s) (or a /path) at the API
(422 otherwise), and the front end renders such links through one helper
(web/src/shared/url.ts) that refuses any other scheme, even for data the API never
checked (a record stored before the check, or a payload pushed straight to the feed)."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from server.platform.keys import SIO
from signaling.rooms import agent_room
from store.callbacks import CallbackRequest
from store.escalation_models import PageInfo
from tests.browser.test_browser_escalation_flow import agent_console
from tests.security.common import record_dialogs, site_headers
from tests.support.api import bearer, problem
from tests.support.browser_helpers import DESKTOP, new_page, shoot
from tests.support.harness import RunningServer

ROOT = Path(__file__).resolve().parents[2]
HOSTILE_URLS = [
    "javascript:fetch('/api/me',{headers:{authorization:'Bearer '+sessionStorage.x}})",
    "JaVaScRiPt:alert(1)",
    " javascript:alert(1)",
    "java\tscript:alert(1)",
    "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==",
    "vbscript:msgbox(1)",
    "file:///etc/passwd",
    "//evil.example\\@shop.example/",
    "https://shop.example/\r\nSet-Cookie: x=1",
]
FINE_URLS = ["https://shop.example/checkout?step=2#pay", "http://shop.example/", "/demo/checkout"]


async def post(
    http: aiohttp.ClientSession, url: str, body: dict[str, Any], headers: dict[str, str]
) -> aiohttp.ClientResponse:
    async with http.post(url, json=body, headers=headers) as r:
        await r.read()
        return r


async def test_hostile_page_urls_are_refused_by_every_api_that_takes_them(
    server: RunningServer, http: aiohttp.ClientSession
) -> None:
    base, site = server.url, site_headers(server)
    api_key = bearer(server.config.demo_api_key)
    for bad in HOSTILE_URLS:
        page = {"page": {"url": bad, "title": "Checkout"}}
        cases = [
            (f"{base}/api/escalations", {"modalities": ["video"], "context": page}, site),
            (f"{base}/api/escalations", {"modalities": ["video"], "context": page}, api_key),
            (f"{base}/api/bot/messages", {"text": "hola", "context": page}, site),
            (f"{base}/api/conversations", {"context": page}, site),
            (
                f"{base}/api/callbacks",
                {"name": "M", "phone": "+34 600 000 000", "page_url": bad},
                site,
            ),
        ]
        for url, body, headers in cases:
            async with http.post(url, json=body, headers=headers) as r:
                data = await problem(r, 422)
                named = [f"{e['field']} {e['message']}".lower() for e in data["errors"]]
                assert any("url" in n for n in named), (url, bad, data)
    for fine in FINE_URLS:
        body = {"modalities": ["video"], "context": {"page": {"url": fine}}}
        async with http.post(f"{base}/api/escalations", json=body, headers=site) as r:
            assert r.status == 201, (fine, await r.text())


def test_a_hostile_url_stored_before_the_check_is_blanked_when_read() -> None:
    assert PageInfo.model_validate({"url": "javascript:alert(1)"}).url == ""
    raw = {"id": "cb_1", "tenant_id": "t", "name": "M", "phone": "1", "page_url": "javascript:x"}
    assert CallbackRequest.model_validate(raw).page_url == ""


@pytest.mark.browser
async def test_the_console_never_links_a_hostile_url_it_is_sent(
    server: RunningServer, browser: Any
) -> None:
    """Second line: an escalation pushed straight to the console's feed (no API)."""
    async with new_page(browser, viewport=DESKTOP) as page:
        dialogs = record_dialogs(page)
        await agent_console(page, server, "en")
        escalation = {
            "id": "esc_xss",
            "state": "accepted",
            "agent_id": "ag_ana",
            "trigger": "customer",
            "channel": "web",
            "modalities": ["chat"],
            "context": {"page": {"url": "javascript:window.__xss=1", "title": "Checkout"}},
            "skills": [],
            "language": "en",
            "created_at": "2026-01-01T10:00:00Z",
            "session_id": "s_xss",
        }
        await server.app[SIO].emit(
            "escalation", escalation, room=agent_room("ag_ana"), namespace="/agent"
        )
        shown = page.get_by_role("tabpanel").locator(".page-link")
        await shown.wait_for()
        assert await shown.evaluate("e => e.tagName") == "SPAN"
        assert await page.locator("a[href^='javascript:' i]").count() == 0
        await shown.click()
        await shoot(page, "security-console-hostile-url")
        assert dialogs == [] and await page.evaluate("window.__xss === undefined")


@pytest.fixture
def url_helper(tmp_path: Path) -> str:
    """web/src/shared/url.ts bundled on its own, exposed as ``cvurl``."""
    bundle = tmp_path / "url.js"
    subprocess.run(
        [
            str(ROOT / "web/node_modules/.bin/esbuild"),
            str(ROOT / "web/src/shared/url.ts"),
            "--bundle",
            "--format=iife",
            "--global-name=cvurl",
            f"--outfile={bundle}",
        ],
        check=True,
        capture_output=True,
    )
    return bundle.read_text()


@pytest.mark.browser
async def test_the_url_helper_refuses_every_other_scheme(
    server: RunningServer, browser: Any, url_helper: str
) -> None:
    async with new_page(browser) as page:
        await page.goto(f"{server.url}/healthz")
        await page.add_script_tag(content=url_helper)
        results = await page.evaluate(
            """([hostile, fine]) => ({
                hostile: hostile.map((u) => cvurl.safeUrl(u)),
                fine: fine.map((u) => cvurl.safeUrl(u)),
                svg: cvurl.safeImageSrc("data:image/svg+xml;base64,PHN2Zy8+"),
                png: cvurl.safeImageSrc("data:image/png;base64,iVBORw0KGgo="),
                html: cvurl.safeImageSrc("data:text/html,<script>alert(1)</script>"),
            })""",
            [HOSTILE_URLS[:7], FINE_URLS],
        )
    assert results["hostile"] == [None] * 7
    assert all(u and u.startswith("http") for u in results["fine"])
    assert results["svg"] is None and results["html"] is None
    assert results["png"] == "data:image/png;base64,iVBORw0KGgo="
