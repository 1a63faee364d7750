"""Benchmark helper: customer + agent of N sessions played by aiortc in one process,
sending a pre-encoded VP8/Opus WebM (``MediaPlayer(decode=False)``: no encoding
here, so the browser's encoder does not eat the cores being measured). Accepts the
server peer's offers, asks for recording as the agent and consents as the customer.
Prints ``recording <session>`` per started recording, then streams until terminated.

``python -m bench.media_feeder --url URL --clip FILE --sessions JSON``
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import sys
from typing import Any

import aiohttp
import socketio
from aiortc import RTCPeerConnection, RTCSessionDescription
from aiortc.contrib.media import MediaPlayer

from media.ice import gather_on_addresses


class Participant:
    def __init__(self, url: str, token: str, session_id: str, clip: str) -> None:
        self.url, self.token, self.session_id, self.clip = url, token, session_id, clip
        self.sio = socketio.AsyncClient(reconnection=False)
        self.pc: RTCPeerConnection | None = None
        self.player: MediaPlayer | None = None
        self.sio.on("signal", self._signal, namespace="/session")

    async def join(self) -> None:
        await self.sio.connect(
            self.url,
            namespaces=["/session"],
            transports=["websocket"],
            auth={"token": self.token},
            wait_timeout=30,  # the machine may be loaded
        )
        ack = await self.call("join", {"session_id": self.session_id})
        assert ack["ok"], ack

    async def call(self, event: str, data: Any = None) -> Any:
        return await self.sio.call(event, data, namespace="/session", timeout=30)

    async def _signal(self, data: dict[str, Any]) -> None:
        description = data.get("description")
        if data.get("from") != "media" or not description or description["type"] != "offer":
            return
        self.pc = pc = RTCPeerConnection()
        self.player = MediaPlayer(self.clip, decode=False, loop=True)
        await pc.setRemoteDescription(RTCSessionDescription(description["sdp"], "offer"))
        for transceiver in pc.getTransceivers():
            track = self.player.video if transceiver.kind == "video" else self.player.audio
            transceiver.sender.replaceTrack(track)
            transceiver.direction = "sendrecv"
        answer = await pc.createAnswer()
        await gather_on_addresses(pc, ["127.0.0.1"])
        await pc.setLocalDescription(answer)
        local = pc.localDescription
        await self.sio.emit(
            "signal",
            {"to": "media", "description": {"type": local.type, "sdp": local.sdp}},
            namespace="/session",
        )

    async def close(self) -> None:
        if self.pc is not None:
            await self.pc.close()
        await self.sio.disconnect()


async def feed(args: argparse.Namespace) -> None:
    sessions = json.loads(args.sessions)
    participants: list[Participant] = []
    async with aiohttp.ClientSession() as http:
        async with http.post(
            f"{args.url}/api/auth/login",
            json={"email": "ana@demo.coview", "password": "coview-demo"},
        ) as r:
            agent_token = (await r.json())["access_token"]
        for s in sessions:
            async with http.post(f"{args.url}/api/join", json={"invite": s["invite"]}) as r:
                customer_token = (await r.json())["token"]
            customer = Participant(args.url, customer_token, s["id"], args.clip)
            agent = Participant(args.url, agent_token, s["id"], args.clip)
            await customer.join()
            await agent.join()
            participants += [customer, agent]
            asked = await agent.call("recording-start")
            assert asked["ok"], asked
            granted = await customer.call("recording-consent", {"granted": True})
            assert granted["ok"], granted
            print(f"recording {s['id']}", flush=True)
    stop = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
    await stop.wait()
    # Leave the calls (the server then finishes the files) and exit at once: closing
    # the players' threads one by one can take longer than the benchmark cares.
    for participant in participants:
        await participant.sio.disconnect()
    sys.stdout.flush()
    os._exit(0)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--url", required=True)
    parser.add_argument("--clip", required=True)
    parser.add_argument("--sessions", required=True)
    asyncio.run(feed(parser.parse_args()))


if __name__ == "__main__":
    main()
