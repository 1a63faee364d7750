"""The escalation API over real HTTP: creating, reading, every action and its errors."""

from __future__ import annotations

import json
import warnings
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from escalation.core.eligibility import Eligibility
from escalation.core.keys import ELIGIBILITY
from escalation.core.schemas import CreateEscalation
from server.platform.keys import STORE
from store.base import Store
from store.sqlite import SqliteStore
from tests.support.api import bearer, problem
from tests.support.escalations import (
    SITE_KEY,
    act,
    agent_token,
    api_key,
    body,
    console,
    create,
    escalation_server,
    event_types,
    events,
    get,
)
from tests.support.harness import RunningServer


@pytest.fixture
async def server(tmp_path: Path) -> AsyncIterator[RunningServer]:
    async with escalation_server(tmp_path) as running:
        yield running


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


async def count(server: RunningServer) -> int:
    return len(await server.app[STORE].list_escalations("demo", limit=500))


# creating -------------------------------------------------------------------------------
async def test_bot_request_is_queued_with_full_context_and_a_customer_token(
    server: RunningServer, http: aiohttp.ClientSession
) -> None:
    created = await create(http, server)
    esc = created["escalation"]
    assert esc["state"] == "queued"  # nobody is available
    assert esc["trigger"] == "bot" and esc["channel"] == "chat" and esc["modalities"] == ["video"]
    assert esc["context"]["cart"]["total"] == 59.9
    assert esc["context"]["bot"] == {"intent": "payment_problem", "confidence": 0.92, "name": None}
    assert esc["language"] == "es" and esc["customer_id"] == "cust-1"
    customer = created["customer"]
    assert customer["join_url"].startswith(server.url + "/join?invite=")
    assert len(customer["short_code"]) == 6
    seen = await get(http, server, esc["id"], customer["token"])
    assert seen["id"] == esc["id"] and "declined_by" not in seen
    assert await event_types(http, server, esc["id"], customer["token"]) == ["requested", "queued"]
    session = await server.app[STORE].get_session(esc["session_id"])
    assert session is not None and session.escalation_id == esc["id"]


async def test_widget_creates_with_site_key_from_an_allowed_origin(
    server: RunningServer, http: aiohttp.ClientSession
) -> None:
    headers = {"X-Coview-Site-Key": SITE_KEY, "Origin": server.url}
    created = await create(http, server, body(trigger=None), headers)
    assert created["escalation"]["trigger"] == "customer"
    assert "declined_by" not in created["escalation"]  # the customer's view


async def test_site_key_from_another_origin_is_refused_and_nothing_is_created(
    server: RunningServer, http: aiohttp.ClientSession
) -> None:
    headers = {"X-Coview-Site-Key": SITE_KEY, "Origin": "https://evil.example"}
    async with http.post(f"{server.url}/api/escalations", json=body(), headers=headers) as r:
        await problem(r, 403)
    assert await count(server) == 0


async def test_public_creates_are_rate_limited(tmp_path: Path) -> None:
    async with (
        escalation_server(tmp_path, escalation_rate="2/minute") as server,
        aiohttp.ClientSession() as http,
    ):
        headers = {"X-Coview-Site-Key": SITE_KEY}
        for _ in range(2):
            await create(http, server, body(trigger=None), headers)
        async with http.post(f"{server.url}/api/escalations", json=body(), headers=headers) as r:
            await problem(r, 429)
            assert int(r.headers["Retry-After"]) >= 1
        assert await count(server) == 2


async def test_customer_session_token_may_request_again(
    server: RunningServer, http: aiohttp.ClientSession
) -> None:
    first = await create(http, server)
    token = first["customer"]["token"]
    again = await create(http, server, body(trigger=None), bearer(token))
    assert again["escalation"]["trigger"] == "customer"
    assert again["escalation"]["session_id"] != first["escalation"]["session_id"]


@pytest.mark.parametrize(
    "headers_for, status",
    [("none", 401), ("bad", 401), ("agent", 403)],
)
async def test_create_needs_the_right_credential(
    server: RunningServer, http: aiohttp.ClientSession, headers_for: str, status: int
) -> None:
    headers = {
        "none": {},
        "bad": bearer("cvk_not_a_key"),
        "agent": bearer(await agent_token(http, server, "ana")),
    }[headers_for]
    async with http.post(f"{server.url}/api/escalations", json=body(), headers=headers) as r:
        await problem(r, status)
    assert await count(server) == 0


async def test_oversize_context_is_413_and_nothing_is_created(
    server: RunningServer, http: aiohttp.ClientSession
) -> None:
    big = body(context={"attributes": {"blob": "x" * 33_000}})
    async with http.post(f"{server.url}/api/escalations", json=big, headers=api_key()) as r:
        data = await problem(r, 413)
    assert "32768" in data["detail"]
    assert await count(server) == 0


@pytest.mark.parametrize(
    "payload, status, field",
    [
        (b"{not json", 400, None),
        (json.dumps(body(modalities=[])).encode(), 422, "modalities"),
        (json.dumps(body(modalities=["hologram"])).encode(), 422, "modalities.0"),
        (json.dumps(body(priority="high")).encode(), 422, "priority"),
        (json.dumps(body(surprise=1)).encode(), 422, "surprise"),
        (json.dumps(body(trigger="agent")).encode(), 422, None),
        (json.dumps(body(language="Spanish!")).encode(), 422, "language"),
        (
            json.dumps(body(context={"bot": {"confidence": 3}})).encode(),
            422,
            "context.bot.confidence",
        ),
    ],
)
async def test_bad_create_bodies_are_problems_and_change_nothing(
    server: RunningServer,
    http: aiohttp.ClientSession,
    payload: bytes,
    status: int,
    field: str | None,
) -> None:
    headers = {**api_key(), "Content-Type": "application/json"}
    async with http.post(f"{server.url}/api/escalations", data=payload, headers=headers) as r:
        data = await problem(r, status)
    if field is not None:
        assert field in [e["field"] for e in data["errors"]]
    assert await count(server) == 0


async def test_ineligible_request_ends_ineligible_with_reason_and_alternative(
    server: RunningServer, http: aiohttp.ClientSession
) -> None:
    async def closed(store: Store, tenant_id: str, request: CreateEscalation) -> Eligibility:
        return Eligibility(ok=False, reason="outside-hours", alternative="callback")

    with warnings.catch_warnings():  # swapping the rules on a running app, as a test may
        warnings.simplefilter("ignore", DeprecationWarning)
        server.app[ELIGIBILITY] = closed
    esc = (await create(http, server))["escalation"]
    assert esc["state"] == "ineligible"
    assert (esc["reason"], esc["alternative"]) == ("outside-hours", "callback")


# idempotency ----------------------------------------------------------------------------
async def test_same_idempotency_key_and_body_replays_the_first_response(
    server: RunningServer, http: aiohttp.ClientSession
) -> None:
    headers = {**api_key(), "Idempotency-Key": "order-1001"}
    first = await create(http, server, body(), headers)
    async with http.post(f"{server.url}/api/escalations", json=body(), headers=headers) as r:
        assert r.status == 201 and r.headers["Idempotent-Replayed"] == "true"
        assert await r.json() == first
    assert await count(server) == 1


async def test_same_idempotency_key_with_another_body_is_422(
    server: RunningServer, http: aiohttp.ClientSession
) -> None:
    headers = {**api_key(), "Idempotency-Key": "order-1002"}
    await create(http, server, body(), headers)
    other = body(priority=5)
    async with http.post(f"{server.url}/api/escalations", json=other, headers=headers) as r:
        await problem(r, 422)
    assert await count(server) == 1


async def test_idempotency_key_still_in_flight_is_409(
    server: RunningServer, http: aiohttp.ClientSession
) -> None:
    from escalation.core.idempotency import body_hash

    payload = body()
    scoped = "demo:api_key:key_demo:escalations:order-1003"
    await server.app[STORE].begin_idempotent(scoped, body_hash(json.dumps(payload).encode()), 60)
    headers = {**api_key(), "Idempotency-Key": "order-1003"}
    async with http.post(f"{server.url}/api/escalations", json=payload, headers=headers) as r:
        await problem(r, 409)
    assert await count(server) == 0


async def test_retry_after_the_node_died_before_answering_gets_the_same_escalation(
    server: RunningServer, http: aiohttp.ClientSession, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The node wrote the escalation, then died before recording the key's response
    (issue #22): a retry gets that escalation (no 409, no second one), and so does a
    retry after the in-flight key ran out."""
    store = server.app[STORE]

    async def died(*_: Any) -> None:
        raise ConnectionError("the node died here")

    monkeypatch.setattr(store, "finish_idempotent", died)
    headers = {**api_key(), "Idempotency-Key": "order-1004"}
    async with http.post(f"{server.url}/api/escalations", json=body(), headers=headers) as r:
        assert r.status == 500  # what the client saw instead of an answer
    monkeypatch.undo()
    [written] = await store.list_escalations("demo", limit=10)
    async with http.post(f"{server.url}/api/escalations", json=body(), headers=headers) as r:
        assert r.status == 201 and r.headers["Idempotent-Replayed"] == "true"
        again = await r.json()
    assert again["escalation"]["id"] == written.id and again["customer"]["token"]
    await store.release_idempotent("demo:api_key:key_demo:escalations:order-1004")  # ran out
    assert (await create(http, server, body(), headers))["escalation"]["id"] == written.id
    assert await count(server) == 1


async def test_failed_request_frees_its_idempotency_key(
    server: RunningServer, http: aiohttp.ClientSession
) -> None:
    headers = {**api_key(), "Idempotency-Key": "k"}
    async with http.post(
        f"{server.url}/api/escalations", json=body(trigger="agent"), headers=headers
    ) as r:
        await problem(r, 422)
    # another body under the same key is accepted, so the key was not kept
    await create(http, server, body(), headers)


# reading --------------------------------------------------------------------------------
async def test_reading_needs_the_right_party(
    server: RunningServer, http: aiohttp.ClientSession
) -> None:
    first = await create(http, server)
    second = await create(http, server)
    esc_id = first["escalation"]["id"]
    other_customer = second["customer"]["token"]
    async with http.get(
        f"{server.url}/api/escalations/{esc_id}", headers=bearer(other_customer)
    ) as r:
        await problem(r, 403)
    async with http.get(f"{server.url}/api/escalations/{esc_id}") as r:
        await problem(r, 401)
    async with http.get(f"{server.url}/api/escalations/esc_nope", headers=api_key()) as r:
        await problem(r, 404)
    agent = await agent_token(http, server, "bruno")
    assert (await get(http, server, esc_id, agent))["declined_by"] == []
    token = first["customer"]["token"]
    async with http.get(f"{server.url}/api/escalations/{esc_id}?token={token}") as r:
        assert r.status == 200


async def test_listing_a_customers_previous_escalations(
    server: RunningServer, http: aiohttp.ClientSession
) -> None:
    a = await create(http, server)
    await create(http, server, body(context={"customer": {"id": "someone-else"}}))
    b = await create(http, server)
    token = await agent_token(http, server, "ana")
    async with http.get(
        f"{server.url}/api/escalations?customer_id=cust-1", headers=bearer(token)
    ) as r:
        found = [e["id"] for e in (await r.json())["escalations"]]
    assert found == [b["escalation"]["id"], a["escalation"]["id"]]
    async with http.get(f"{server.url}/api/escalations?state=bogus", headers=bearer(token)) as r:
        await problem(r, 422)
    async with http.get(f"{server.url}/api/escalations?limit=0", headers=bearer(token)) as r:
        await problem(r, 422)


# agents' actions ------------------------------------------------------------------------
async def accepted(
    http: aiohttp.ClientSession, server: RunningServer, who: str = "ana"
) -> tuple[dict[str, Any], str]:
    """An escalation accepted by ``who``; the created response and the agent's token."""
    token, feed = await console(http, server, who)
    try:
        created = await create(http, server)
        offer = await feed.next("offer")
        assert offer["escalation"]["id"] == created["escalation"]["id"]
        r = await act(http, server, created["escalation"]["id"], "accept", token)
        assert r.status == 200, await r.text()
    finally:
        await feed.close()
    return created, token


async def test_accepting_the_offer_assigns_the_agent_to_the_session(
    server: RunningServer, http: aiohttp.ClientSession
) -> None:
    created, token = await accepted(http, server)
    esc = await get(http, server, created["escalation"]["id"], token)
    assert esc["state"] == "accepted" and esc["agent_id"] == "ag_ana"
    assert esc["timestamps"]["accepted"] >= esc["timestamps"]["offered"]
    session = await server.app[STORE].get_session(esc["session_id"])
    assert session is not None and session.agent_ids == ["ag_ana"]
    types = await event_types(http, server, esc["id"], token)
    assert types == ["requested", "queued", "offered", "accepted"]


async def test_illegal_actions_are_409_and_change_nothing(
    server: RunningServer, http: aiohttp.ClientSession
) -> None:
    created, ana = await accepted(http, server)
    esc_id = created["escalation"]["id"]
    before = await events(http, server, esc_id, ana)
    for action in ("accept", "decline", "complete"):
        await problem(await act(http, server, esc_id, action, ana), 409)
    bruno = await agent_token(http, server, "bruno")
    await problem(await act(http, server, esc_id, "accept", bruno), 409)
    assert await events(http, server, esc_id, ana) == before


async def test_actions_check_who_is_asking(
    server: RunningServer, http: aiohttp.ClientSession
) -> None:
    created, _ = await accepted(http, server)
    esc_id = created["escalation"]["id"]
    bruno = await agent_token(http, server, "bruno")
    await problem(await act(http, server, esc_id, "wrap_up", bruno), 403)
    await problem(await act(http, server, esc_id, "accept", created["customer"]["token"]), 403)
    await problem(await act(http, server, "esc_missing", "accept", bruno), 404)
    await problem(await act(http, server, esc_id, "upgrade", bruno, {"modalities": []}), 422)


async def test_wrap_up_then_complete_frees_the_agent(
    server: RunningServer, http: aiohttp.ClientSession
) -> None:
    created, ana = await accepted(http, server)
    esc_id = created["escalation"]["id"]
    r = await act(
        http, server, esc_id, "wrap_up", ana, {"notes": "paid by card", "disposition": "solved"}
    )
    assert r.status == 200 and (await r.json())["wrap_up"]["disposition"] == "solved"
    r = await act(http, server, esc_id, "complete", ana)
    assert r.status == 200 and (await r.json())["state"] == "completed"
    load = (await server.app[STORE].get_agent_loads(["ag_ana"]))["ag_ana"]
    assert load.total == 0 and load.idle_since is not None
    session = await server.app[STORE].get_session(created["escalation"]["session_id"])
    assert session is not None and session.ended_at is not None


async def test_a_session_changed_elsewhere_survives_the_next_step_of_its_escalation(
    server: RunningServer, http: aiohttp.ClientSession
) -> None:
    """The node keeps the session it last wrote to decide the next change without a
    read; a change made meanwhile by another writer (another node, the call's own end)
    is not overwritten: the stale copy's write is refused and decided again on a read."""
    created, ana = await accepted(http, server)
    esc_id, session_id = created["escalation"]["id"], created["escalation"]["session_id"]
    store = server.app[STORE]
    session = await store.get_session(session_id)
    assert session is not None and session.agent_ids == ["ag_ana"]
    await store.update_session(session.model_copy(update={"agent_ids": ["ag_ana", "ag_bruno"]}))
    assert (await act(http, server, esc_id, "wrap_up", ana, {"disposition": "solved"})).ok
    r = await act(http, server, esc_id, "complete", ana)
    assert r.status == 200, await r.text()
    ended = await store.get_session(session_id)
    assert ended is not None and ended.ended_at is not None
    assert ended.agent_ids == ["ag_ana", "ag_bruno"]  # not the copy's ["ag_ana"]


async def test_upgrade_adds_modalities_in_the_same_session(
    server: RunningServer, http: aiohttp.ClientSession
) -> None:
    created, ana = await accepted(http, server)
    esc_id = created["escalation"]["id"]
    r = await act(
        http, server, esc_id, "upgrade", ana, {"modalities": ["cobrowse"], "trigger": "customer"}
    )
    assert r.status == 200, await r.text()
    esc = await r.json()
    assert esc["modalities"] == ["video", "cobrowse"]
    assert esc["session_id"] == created["escalation"]["session_id"]
    upgraded = (await events(http, server, esc_id, ana))[-1]
    assert upgraded["type"] == "upgraded"
    assert upgraded["data"] == {
        "added": ["cobrowse"],
        "modalities": ["video", "cobrowse"],
        "trigger": "customer",
        "by": "ag_ana",
    }
    load = (await server.app[STORE].get_agent_loads(["ag_ana"]))["ag_ana"]
    assert load.load == {"video": 1, "cobrowse": 1}
    again = await act(http, server, esc_id, "upgrade", ana, {"modalities": ["cobrowse"]})
    await problem(again, 409)


async def test_transfer_to_queue_keeps_context_and_note_then_routes_to_another_agent(
    server: RunningServer, http: aiohttp.ClientSession
) -> None:
    created, ana = await accepted(http, server)
    esc_id = created["escalation"]["id"]
    _, bruno = await console(http, server, "bruno")
    try:
        r = await act(
            http, server, esc_id, "transfer", ana, {"to_queue": True, "note": "needs Portuguese"}
        )
        assert r.status == 200, await r.text()
        offer = await bruno.next("offer")
        assert offer["escalation"]["id"] == esc_id
        assert offer["escalation"]["context"]["cart"]["total"] == 59.9
        assert offer["escalation"]["notes"][0]["text"] == "needs Portuguese"
    finally:
        await bruno.close()
    types = await event_types(http, server, esc_id, ana)
    assert types[-3:] == ["transferred", "queued", "offered"]
    session = await server.app[STORE].get_session(created["escalation"]["session_id"])
    assert session is not None and session.agent_ids == []


async def test_transfer_to_a_named_agent_offers_it_to_them(
    server: RunningServer, http: aiohttp.ClientSession
) -> None:
    created, ana = await accepted(http, server)
    esc_id = created["escalation"]["id"]
    carla_token, carla = await console(http, server, "carla")
    try:
        r = await act(
            http, server, esc_id, "transfer", ana, {"to_agent_id": "ag_carla", "note": "billing"}
        )
        assert r.status == 200, await r.text()
        assert (await carla.next("offer"))["escalation"]["id"] == esc_id
        r = await act(http, server, esc_id, "accept", carla_token)
        assert r.status == 200 and (await r.json())["agent_id"] == "ag_carla"
    finally:
        await carla.close()
    bad = await act(http, server, esc_id, "transfer", carla_token, {"note": "x"})
    await problem(bad, 422)
    nobody = {"to_agent_id": "ag_ghost", "note": "x"}
    await problem(await act(http, server, esc_id, "transfer", carla_token, nobody), 422)


async def test_invites_for_participants_can_be_exchanged_once(
    server: RunningServer, http: aiohttp.ClientSession
) -> None:
    created, ana = await accepted(http, server)
    esc_id = created["escalation"]["id"]
    r = await act(http, server, esc_id, "invites", ana, {"role": "participant"})
    assert r.status == 201, await r.text()
    invite = await r.json()
    assert invite["role"] == "participant" and len(invite["short_code"]) == 6
    async with http.post(
        f"{server.url}/api/join", json={"short_code": invite["short_code"]}
    ) as joined:
        assert joined.status == 200
        assert (await joined.json())["session_id"] == created["escalation"]["session_id"]
    await problem(await act(http, server, esc_id, "invites", ana, {"role": "boss"}), 422)
    bruno = await agent_token(http, server, "bruno")
    await problem(await act(http, server, esc_id, "invites", bruno, {"role": "observer"}), 403)


async def test_agent_ad_hoc_session_starts_accepted_with_a_customer_invite(
    server: RunningServer, http: aiohttp.ClientSession
) -> None:
    ana = await agent_token(http, server, "ana")
    payload = {"modalities": ["video", "screen"], "context": {"customer": {"name": "Pedro"}}}
    async with http.post(f"{server.url}/api/sessions", json=payload, headers=bearer(ana)) as r:
        assert r.status == 201, await r.text()
        data = await r.json()
    esc = data["escalation"]
    assert (esc["state"], esc["trigger"], esc["agent_id"]) == ("accepted", "agent", "ag_ana")
    assert data["invite"]["join_url"].startswith(server.url + "/join?invite=")
    session = await server.app[STORE].get_session(esc["session_id"])
    assert session is not None and session.agent_ids == ["ag_ana"]
    # video and screen share one video unit, which is now full: refused, nothing written
    store = server.app[STORE]
    assert isinstance(store, SqliteStore)
    sessions = store.db.execute("SELECT count(*) FROM sessions").fetchone()
    async with http.post(f"{server.url}/api/sessions", json=payload, headers=bearer(ana)) as r:
        await problem(r, 409)
    assert store.db.execute("SELECT count(*) FROM sessions").fetchone() == sessions
    async with http.post(f"{server.url}/api/sessions", json=payload, headers=api_key()) as r:
        await problem(r, 403)


async def test_media_connected_moves_to_in_session_and_records_time_to_media(
    server: RunningServer, http: aiohttp.ClientSession
) -> None:
    created, ana = await accepted(http, server)
    esc_id = created["escalation"]["id"]
    customer = created["customer"]["token"]
    r = await act(http, server, esc_id, "media-connected", customer, {"ms": 850})
    assert r.status == 200, await r.text()
    assert (await r.json())["state"] == "in_session"
    fact, entered = (await events(http, server, esc_id, ana))[-2:]
    assert fact["type"] == "media_connected" and fact["data"]["ms"] == 850
    assert fact["data"]["since_accept_ms"] >= 0
    assert entered["type"] == "in_session"


async def test_session_facts_reported_by_other_packages_become_escalation_events(
    server: RunningServer, http: aiohttp.ClientSession
) -> None:
    from server.platform.keys import SESSION_EVENTS

    created, ana = await accepted(http, server)
    esc = created["escalation"]
    await server.app[SESSION_EVENTS].record(
        esc["session_id"], "recording_started", "agent:ag_ana", {"file": "r1.webm"}
    )
    last = (await events(http, server, esc["id"], ana))[-1]
    assert (last["type"], last["actor"], last["data"]) == (
        "recording_started",
        "agent:ag_ana",
        {"file": "r1.webm"},
    )


# the customer leaving -------------------------------------------------------------------
async def test_customer_cancel_withdraws_the_offer(
    server: RunningServer, http: aiohttp.ClientSession
) -> None:
    _, feed = await console(http, server, "ana")
    try:
        created = await create(http, server)
        esc_id = created["escalation"]["id"]
        await feed.next("offer")
        customer = created["customer"]["token"]
        r = await act(http, server, esc_id, "cancel", customer, {"reason": "solved it myself"})
        assert r.status == 200 and (await r.json())["state"] == "cancelled"
        assert await feed.next("offer-withdrawn") == {
            "escalation_id": esc_id,
            "reason": "cancelled",
        }
    finally:
        await feed.close()
    await problem(await act(http, server, esc_id, "cancel", customer), 409)
    load = (await server.app[STORE].get_agent_loads(["ag_ana"]))["ag_ana"]
    assert load.total == 0


async def test_leaving_the_page_abandons_by_beacon_with_token_in_the_query(
    server: RunningServer, http: aiohttp.ClientSession
) -> None:
    created = await create(http, server)
    esc_id, token = created["escalation"]["id"], created["customer"]["token"]
    async with http.post(
        f"{server.url}/api/escalations/{esc_id}/abandon?token={token}",
        data=b"bye",
        headers={"Content-Type": "text/plain"},
    ) as r:
        assert r.status == 200 and (await r.json())["state"] == "abandoned"
    async with http.post(f"{server.url}/api/escalations/{esc_id}/abandon?token={token}") as r:
        await problem(r, 409)
    ana = await agent_token(http, server, "ana")
    async with http.post(
        f"{server.url}/api/escalations/{esc_id}/abandon", headers=bearer(ana)
    ) as r:
        await problem(r, 403)
