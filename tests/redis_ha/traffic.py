"""Load for the Redis availability tests, and the ledger of what the server
acknowledged, checked against the store afterwards."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import secrets
import time
from collections import Counter
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import Any, get_args

import aiohttp

from escalation.core.states import HELD
from store.escalation_models import State
from store.redis import RedisStore
from tests.redis_ha.topology import CoviewNode
from tests.support.api import PROBLEM_JSON, bearer
from tests.support.escalations import API_KEY, EMAILS, body
from tests.support.sio import SioPeer

TENANT = "demo"
STATES: tuple[State, ...] = get_args(State)  # every state, from the model itself


@dataclass
class Answer:
    """One request's outcome, as the client saw it."""

    status: int
    elapsed_s: float
    content_type: str = ""
    retry_after: str | None = None


class Gate:
    """Lets the test pause the load and wait until no request is in flight."""

    def __init__(self) -> None:
        self._open = asyncio.Event()
        self._open.set()
        self._in_flight = 0
        self._idle = asyncio.Event()
        self._idle.set()

    @contextlib.asynccontextmanager
    async def passage(self) -> AsyncIterator[None]:
        await self._open.wait()
        self._in_flight += 1
        self._idle.clear()
        try:
            yield
        finally:
            self._in_flight -= 1
            if self._in_flight == 0:
                self._idle.set()

    async def close(self) -> None:
        """No new requests; returns once the ones in flight have their answers."""
        self._open.clear()
        await self._idle.wait()

    def open(self) -> None:
        self._open.set()


@dataclass
class Ledger:
    created: dict[str, str] = field(default_factory=dict)  # id -> node URL, on a 201
    accepted: dict[str, str] = field(default_factory=dict)  # id -> agent, on a 200
    completed: set[str] = field(default_factory=set)  # on a 200
    answers: list[Answer] = field(default_factory=list)
    gate: Gate = field(default_factory=Gate)
    changed: asyncio.Event = field(default_factory=asyncio.Event)

    def failures(self) -> list[Answer]:
        return [a for a in self.answers if a.status >= 400]

    def complete(self, esc_id: str) -> None:
        self.completed.add(esc_id)
        self.changed.set()

    def answered(self, answer: Answer) -> None:
        self.answers.append(answer)
        self.changed.set()

    async def until(
        self, condition: Callable[[Ledger], bool], what: str, timeout_s: float = 15.0
    ) -> None:
        """Until ``condition(self)`` holds, re-checked on every answer and completion."""
        try:
            async with asyncio.timeout(timeout_s):
                while not condition(self):
                    self.changed.clear()
                    await self.changed.wait()
        except TimeoutError:
            raise AssertionError(f"not within {timeout_s} s: {what}") from None

    async def until_completed(self, count: int) -> None:
        await self.until(lambda x: len(x.completed) >= count, f"{count} escalations completed")


async def _post(
    http: aiohttp.ClientSession,
    url: str,
    ledger: Ledger,
    payload: dict[str, Any],
    headers: dict[str, str],
) -> tuple[Answer, dict[str, Any]]:
    async with ledger.gate.passage():
        started = time.monotonic()
        try:
            async with http.post(url, json=payload, headers=headers) as r:
                data = await r.json(content_type=None) if r.content_length != 0 else {}
                answer = Answer(
                    r.status,
                    time.monotonic() - started,
                    r.content_type,
                    r.headers.get("Retry-After"),
                )
        except aiohttp.ClientError:  # nodes never drop requests in these tests: count it
            answer, data = Answer(599, time.monotonic() - started), {}
        ledger.answered(answer)
    return answer, data if isinstance(data, dict) else {}


async def create_once(
    http: aiohttp.ClientSession, node: CoviewNode, ledger: Ledger, **fields: Any
) -> tuple[Answer, dict[str, Any]]:
    headers = {**bearer(API_KEY), "Idempotency-Key": secrets.token_hex(8)}
    answer, data = await _post(http, f"{node.url}/api/escalations", ledger, body(**fields), headers)
    if answer.status == 201:
        ledger.created[data["escalation"]["id"]] = node.url
    return answer, data


async def create_steadily(
    http: aiohttp.ClientSession,
    nodes: list[CoviewNode],
    ledger: Ledger,
    stop: asyncio.Event,
    per_second: float,
) -> None:
    """Creates through the nodes in turn at a steady rate until ``stop``."""
    for node in itertools.cycle(nodes):
        if stop.is_set():
            return
        await create_once(http, node, ledger)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), 1 / per_second)


async def act(
    http: aiohttp.ClientSession,
    node: CoviewNode,
    ledger: Ledger,
    esc_id: str,
    action: str,
    token: str,
) -> Answer:
    url = f"{node.url}/api/escalations/{esc_id}/{action}"
    answer, _ = await _post(http, url, ledger, {}, bearer(token))
    return answer


async def agent_worker(
    http: aiohttp.ClientSession,
    nodes: list[CoviewNode],
    who: str,
    token: str,
    feed: SioPeer,
    ledger: Ledger,
) -> None:
    """Takes every offer its feed brings: accept, wrap up, complete, each through the
    next node. An answer of 503 is retried after its Retry-After (the client's job); a
    409 means the offer moved on (expired while Redis was away): the worker lets go."""
    turn = itertools.cycle(nodes)
    while True:
        offer = await feed.next("offer", wait_s=3600)
        esc_id = offer["escalation"]["id"]
        for action in ("accept", "wrap_up", "complete"):
            answer = await act(http, next(turn), ledger, esc_id, action, token)
            while answer.status == 503:
                await asyncio.sleep(float(answer.retry_after or 1))
                answer = await act(http, next(turn), ledger, esc_id, action, token)
            if answer.status != 200:
                break
            if action == "accept":
                ledger.accepted[esc_id] = who
            elif action == "complete":
                ledger.complete(esc_id)


async def login(http: aiohttp.ClientSession, node: CoviewNode, who: str) -> str:
    async with http.post(
        f"{node.url}/api/auth/login", json={"email": EMAILS[who], "password": "coview-demo"}
    ) as r:
        assert r.status == 200, await r.text()
        token: str = (await r.json())["access_token"]
        return token


async def set_presence(
    http: aiohttp.ClientSession, node: CoviewNode, token: str, status: str
) -> None:
    async with http.put(
        f"{node.url}/api/agents/me/presence", json={"status": status}, headers=bearer(token)
    ) as r:
        assert r.status == 200, await r.text()


async def outage_probe(http: aiohttp.ClientSession, node: CoviewNode, ledger: Ledger) -> Answer:
    """A create during an outage: the answer, for the caller to check."""
    answer, data = await create_once(http, node, ledger)
    if answer.status == 503:
        assert answer.content_type == PROBLEM_JSON, answer
        assert data["status"] == 503 and data["type"].endswith("/unavailable"), data
        assert answer.retry_after is not None and int(answer.retry_after) >= 1, answer
    return answer


async def assert_ledger_in_store(store: RedisStore, ledger: Ledger) -> None:
    """Every acknowledged write is there, each escalation in exactly one state (its
    record's, indexed once), its events numbered 1..seq without gaps or repeats, never
    accepted twice, and no agent holding more than its capacity."""
    by_state: dict[str, set[str]] = {}
    for state in STATES:
        found = await store.list_escalations(TENANT, states=[state], limit=100_000)
        by_state[state] = {e.id for e in found}
    index_count = Counter(i for ids in by_state.values() for i in ids)
    held = Counter[str]()
    for esc_id in ledger.created:
        esc = await store.get_escalation(esc_id)
        assert esc is not None, f"acknowledged escalation {esc_id} is lost"
        assert index_count[esc_id] == 1 and esc_id in by_state[esc.state], (
            esc_id,
            esc.state,
            [s for s, ids in by_state.items() if esc_id in ids],
        )
        events = await store.list_events(esc_id)
        assert [e.seq for e in events] == list(range(1, esc.seq + 1)), (esc_id, events)
        accepts = [e for e in events if e.type == "accepted"]
        assert len(accepts) <= 1, (esc_id, accepts)
        if esc_id in ledger.accepted:
            assert len(accepts) == 1, f"acknowledged accept of {esc_id} is lost"
        if esc_id in ledger.completed:
            assert esc.state == "completed", (esc_id, esc.state)
        if esc.state in HELD and esc.agent_id is not None:
            held[esc.agent_id] += 1
    assert all(n <= 1 for n in held.values()), held  # video capacity is 1 per agent
