"""``coview serve``: run the server; ``coview reencrypt``: move every recording,
co-browse recording and snapshot to the current key of COVIEW_RECORDING_KEYS;
``coview openapi``: print the API's OpenAPI document (``docs/openapi.json``)."""

from __future__ import annotations

import argparse
import json
import logging
import tempfile
from pathlib import Path

from aiohttp import web

from media.crypto import KeyRing
from media.reencrypt import reencrypt
from server.app import create_app
from server.platform.config import Config, config_from_env
from server.platform.gc_tuning import freeze_startup_heap
from server.platform.logsetup import AccessLogger, configure_logging
from server.platform.openapi import build_spec
from server.seed import credentials_banner


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="coview", description="coview server")
    sub = parser.add_subparsers(dest="command", required=True)
    serve = sub.add_parser("serve", help="run the HTTP, Socket.IO and WebSocket server")
    serve.add_argument("--host", help="bind address (COVIEW_HOST, default 127.0.0.1)")
    serve.add_argument("--port", type=int, help="port (COVIEW_PORT, default 8080)")
    serve.add_argument("--store", choices=["sqlite", "redis"], help="COVIEW_STORE")
    serve.add_argument("--redis-url", help="COVIEW_REDIS_URL")
    serve.add_argument("--data-dir", type=Path, help="COVIEW_DATA_DIR (default ./data)")
    serve.add_argument("--secret", help="token signing secret (COVIEW_SECRET)")
    serve.add_argument("--public-url", help="base URL in join links (COVIEW_PUBLIC_URL)")
    serve.add_argument("--log-format", choices=["json", "text"], help="COVIEW_LOG_FORMAT")
    serve.add_argument("--no-demo", action="store_true", help="do not seed the demo organisation")
    reseal = sub.add_parser(
        "reencrypt", help="seal every file about customers with the current recording key"
    )
    reseal.add_argument("--data-dir", type=Path, help="COVIEW_DATA_DIR (default ./data)")
    sub.add_parser("openapi", help="print the OpenAPI document of the API")
    return parser.parse_args(argv)


def openapi_command() -> int:
    """The document the server serves at /api/openapi.json, keys sorted (the committed
    docs/openapi.json is this output; a test keeps the two equal)."""
    with tempfile.TemporaryDirectory() as scratch:  # the app writes nothing into ./data
        app = create_app(config_from_env().with_overrides(data_dir=Path(scratch)))
        print(json.dumps(build_spec(app), indent=2, sort_keys=True, ensure_ascii=False))
    return 0


def reencrypt_command(args: argparse.Namespace) -> int:
    config = config_from_env().with_overrides(data_dir=args.data_dir)
    ring = KeyRing.load(config.recording_keys, config.data_dir)
    report = reencrypt(config.data_dir, ring)
    for path in report.resealed:
        print(f"re-encrypted {path}")
    for path, error in report.failed:
        print(f"FAILED {path}: {error}")
    print(
        f"{len(report.resealed)} re-encrypted with key {ring.current!r}, "
        f"{report.current} already current, {len(report.busy)} being written (run again "
        f"later), {len(report.failed)} failed"
    )
    return 1 if report.failed else 0


def build_config(args: argparse.Namespace) -> Config:
    config = config_from_env().with_overrides(
        host=args.host,
        port=args.port,
        store=args.store,
        redis_url=args.redis_url,
        data_dir=args.data_dir,
        secret=args.secret,
        public_url=args.public_url,
        log_format=args.log_format,
    )
    if args.no_demo:
        config = config.with_overrides(seed_demo=False)
    return config


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    if args.command == "reencrypt":
        raise SystemExit(reencrypt_command(args))
    if args.command == "openapi":
        raise SystemExit(openapi_command())
    config = build_config(args)
    configure_logging(config.log_format, config.log_level)
    app = create_app(config)

    async def announce(_: web.Application) -> None:
        if config.seed_demo:
            print(credentials_banner(config), flush=True)

    app.on_startup.append(announce)
    app.on_startup.append(freeze_startup_heap)  # last: after every start-up hook
    logging.getLogger("coview").info(
        "starting on %s:%s (%s store%s)",
        config.host,
        config.port,
        config.store,
        f", Redis {config.redis_target().describe()}" if config.store == "redis" else "",
    )
    web.run_app(
        app,
        host=config.host,
        port=config.port,
        access_log_class=AccessLogger,
        print=None,
        shutdown_timeout=5.0,
    )


if __name__ == "__main__":
    main()
