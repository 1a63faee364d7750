"""A coview node for the co-browse benchmark: SQLite store, N sessions with customer
and observer tokens written to a JSON file, then serves until killed.

    python -m bench.cobrowse_server --port 8765 --sessions 200 --tokens /tmp/tokens.json
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import tempfile
from pathlib import Path

from aiohttp import web

from server.app import create_app
from server.platform.auth.keys import TOKENS
from server.platform.config import Config
from server.platform.gc_tuning import freeze_startup_heap
from server.platform.keys import STORE
from store.models import Session

SECRET = "bench-secret-" + "x" * 40


async def main(port: int, sessions: int, tokens_path: Path) -> None:
    logging.basicConfig(level=logging.WARNING)
    data_dir = Path(tempfile.mkdtemp(prefix="coview-bench-"))
    config = Config(
        port=port, data_dir=data_dir, secret=SECRET, password_memory_kib=1024, log_level="WARNING"
    )
    app = create_app(config)
    app.on_startup.append(freeze_startup_heap)  # as `coview serve` does
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    store, issuer = app[STORE], app[TOKENS]
    pairs = []
    for n in range(sessions):
        session = Session(id=f"s_bench_{n}", tenant_id="demo", agent_ids=["ag_ana"])
        await store.create_session(session)
        tokens = {}
        for role in ("customer", "observer"):
            tokens[role] = issuer.issue_session(
                session_id=session.id,
                tenant_id="demo",
                role=role,
                participant_id=f"p_{role}_{n}",
                name=role,
            ).token
        pairs.append({"session": session.id, **tokens})
    tokens_path.write_text(json.dumps(pairs))  # noqa: ASYNC240 (once, before serving)
    print("ready", flush=True)
    await asyncio.Event().wait()


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--sessions", type=int, default=200)
    parser.add_argument("--tokens", type=Path, required=True)
    args = parser.parse_args()
    asyncio.run(main(args.port, args.sessions, args.tokens))
