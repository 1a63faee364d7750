"""``coview serve`` that also counts the commands it sends to Redis, by name (bench only).

Redis's ``INFO commandstats`` counts the commands a Lua script runs as well as the ones
clients send; what costs a node CPU (encoding, a round trip, parsing the reply) is the
latter. This wrapper counts them where redis-py packs each command (a pipeline packs
each of its commands), by name and kind of key (the first key of a script), and, on
SIGUSR1, writes the counts as JSON to
``$BENCH_REDIS_COUNTS`` (written to a temporary file and renamed, so a reader never
sees half of it). Run as ``python -m bench.redis_count serve``, like ``server.cli``.
"""

from __future__ import annotations

import json
import os
import signal
import sys
from collections import Counter
from types import FrameType
from typing import Any

from redis.asyncio.connection import AbstractConnection

from server import cli

COUNTS: Counter[str] = Counter()
_pack = AbstractConnection.pack_command


def _text(value: Any) -> str:
    return value.decode(errors="replace") if isinstance(value, bytes) else str(value)


def _kind(args: tuple[Any, ...]) -> str:
    """``NAME key-kind``: the key's name parts without the prefix and the ids
    (``prefix:escalation:ID:seq`` is ``escalation:seq``)."""
    name = _text(args[0]).upper()
    key_at = 3 if name in ("EVALSHA", "EVAL") else 1
    if len(args) <= key_at or name in ("PUBLISH", "CLIENT", "HELLO", "SCRIPT LOAD"):
        return name
    parts = _text(args[key_at]).split(":")
    return f"{name} {':'.join(parts[1::2])}"


def _counting_pack(self: AbstractConnection, *args: Any) -> Any:
    COUNTS[_kind(args)] += 1
    return _pack(self, *args)


def _dump(_signum: int, _frame: FrameType | None) -> None:
    path = os.environ["BENCH_REDIS_COUNTS"]
    with open(path + ".tmp", "w") as out:
        json.dump(dict(COUNTS), out)
    os.replace(path + ".tmp", path)


def main() -> None:
    AbstractConnection.pack_command = _counting_pack  # type: ignore[method-assign]
    signal.signal(signal.SIGUSR1, _dump)
    cli.main(sys.argv[1:])


if __name__ == "__main__":
    main()
