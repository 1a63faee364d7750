"""The agent console in real Chromium behind the proxy, on a node that is stopped
(SIGTERM): the page honours ``draining``, its feed is live again on the other node
within a bound, and an offer made afterwards reaches it there."""

from __future__ import annotations

import re
import time
from typing import Any

import aiohttp
import pytest

from tests.faults.cluster import Node
from tests.faults.proxy import TcpProxy
from tests.faults.scenes import create
from tests.support.api import login
from tests.support.browser_helpers import new_page, shoot
from tests.support.escalations import EMAILS, set_presence

pytestmark = pytest.mark.browser
LIVE_AGAIN_WITHIN_S = 5.0


async def test_console_follows_a_draining_node_to_the_other(
    pair: tuple[Node, Node, TcpProxy], http: aiohttp.ClientSession, browser: Any
) -> None:
    a, _, proxy = pair
    async with new_page(browser) as page:
        sockets: list[str] = []
        page.on("websocket", lambda ws: sockets.append(ws.url))
        await page.goto(f"{proxy.url}/console?lang=en")
        await page.get_by_label("Email").fill(EMAILS["ana"])
        await page.get_by_label("Password").fill("coview-demo")
        await page.get_by_role("button", name="Sign in").click()
        await page.locator(".feed[data-live='true']").wait_for()
        await set_presence(http, a, await login(http, a, EMAILS["ana"]), "available")
        opened = len(sockets)

        stopped_at = time.monotonic()
        code, _ = await a.stop()
        assert code == 0
        await page.locator(".feed[data-live='true']").wait_for(timeout=LIVE_AGAIN_WITHIN_S * 1000)
        assert len(sockets) > opened  # a new socket, on b (a is gone)
        assert time.monotonic() - stopped_at < LIVE_AGAIN_WITHIN_S + 8  # + a's exit

        await create(http, proxy.url)
        offer = page.get_by_role("listitem", name=re.compile("Lucía"))
        await offer.wait_for(timeout=5000)
        await shoot(page, "console-after-drain")
