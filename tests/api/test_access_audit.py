"""The access audit on both stores: listing, replaying and downloading recordings and
observing sessions leave entries; /api/admin/audit filters them by actor, action and
date; the CSV export neutralises spreadsheet formulas."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta
from typing import Any

import aiohttp

from tests.support.api import bearer, customer_token, login, open_session, problem
from tests.support.harness import RunningServer
from tests.support.privacy_helpers import add_agent, http, listed_url, node, recorded
from tests.support.sio import SioPeer

__all__ = ["http", "node"]


async def audit(
    http: aiohttp.ClientSession, node: RunningServer, **query: str
) -> list[dict[str, Any]]:
    admin = await login(http, node, "admin@demo.coview", "coview-admin")
    async with http.get(f"{node.url}/api/admin/audit", params=query, headers=bearer(admin)) as r:
        assert r.status == 200, await r.text()
        events: list[dict[str, Any]] = await r.json()
    return events


async def test_who_listed_replayed_and_downloaded_which_recording(
    node: RunningServer, http: aiohttp.ClientSession
) -> None:
    info = await recorded(node)
    url = await listed_url(http, node, info.id)  # Sofia lists the recordings
    async with http.get(url) as r:  # and plays one through its link
        assert r.status == 200 and await r.read()
    sofia = await login(http, node, "sofia@demo.coview")
    bare = url.partition("?")[0]
    async with http.get(bare, params={"download": "1"}, headers=bearer(sofia)) as r:
        assert r.status == 200 and await r.read()

    events = await audit(http, node, action="recording")
    assert [(e["action"], e["actor_name"], e["target_id"]) for e in events] == [
        ("recording.downloaded", "Sofía Martín", info.id),
        ("recording.replayed", "Sofía Martín", info.id),
        ("recording.listed", "Sofía Martín", "*"),
    ]
    assert events[1]["changes"] == {"session_id": info.session_id, "via_link": True}
    assert events[0]["changes"]["via_link"] is False
    assert await audit(http, node, action="recording", actor="ag_admin") == []
    later = (datetime.now(UTC) + timedelta(minutes=1)).isoformat()
    assert await audit(http, node, action="recording", **{"from": later}) == []
    assert len(await audit(http, node, action="recording", to=later)) == 3
    assert len(await audit(http, node, action="recording.replayed")) == 1


async def test_who_observed_which_session(node: RunningServer, http: aiohttp.ClientSession) -> None:
    session = await open_session(node)
    customer = await SioPeer().connect(node.url, await customer_token(http, node, session))
    observer = await SioPeer().connect(node.url, await login(http, node, "sofia@demo.coview"))
    try:
        await customer.call("join", {"session_id": session.id})
        assert (await observer.call("join", {"session_id": session.id}))["ok"]
    finally:
        await customer.close()
        await observer.close()
    events = await audit(http, node, action="session.observed")
    assert [(e["actor_name"], e["target_id"]) for e in events] == [("Sofía Martín", session.id)]


async def test_csv_export_neutralises_formulas_and_is_itself_audited(
    node: RunningServer, http: aiohttp.ClientSession
) -> None:
    formula = '=HYPERLINK("http://evil.example","x")'
    _, token = await add_agent(node, http, formula)
    async with http.get(f"{node.url}/api/recordings", headers=bearer(token)) as r:
        assert r.status == 200
    admin = await login(http, node, "admin@demo.coview", "coview-admin")
    url = f"{node.url}/api/admin/audit.csv"
    async with http.get(url, params={"action": "recording"}, headers=bearer(admin)) as r:
        assert r.status == 200 and r.content_type == "text/csv"
        assert "attachment" in r.headers["Content-Disposition"]
        rows = list(csv.reader(io.StringIO(await r.text())))
    assert rows[0] == [
        "at",
        "actor_id",
        "actor_name",
        "action",
        "target_type",
        "target_id",
        "changes",
    ]
    assert [row[2:4] for row in rows[1:]] == [["'" + formula, "recording.listed"]]
    assert rows[1][6] == '{"count":0}'
    exported = await audit(http, node, action="audit.exported")
    assert exported[0]["changes"] == {"limit": 10000, "action": "recording"}

    sofia = await login(http, node, "sofia@demo.coview")
    async with http.get(url, headers=bearer(sofia)) as r:
        await problem(r, 403)
    async with http.get(url, params={"from": "yesterday"}, headers=bearer(admin)) as r:
        await problem(r, 422)
