"""Attack: smuggle CR/LF into a value that ends up in an HTTP header (a URL the server
posts to, a file name in Content-Disposition, a redirect's Location) to add headers or
split the response. Such values are refused at the API (422, an error ack on sockets)
and the places that build headers encode what they are given."""

from __future__ import annotations

import base64

import aiohttp
import pytest

from server.platform.untrusted import content_disposition
from tests.support.api import bearer, login, problem
from tests.support.chat_helpers import start_conversation
from tests.support.harness import RunningServer
from tests.support.sio import SioPeer

INJECTED = ["\r\nX-Injected: 1", "\nX-Injected: 1", "\rX-Injected: 1", "\x00", "\t"]
PNG = (
    "data:image/png;base64,"
    + base64.b64encode(
        base64.b64decode(
            "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=="
        )
    ).decode()
)


async def test_urls_the_server_calls_refuse_control_characters(
    server: RunningServer, http: aiohttp.ClientSession
) -> None:
    admin = bearer(await login(http, server, server.config.admin_email, "coview-admin"))
    for tail in INJECTED:
        url = f"https://hooks.example.com/x{tail}"
        async with http.post(
            f"{server.url}/api/admin/webhooks", json={"url": url}, headers=admin
        ) as r:
            await problem(r, 422)
        async with http.put(
            f"{server.url}/api/admin/external-bot",
            json={"enabled": True, "url": url},
            headers=admin,
        ) as r:
            await problem(r, 422)


async def test_attachment_names_refuse_control_characters(
    server: RunningServer, http: aiohttp.ClientSession
) -> None:
    conv = await start_conversation(http, server)
    cid = conv["conversation_id"]
    customer = await SioPeer("/chat").connect(server.url, conv["token"])
    try:
        await customer.call("join", {"conversation_id": cid})
        for tail in INJECTED:
            attachment = {"name": f"photo.png{tail}", "data_url": PNG}
            ack = await customer.call("message", {"conversation_id": cid, "attachment": attachment})
            assert ack["ok"] is False and ack["error"]["code"] == "validation", ack
            async with http.post(
                f"{server.url}/api/conversations/{cid}/messages",
                json={"attachment": attachment},
                headers=bearer(conv["token"]),
            ) as r:
                await problem(r, 422)
        ack = await customer.call(
            "message",
            {"conversation_id": cid, "attachment": {"name": "photo.png", "data_url": PNG}},
        )
        assert ack["ok"], ack
    finally:
        await customer.close()


def test_content_disposition_cannot_be_split() -> None:
    for tail in INJECTED:
        with pytest.raises(ValueError):
            content_disposition(f"rec{tail}.webm")
    header = content_disposition('a "quoted"; name=evil ñ.webm')
    assert header.startswith('attachment; filename="a__quoted___name_evil__.webm"; filename*=')
    assert "\r" not in header and "\n" not in header and header.count('"') == 2


async def test_a_redirect_keeps_an_encoded_line_break_encoded(
    server: RunningServer, http: aiohttp.ClientSession
) -> None:
    async with http.get(
        f"{server.url}/demo?lang=en%0d%0aSet-Cookie:%20pwned=1", allow_redirects=False
    ) as r:
        assert r.status == 302
        assert "Set-Cookie" not in r.headers
        assert "\r" not in r.headers["Location"] and "\n" not in r.headers["Location"]
        assert r.headers["Location"].startswith("/demo/?lang=en%0")
