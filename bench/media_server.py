"""Benchmark helper: a coview server in its own process (so its CPU can be measured)
with N sessions ready for recording. Prints one JSON line
``{"pid", "url", "sessions": [{"id", "invite"}]}`` then serves until terminated.

``python -m bench.media_server --data DIR --sessions N --recorder packets|aiortc [--plain]``
(``--plain``: recordings not encrypted at rest, to measure what encryption costs).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import secrets
import signal
from pathlib import Path

from aiohttp import web

from server.app import create_app
from server.platform.auth.invites import issue_invite
from server.platform.config import Config
from server.platform.keys import CONFIG, STORE
from store.models import Session


async def serve(args: argparse.Namespace) -> None:
    config = Config(
        host="127.0.0.1",
        port=args.port,
        data_dir=Path(args.data),
        secret="bench-secret-" + "x" * 40,
        password_memory_kib=1024,
        login_rate="100000/minute",
        join_rate="100000/minute",
        media_host_addresses=("127.0.0.1",),
        log_level="WARNING",
        encrypt_at_rest=not args.plain,
        extra={"media_recorder": args.recorder},
    )
    app = create_app(config)
    runner = web.AppRunner(app, shutdown_timeout=1.0)
    await runner.setup()
    await web.TCPSite(runner, config.host, config.port).start()
    sessions = []
    for _ in range(args.sessions):
        session = Session(id="s_" + secrets.token_hex(6), tenant_id="demo", agent_ids=["ag_ana"])
        await app[STORE].create_session(session)
        invite = await issue_invite(app[STORE], app[CONFIG], session, "customer")
        sessions.append({"id": session.id, "invite": invite.id})
    import os

    print(json.dumps({"pid": os.getpid(), "url": config.base_url, "sessions": sessions}))
    print("", flush=True)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    loop.add_signal_handler(signal.SIGTERM, stop.set)
    await stop.wait()
    await runner.cleanup()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--data", required=True)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--sessions", type=int, default=1)
    parser.add_argument("--recorder", choices=["packets", "aiortc"], default="packets")
    parser.add_argument("--plain", action="store_true", help="no encryption at rest")
    asyncio.run(serve(parser.parse_args()))


if __name__ == "__main__":
    main()
