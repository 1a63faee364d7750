"""A /ws/cobrowse test client: send frames, await the next frame of a type."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import aiohttp

from cobrowse.frames import encode_frame, parse_frame


class CobrowsePeer:
    def __init__(self, http: aiohttp.ClientSession, ws: aiohttp.ClientWebSocketResponse) -> None:
        self.http = http
        self.ws = ws
        self.seen: list[tuple[dict[str, Any], bytes]] = []

    @classmethod
    async def connect(
        cls, http: aiohttp.ClientSession, base_url: str, token: str, session_id: str = ""
    ) -> CobrowsePeer:
        params = {"token": token}
        if session_id:
            params["session_id"] = session_id
        ws = await http.ws_connect(
            base_url.replace("http", "ws", 1) + "/ws/cobrowse", params=params
        )
        return cls(http, ws)

    async def send(self, header: dict[str, Any], payload: bytes = b"") -> None:
        await self.ws.send_bytes(encode_frame(header, payload))

    async def send_events(self, seq: int, events: list[Any], full: bool = False) -> None:
        header: dict[str, Any] = {"t": "events", "seq": seq}
        if full:
            header["full"] = True
        await self.send(header, json.dumps(events).encode())

    async def next(self, kind: str, wait_s: float = 3.0) -> tuple[dict[str, Any], bytes]:
        """The next frame of ``kind``; frames of other kinds are kept in ``seen``."""
        async with asyncio.timeout(wait_s):
            while True:
                message = await self.ws.receive()
                if message.type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED):
                    raise ConnectionError("socket closed")
                data = message.data if isinstance(message.data, bytes) else message.data.encode()
                header, payload = parse_frame(data)
                self.seen.append((header, payload))
                if header["t"] == kind:
                    return header, payload

    async def acked(self, seq: int) -> None:
        """Wait until the server acked ``seq`` (acks are cumulative)."""
        while (await self.next("ack"))[0]["seq"] < seq:
            pass

    async def close(self) -> None:
        await self.ws.close()
