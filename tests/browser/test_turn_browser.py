"""A call forced through a real coturn with the join ack's REST credentials."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from tests.support.api import customer_token, login, open_session
from tests.support.call_pages import open_call, wait_frames_above
from tests.support.harness import make_config, running_server
from tests.support.turn import turn_server

pytestmark = pytest.mark.browser

TURN_SECRET = "turn-test-secret"


@pytest.fixture(scope="module")
def turn_port() -> Iterator[int]:
    with turn_server(TURN_SECRET) as port:
        yield port


ROUTE_JS = "async () => Object.values(await window.coviewCall.stats()).map((q) => q.route)"


@pytest.mark.parametrize("secret_ok", [True, False])
async def test_relay_only_call_connects_through_coturn(
    tmp_path: Path, turn_port: int, browser: Any, secret_ok: bool
) -> None:
    config = make_config(
        tmp_path,
        turn_urls=(f"turn:127.0.0.1:{turn_port}?transport=udp",),
        turn_secret=TURN_SECRET if secret_ok else "not-the-coturn-secret",
    )
    async with running_server(config) as server, aiohttp.ClientSession() as http:
        session = await open_session(server)
        token = await customer_token(http, server, session)
        c_ctx, customer = await open_call(
            browser, server.url, session.id, token, extra="&policy=relay"
        )
        a_ctx, agent = await open_call(
            browser, server.url, session.id, await login(http, server), extra="&policy=relay"
        )
        try:
            if secret_ok:
                await wait_frames_above(customer, 0)
                await wait_frames_above(agent, 0)
                assert await customer.evaluate(ROUTE_JS) == ["relay"]
                assert await agent.evaluate(ROUTE_JS) == ["relay"]
            else:
                # Wrong credentials: coturn refuses the allocation, nothing connects.
                with pytest.raises(TimeoutError):
                    await wait_frames_above(customer, 0, timeout_s=6)
        finally:
            await c_ctx.close()
            await a_ctx.close()
