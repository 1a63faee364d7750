"""Who is asked first: the pure ranking behind routing."""

from __future__ import annotations

from datetime import timedelta

from escalation.routing import can_take, rank_candidates
from store.escalation_models import AgentLoad, Escalation
from store.models import Agent, utcnow

NOW = utcnow()


def agent(agent_id: str, **fields: object) -> Agent:
    values: dict[str, object] = {
        "id": agent_id,
        "tenant_id": "t1",
        "email": f"{agent_id}@x.test",
        "name": agent_id,
        "password_hash": "-",
        "presence": "available",
        "languages": ["es"],
        "skills": ["support"],
    }
    values.update(fields)
    return Agent.model_validate(values)


def escalation(**fields: object) -> Escalation:
    values: dict[str, object] = {
        "id": "e1",
        "tenant_id": "t1",
        "channel": "web",
        "trigger": "customer",
        "modalities": ["video"],
        "session_id": "s1",
        "state": "queued",
    }
    values.update(fields)
    return Escalation.model_validate(values)


def idle(agent_id: str, seconds_ago: float, **load: int) -> AgentLoad:
    since = None if load else NOW - timedelta(seconds=seconds_ago)
    return AgentLoad(agent_id=agent_id, load=load, idle_since=since)


def test_longest_idle_first_and_busy_agents_after_idle_ones() -> None:
    agents = [agent("a"), agent("b"), agent("c", capacity={"video": 2})]
    loads = {"a": idle("a", 5), "b": idle("b", 50), "c": idle("c", 0, video=1)}
    assert [a.id for a in rank_candidates(agents, loads, escalation())] == ["b", "a", "c"]


def test_agents_who_missed_this_offer_come_last() -> None:
    agents = [agent("a"), agent("b")]
    loads = {"a": idle("a", 50), "b": idle("b", 5)}
    ranked = rank_candidates(agents, loads, escalation(missed_by=["a"]))
    assert [a.id for a in ranked] == ["b", "a"]


def test_who_cannot_take_it() -> None:
    esc = escalation(skills=["billing"], language="pt", declined_by=["d"])
    empty = AgentLoad(agent_id="x")
    fit = agent("x", skills=["billing"], languages=["pt"])
    assert can_take(fit, esc, empty)
    assert not can_take(fit.model_copy(update={"presence": "away"}), esc, empty)
    assert not can_take(agent("x", skills=["billing"]), esc, empty)  # no Portuguese
    assert not can_take(agent("x", languages=["pt"]), esc, empty)  # no billing skill
    assert can_take(
        agent("x", languages=["pt"]), esc.model_copy(update={"skills_relaxed": True}), empty
    )
    assert not can_take(agent("d", skills=["billing"], languages=["pt"]), esc, empty)
    full = AgentLoad(agent_id="x", load={"video": 1})
    assert not can_take(fit, esc, full)
    assert can_take(fit, esc.model_copy(update={"modalities": ["cobrowse"]}), full)
    assert not can_take(fit, esc.model_copy(update={"modalities": ["screen"]}), full)
