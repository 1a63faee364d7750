"""KPIs computed from synthetic escalation event streams (pure, no server)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from escalation.kpis.metrics import Stream, compute, select
from store.engagement_models import CsatAnswer
from store.escalation_models import EscalationEvent

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def stream(
    esc_id: str,
    steps: list[tuple[str, float] | tuple[str, float, dict[str, Any]]],
    trigger: str = "customer",
    modalities: tuple[str, ...] = ("video",),
    start: datetime = T0,
    skills: tuple[str, ...] = (),
) -> Stream:
    events = [
        EscalationEvent(
            id=f"{esc_id}-{i}",
            escalation_id=esc_id,
            seq=i + 1,
            type=step[0],
            at=start + timedelta(seconds=step[1]),
            actor="test",
            data=step[2] if len(step) == 3 else {},
        )
        for i, step in enumerate(steps)
    ]
    return Stream(esc_id, trigger, modalities, events, skills)


def answered(
    esc_id: str, wait: float, handle: float, media: float, agent: str = "ag_1", **kw: Any
) -> Stream:
    return stream(
        esc_id,
        [
            ("requested", 0),
            ("queued", 0),
            ("offered", wait / 2, {"agent_id": agent}),
            ("accepted", wait, {"agent_id": agent}),
            ("media_connected", wait + media),
            ("in_session", wait + media),
            ("wrap_up", wait + handle - 10),
            ("completed", wait + handle),
        ],
        **kw,
    )


def sample() -> list[Stream]:
    return [
        answered("e1", wait=10, handle=300, media=2, trigger="bot"),
        answered("e2", wait=30, handle=500, media=4, agent="ag_2", modalities=("cobrowse", "chat")),
        stream("e3", [("requested", 0), ("queued", 0), ("abandoned", 45)]),
        stream("e4", [("requested", 0), ("queued", 0), ("expired", 600)], trigger="bot"),
        stream("e5", [("requested", 0), ("ineligible", 0)], trigger="bot"),
        stream(
            "e6",
            [
                ("requested", 0, {"trigger": "agent"}),
                ("accepted", 0, {"agent_id": "ag_1"}),
                ("upgraded", 20, {"trigger": "agent", "added": ["video"]}),
                ("upgraded", 40, {"trigger": "customer", "added": ["cobrowse"]}),
                ("completed", 100),
            ],
            trigger="agent",
            modalities=("chat",),
        ),
    ]


def test_offered_answered_and_abandonment() -> None:
    kpis = compute(sample(), [], service_level_s=20)
    # e5 never reached the queue; e6 was taken directly by its agent.
    assert (kpis["escalations"], kpis["offered"], kpis["answered"]) == (6, 5, 3)
    assert (kpis["abandoned"], kpis["expired"]) == (1, 1)
    assert kpis["abandonment_rate"] == 0.2


def test_speed_of_answer_and_service_level() -> None:
    kpis = compute(sample(), [], service_level_s=20)
    # waits: 10, 30 and 0 (e6 from requested to accepted)
    assert kpis["average_speed_of_answer_s"] == round((10 + 30 + 0) / 3, 3)
    assert kpis["service_level"] == 0.4  # 2 of 5 offered answered within 20 s
    assert compute(sample(), [], service_level_s=30)["service_level"] == 0.6


def test_handle_time_and_accept_to_media() -> None:
    kpis = compute(sample(), [], service_level_s=20)
    assert kpis["average_handle_time_s"] == round((300 + 500 + 100) / 3, 3)
    media = kpis["accept_to_media_s"]
    assert (media["count"], media["average"]) == (2, 3.0)


def test_csat_average_and_distribution_count_only_selected_escalations() -> None:
    answers = [
        CsatAnswer(escalation_id="e1", tenant_id="t", score=5),
        CsatAnswer(escalation_id="e2", tenant_id="t", score=3),
        CsatAnswer(escalation_id="elsewhere", tenant_id="t", score=1),
    ]
    csat = compute(sample(), answers, service_level_s=20)["csat"]
    assert csat == {
        "count": 2,
        "average": 4.0,
        "distribution": {"1": 0, "2": 0, "3": 1, "4": 0, "5": 1},
    }


def test_escalations_by_trigger_and_modality_and_upgrade_rate() -> None:
    kpis = compute(sample(), [], service_level_s=20)
    assert kpis["by_trigger"] == {"bot": 3, "customer": 2, "agent": 1, "proactive": 0}
    assert kpis["by_modality"] == {"chat": 2, "video": 4, "screen": 0, "cobrowse": 1}
    assert kpis["upgrades"]["count"] == 2  # two upgrade events, on one escalation of six
    assert kpis["upgrades"]["rate"] == pytest.approx(1 / 6, abs=0.001)
    assert kpis["upgrades"]["by_trigger"] == {"bot": 0, "customer": 1, "agent": 1, "proactive": 0}
    assert kpis["upgrades"]["rate_by_trigger"] == {
        "bot": 0.0,
        "customer": 0.0,
        "agent": 1.0,
        "proactive": None,
    }


def test_empty_window_has_no_rates() -> None:
    kpis = compute([], [], service_level_s=20)
    assert kpis["offered"] == 0
    assert kpis["abandonment_rate"] is None and kpis["average_handle_time_s"] is None
    assert kpis["csat"]["average"] is None


def test_window_queue_and_agent_filters() -> None:
    streams = [
        *sample(),
        answered("late", 5, 60, 1, start=T0 + timedelta(days=1), skills=("billing",)),
    ]
    day = select(streams, T0, T0 + timedelta(hours=1))
    assert "late" not in {s.escalation_id for s in day} and len(day) == 6
    billing = select(streams, T0, T0 + timedelta(days=2), queue="billing")
    assert [s.escalation_id for s in billing] == ["late"]
    by_agent = select(streams, T0, T0 + timedelta(days=2), agent="ag_2")
    assert [s.escalation_id for s in by_agent] == ["e2"]
