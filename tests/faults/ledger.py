"""What the fault tests assert after every fault: the store's event log of each
escalation is whole (seqs 1..n, none twice), what clients saw is exactly that log,
and no escalation was offered or assigned twice at once."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import aiohttp

from tests.support.api import bearer
from tests.support.escalations import API_KEY

# Events that close an open offer (the escalation goes back to the queue or on).
OFFER_CLOSED = {
    *("accepted", "declined", "offer_expired", "offer_withdrawn"),
    *("cancelled", "abandoned", "expired", "failed"),
}


async def store_events(http: aiohttp.ClientSession, url: str, esc_id: str) -> list[dict[str, Any]]:
    async with http.get(f"{url}/api/escalations/{esc_id}/events", headers=bearer(API_KEY)) as r:
        assert r.status == 200, await r.text()
        events: list[dict[str, Any]] = (await r.json())["events"]
        return events


def check_log(esc_id: str, events: list[dict[str, Any]]) -> None:
    """Seqs 1..n without a gap or a repeat; one request; offers never overlap; one
    acceptance per holder."""
    seqs = [e["seq"] for e in events]
    assert seqs == list(range(1, len(seqs) + 1)), f"{esc_id}: seqs {seqs}"
    types = [e["type"] for e in events]
    assert types.count("requested") == 1, f"{esc_id}: {types}"
    open_offer = False
    for kind in types:
        if kind == "offered":
            assert not open_offer, f"{esc_id}: offered twice at once: {types}"
            open_offer = True
        elif kind in OFFER_CLOSED:
            open_offer = False
    assert types.count("accepted") <= 1 + types.count("transferred"), f"{esc_id}: {types}"


def check_seen(esc_id: str, seen: list[dict[str, Any]], stored: list[dict[str, Any]]) -> None:
    """A client's stream is the store's log: nothing missing, nothing twice."""
    assert [e["seq"] for e in seen] == [e["seq"] for e in stored], (
        f"{esc_id}: client saw {[(e['seq'], e['type']) for e in seen]}, "
        f"store has {[(e['seq'], e['type']) for e in stored]}"
    )


async def audit(
    http: aiohttp.ClientSession, url: str, esc_ids: Iterable[str]
) -> dict[str, list[dict[str, Any]]]:
    logs = {}
    for esc_id in esc_ids:
        logs[esc_id] = await store_events(http, url, esc_id)
        check_log(esc_id, logs[esc_id])
    return logs


def check_prefix(
    esc_id: str, seen: list[dict[str, Any]], stored: list[dict[str, Any]], at_least: int
) -> None:
    """A stream closed while the log still grows: what it saw is the log's start (no
    gap, nothing twice) and reaches at least ``at_least`` events."""
    assert len(seen) >= at_least, (esc_id, len(seen), at_least)
    check_seen(esc_id, seen, stored[: len(seen)])
