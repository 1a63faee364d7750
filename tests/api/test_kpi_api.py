"""CSAT and the metrics endpoint over real HTTP."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from typing import Any

import aiohttp
import pytest

from server.platform.keys import STORE
from store.escalation_models import Escalation, EscalationEvent, EscalationWrite, State
from store.models import utcnow
from tests.support.api import bearer, customer_token, login, open_session, problem
from tests.support.harness import RunningServer


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


async def put_escalation(
    server: RunningServer,
    esc_id: str,
    steps: list[tuple[State | str, float]],
    session_id: str | None = None,
    start: datetime | None = None,
    **fields: Any,
) -> Escalation:
    """An escalation written straight to the store with events at start + seconds."""
    t0 = start or utcnow() - timedelta(minutes=30)
    states = [s for s, _ in steps if s not in ("media_connected", "upgraded")]
    esc = Escalation(
        id=esc_id,
        tenant_id="demo",
        channel="web",
        trigger=fields.pop("trigger", "customer"),
        modalities=["video"],
        session_id=session_id or "s_" + esc_id,
        state=states[-1],
        seq=len(steps),
        created_at=t0,
        timestamps={s: t0 + timedelta(seconds=sec) for s, sec in steps},
        **fields,
    )
    events = tuple(
        EscalationEvent(
            id=f"{esc_id}-{i}",
            escalation_id=esc_id,
            seq=i + 1,
            type=step,
            at=t0 + timedelta(seconds=sec),
            actor="test",
            data={"agent_id": esc.agent_id} if step == "accepted" else {},
        )
        for i, (step, sec) in enumerate(steps)
    )
    write = EscalationWrite(escalation=esc, expected_seq=0, events=events)
    assert await server.app[STORE].write_escalation(write) == "ok"
    return esc


SERVED: list[tuple[State | str, float]] = [
    ("requested", 0),
    ("queued", 0),
    ("accepted", 12),
    ("media_connected", 14),
    ("in_session", 14),
    ("wrap_up", 200),
    ("completed", 212),
]


async def rated(
    http: aiohttp.ClientSession, server: RunningServer, esc_id: str, token: str, body: Any
) -> aiohttp.ClientResponse:
    return await http.post(
        f"{server.url}/api/escalations/{esc_id}/csat", json=body, headers=bearer(token)
    )


async def test_customer_rates_once_and_a_second_rating_is_refused(
    server: RunningServer, http: aiohttp.ClientSession
) -> None:
    session = await open_session(server)
    esc = await put_escalation(server, "esc_rated", SERVED, session.id, agent_id="ag_ana")
    token = await customer_token(http, server, session)
    async with await rated(http, server, esc.id, token, {"score": 4, "comment": "útil"}) as r:
        assert r.status == 201
        assert (await r.json())["score"] == 4
    async with await rated(http, server, esc.id, token, {"score": 1}) as r:
        await problem(r, 409)
    kept = await server.app[STORE].get_csat(esc.id)
    assert kept is not None and (kept.score, kept.comment, kept.agent_id) == (4, "útil", "ag_ana")
    events = await server.app[STORE].list_events(esc.id)
    assert (events[-1].type, events[-1].data) == ("csat", {"score": 4, "comment": "útil"})


async def test_bad_ratings_and_wrong_callers_are_refused(
    server: RunningServer, http: aiohttp.ClientSession
) -> None:
    session = await open_session(server)
    esc = await put_escalation(server, "esc_x", SERVED, session.id)
    token = await customer_token(http, server, session)
    for body in ({"score": 0}, {"score": 6}, {"score": "5"}, {"score": 3, "comment": "x" * 2001}):
        async with await rated(http, server, esc.id, token, body) as r:
            await problem(r, 422)
    async with await rated(http, server, "esc_unknown", token, {"score": 3}) as r:
        await problem(r, 404)
    other = await open_session(server)
    other_token = await customer_token(http, server, other)
    async with await rated(http, server, esc.id, other_token, {"score": 3}) as r:
        await problem(r, 403)
    agent = await login(http, server)
    async with await rated(http, server, esc.id, agent, {"score": 3}) as r:
        await problem(r, 403)
    waiting_session = await open_session(server)
    waiting = await put_escalation(
        server, "esc_waiting", [("requested", 0), ("queued", 0)], waiting_session.id
    )
    waiting_token = await customer_token(http, server, waiting_session)
    async with await rated(http, server, waiting.id, waiting_token, {"score": 3}) as r:
        await problem(r, 409)
    assert await server.app[STORE].get_csat(esc.id) is None


async def metrics(
    http: aiohttp.ClientSession, server: RunningServer, token: str, **query: str
) -> dict[str, Any]:
    async with http.get(f"{server.url}/api/metrics", params=query, headers=bearer(token)) as r:
        assert r.status == 200, await r.text()
        body: dict[str, Any] = await r.json()
        return body


async def test_supervisor_reads_kpis_computed_from_events(
    server: RunningServer, http: aiohttp.ClientSession
) -> None:
    session = await open_session(server)
    await put_escalation(server, "e1", SERVED, session.id, agent_id="ag_ana", skills=["sales"])
    await put_escalation(
        server, "e2", [("requested", 0), ("queued", 0), ("abandoned", 40)], trigger="bot"
    )
    await put_escalation(
        server, "old", SERVED, start=utcnow() - timedelta(days=3), agent_id="ag_ana"
    )
    token = await customer_token(http, server, session)
    async with await rated(http, server, "e1", token, {"score": 5}) as r:
        assert r.status == 201
    sofia = await login(http, server, "sofia@demo.coview")
    kpis = await metrics(http, server, sofia)
    assert (kpis["offered"], kpis["answered"], kpis["abandoned"]) == (2, 1, 1)
    assert kpis["abandonment_rate"] == 0.5
    assert kpis["average_speed_of_answer_s"] == 12.0
    assert kpis["service_level"] == 0.5 and kpis["service_level_threshold_s"] == 20
    assert kpis["average_handle_time_s"] == 200.0
    assert kpis["accept_to_media_s"]["average"] == 2.0
    assert kpis["csat"]["average"] == 5.0
    assert kpis["by_trigger"] == {"bot": 1, "customer": 1, "agent": 0, "proactive": 0}
    sales = await metrics(http, server, sofia, queue="sales")
    assert sales["offered"] == 1 and sales["queue"] == "sales"
    assert (await metrics(http, server, sofia, agent="ag_bruno"))["offered"] == 0
    week = await metrics(
        http, server, sofia, **{"from": (utcnow() - timedelta(days=7)).isoformat()}
    )
    assert week["offered"] == 3


async def test_metrics_refuse_bad_windows_and_non_supervisors(
    server: RunningServer, http: aiohttp.ClientSession
) -> None:
    sofia = await login(http, server, "sofia@demo.coview")
    url = f"{server.url}/api/metrics"
    for query in (
        {"from": "yesterday"},
        {"from": "2026-03-02T00:00:00"},  # no time zone
        {"from": "2026-03-02T00:00:00Z", "to": "2026-03-01T00:00:00Z"},
        {"from": "2025-01-01T00:00:00Z", "to": "2026-01-01T00:00:00Z"},
    ):
        async with http.get(url, params=query, headers=bearer(sofia)) as r:
            await problem(r, 422)
    ana = await login(http, server)
    async with http.get(url, headers=bearer(ana)) as r:
        await problem(r, 403)
    async with http.get(url) as r:
        await problem(r, 401)
