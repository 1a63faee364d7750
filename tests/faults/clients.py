"""Python clients that behave like the pages when their node goes away: the call page
(Socket.IO reconnects by itself and joins again on every connect), the widget's event
stream (EventSource resumes with ``Last-Event-ID``), the console feed and the co-browse
socket (reconnects with a back-off). Each records what it saw, so a test can compare
it with the store's record."""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from collections import defaultdict
from typing import Any, Self

import aiohttp
import socketio

from cobrowse.frames import encode_frame, parse_frame

# The call page's Socket.IO options (web/src/call/index.ts).
RECONNECT_DELAY_S = 0.25
RECONNECT_DELAY_MAX_S = 2.0


class Recorder:
    """Socket.IO events by name, each awaitable in order."""

    def __init__(self) -> None:
        self._queues: defaultdict[str, asyncio.Queue[Any]] = defaultdict(asyncio.Queue)
        self.log: list[tuple[str, Any]] = []

    def put(self, event: str, data: Any) -> None:
        self.log.append((event, data))
        self._queues[event].put_nowait(data)

    async def next(self, event: str, wait_s: float = 5.0) -> Any:
        return await asyncio.wait_for(self._queues[event].get(), wait_s)

    def drain(self, event: str) -> list[Any]:
        queue, items = self._queues[event], []
        while not queue.empty():
            items.append(queue.get_nowait())
        return items


class PageSocket:
    """A Socket.IO client on one namespace as the pages hold it: reconnects by itself
    with the call page's back-off, records every event, and honours ``draining`` as
    ``honourDraining`` (web/src/shared/draining.ts) does."""

    namespace = ""

    def __init__(self, url: str, token: str) -> None:
        self.url, self.token = url, token
        self.client = socketio.AsyncClient(
            reconnection=True,
            reconnection_delay=RECONNECT_DELAY_S,
            reconnection_delay_max=RECONNECT_DELAY_MAX_S,
            randomization_factor=0.0,
        )
        self.events = Recorder()
        self.client.on("*", self.events.put, namespace=self.namespace)
        self.client.on("draining", self._draining, namespace=self.namespace)

    async def _draining(self, data: Any = None) -> None:
        """Drop the transport, so the client reconnects at once (an engine.io close
        would stop python-socketio's reconnection, unlike the browser client's)."""
        self.events.put("draining", data)
        ws = getattr(self.client.eio, "ws", None)
        if ws is not None:
            await ws.close()

    async def connect(self) -> Self:
        await self.client.connect(
            self.url,
            namespaces=[self.namespace],
            transports=["websocket"],
            auth={"token": self.token},
            wait_timeout=5,
        )
        return self

    async def call(self, event: str, data: Any = None) -> dict[str, Any]:
        ack: dict[str, Any] = await self.client.call(
            event, data, namespace=self.namespace, timeout=5
        )
        return ack

    async def close(self) -> None:
        await self.client.disconnect()


class FeedClient(PageSocket):
    """An agent console's ``/agent`` feed."""

    namespace = "/agent"


class CallClient(PageSocket):
    """A ``/session`` peer like the call page: joins on every (re)connect; ``joins``
    gets each join ack with the time it arrived."""

    namespace = "/session"

    def __init__(self, url: str, token: str, session_id: str) -> None:
        super().__init__(url, token)
        self.session_id = session_id
        self.joins: asyncio.Queue[tuple[float, dict[str, Any]]] = asyncio.Queue()
        self.peer_id = ""  # from the first join ack
        self._tasks: set[asyncio.Task[None]] = set()
        self.client.on("connect", self._connected, namespace=self.namespace)

    async def _connected(self) -> None:
        # Not awaited here: the ack arrives on the loop that is running this handler.
        task = asyncio.create_task(self._join())
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _join(self) -> None:
        with contextlib.suppress(Exception):
            ack = await self.call("join", {"session_id": self.session_id})
            if ack.get("ok"):
                self.peer_id = ack["self"]["id"]
            await self.joins.put((time.monotonic(), ack))

    async def joined(self, wait_s: float = 5.0) -> tuple[float, dict[str, Any]]:
        at, ack = await asyncio.wait_for(self.joins.get(), wait_s)
        assert ack.get("ok"), ack
        return at, ack

    async def offer_to(self, peer_id: str, sdp: str) -> dict[str, Any]:
        return await self.call(
            "signal", {"to": peer_id, "description": {"type": "offer", "sdp": sdp}}
        )

    async def close(self) -> None:
        await super().close()
        for task in list(self._tasks):
            task.cancel()


class EventStream:
    """An escalation's events over SSE, as the widget's EventSource reads them: on a
    broken stream it reconnects after the server's ``retry`` (shortened here) with
    ``Last-Event-ID``; ``seen`` is every event in arrival order."""

    def __init__(self, http: aiohttp.ClientSession, url: str, esc_id: str, token: str) -> None:
        self.http, self.url, self.esc_id, self.token = http, url, esc_id, token
        self.seen: list[dict[str, Any]] = []
        self.ended = asyncio.Event()
        self.reconnects = 0
        self._task: asyncio.Task[None] | None = None

    def start(self) -> EventStream:
        self._task = asyncio.create_task(self._run())
        return self

    async def _run(self) -> None:
        while not self.ended.is_set():
            headers = {"Accept": "text/event-stream"}
            if self.seen:
                headers["Last-Event-ID"] = str(self.seen[-1]["seq"])
            try:
                async with self.http.get(
                    f"{self.url}/api/escalations/{self.esc_id}/events",
                    params={"token": self.token},
                    headers=headers,
                ) as r:
                    if r.status == 200:
                        await self._read(r)
            except (TimeoutError, aiohttp.ClientError, ConnectionError):
                pass
            if not self.ended.is_set():
                self.reconnects += 1
                await asyncio.sleep(0.2)  # EventSource's retry delay, shortened

    async def _read(self, response: aiohttp.ClientResponse) -> None:
        event, data = "message", ""
        async for raw in response.content:
            line = raw.decode().rstrip("\r\n")
            if line.startswith("event:"):
                event = line[6:].strip()
            elif line.startswith("data:"):
                data += line[5:].strip()
            elif line == "":
                if event == "end":
                    self.ended.set()
                    return
                if data:
                    self.seen.append(json.loads(data))
                event, data = "message", ""

    async def close(self) -> None:
        self.ended.set()
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task


class CobrowseClient:
    """A ``/ws/cobrowse`` socket that reconnects (as ``CobrowseSocket`` does) and keeps
    every frame it received; ``opened`` counts the connections made."""

    def __init__(
        self, http: aiohttp.ClientSession, url: str, token: str, session_id: str = ""
    ) -> None:
        self.http, self.token, self.session_id = http, token, session_id
        self.ws_url = url.replace("http", "ws", 1) + "/ws/cobrowse"
        self.frames: asyncio.Queue[tuple[dict[str, Any], bytes]] = asyncio.Queue()
        self.opened = 0
        self.close_codes: list[int | None] = []
        self._ws: aiohttp.ClientWebSocketResponse | None = None
        self._closed = False
        self._task: asyncio.Task[None] | None = None
        self._connected = asyncio.Event()

    def start(self) -> CobrowseClient:
        self._task = asyncio.create_task(self._run())
        return self

    async def _run(self) -> None:
        params = {"token": self.token}
        if self.session_id:
            params["session_id"] = self.session_id
        while not self._closed:
            try:
                async with self.http.ws_connect(self.ws_url, params=params) as ws:
                    self._ws = ws
                    self.opened += 1
                    self._connected.set()
                    async for message in ws:
                        if message.type == aiohttp.WSMsgType.BINARY:
                            self.frames.put_nowait(parse_frame(message.data))
                        elif message.type == aiohttp.WSMsgType.TEXT:
                            self.frames.put_nowait(parse_frame(message.data.encode()))
                    self.close_codes.append(ws.close_code)
            except (TimeoutError, aiohttp.ClientError, ConnectionError):
                pass
            self._ws = None
            self._connected.clear()
            if not self._closed:
                await asyncio.sleep(0.25)

    async def send(self, header: dict[str, Any], payload: bytes = b"") -> None:
        await asyncio.wait_for(self._connected.wait(), 10)
        assert self._ws is not None
        await self._ws.send_bytes(encode_frame(header, payload))

    async def next(self, kind: str, wait_s: float = 5.0) -> tuple[dict[str, Any], bytes]:
        async with asyncio.timeout(wait_s):
            while True:
                header, payload = await self.frames.get()
                if header.get("t") == kind:
                    return header, payload

    async def close(self) -> None:
        self._closed = True
        if self._ws is not None:
            await self._ws.close()
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
