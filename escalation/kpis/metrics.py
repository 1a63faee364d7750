"""Contact-centre KPIs computed from escalation event streams (pure).

An escalation counts in a window when its first event falls inside it. Definitions:
- offered: reached the queue (``queued``) or was taken directly (``accepted`` first);
- answered: offered and ``accepted``; abandoned: ended ``abandoned`` (customer left);
- speed of answer: first ``queued`` → first ``accepted``; service level: answered
  within N s / offered; handle time: first ``accepted`` → ``completed`` (incl. wrap-up);
- upgrade rate: escalations with an ``upgraded`` event / escalations (and the same per
  trigger); upgrade counts are ``upgraded`` events, by who asked for them;
- accept → media: first ``accepted`` → ``media_connected``;
- expert-assisted: escalations with an ``expert_joined`` event; expert time: per
  escalation, the sum of each expert's ``expert_joined`` → ``expert_left`` (an expert
  still there counts until the escalation's last event).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from statistics import fmean, quantiles
from typing import Any

from store.engagement_models import CsatAnswer
from store.escalation_models import EscalationEvent

TRIGGERS = ("bot", "customer", "agent", "proactive")
MODALITIES = ("chat", "video", "screen", "cobrowse")


@dataclass(frozen=True)
class Stream:
    """One escalation's events (in seq order) and what the filters need."""

    escalation_id: str
    trigger: str
    modalities: Sequence[str]
    events: Sequence[EscalationEvent]
    skills: Sequence[str] = ()
    agent_id: str | None = None

    def first(self, event_type: str) -> EscalationEvent | None:
        return next((e for e in self.events if e.type == event_type), None)

    @property
    def started_at(self) -> datetime | None:
        return self.events[0].at if self.events else None

    @property
    def answered_by(self) -> str | None:
        accepted = self.first("accepted")
        if accepted is not None and accepted.data.get("agent_id"):
            return str(accepted.data["agent_id"])
        return self.agent_id


def _seconds(start: EscalationEvent | None, end: EscalationEvent | None) -> float | None:
    if start is None or end is None:
        return None
    return max(0.0, (end.at - start.at).total_seconds())


def expert_seconds(events: Sequence[EscalationEvent]) -> float:
    """Time experts spent in the call, summed over experts (issue #25)."""
    joined: dict[str, datetime] = {}
    total = 0.0
    for e in events:
        if e.type == "expert_joined":
            joined.setdefault(e.actor, e.at)
        elif e.type == "expert_left" and e.actor in joined:
            total += max(0.0, (e.at - joined.pop(e.actor)).total_seconds())
    if events:
        total += sum(max(0.0, (events[-1].at - at).total_seconds()) for at in joined.values())
    return total


def _ratio(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def _summary(values: list[float]) -> dict[str, Any]:
    if not values:
        return {"count": 0, "average": None, "p50": None, "p90": None}
    cuts = quantiles(values, n=10, method="inclusive") if len(values) > 1 else values * 9
    return {
        "count": len(values),
        "average": round(fmean(values), 3),
        "p50": round(cuts[4], 3),
        "p90": round(cuts[8], 3),
    }


def select(
    streams: Iterable[Stream],
    since: datetime,
    until: datetime,
    queue: str | None = None,
    agent: str | None = None,
) -> list[Stream]:
    """The streams a window and the queue/agent filters keep."""
    return [
        s
        for s in streams
        if s.started_at is not None
        and since <= s.started_at < until
        and (queue is None or queue in s.skills)
        and (agent is None or s.answered_by == agent)
    ]


def compute(
    streams: Sequence[Stream], csat: Sequence[CsatAnswer], service_level_s: float
) -> dict[str, Any]:
    """KPIs over already selected streams; CSAT answers of other escalations are ignored."""
    offered = [s for s in streams if s.first("queued") or s.first("accepted")]
    answered = [s for s in offered if s.first("accepted")]
    abandoned = [s for s in offered if s.first("abandoned")]
    expired = [s for s in offered if s.first("expired")]
    speeds = [
        t
        for s in answered
        if (t := _seconds(s.first("queued") or s.first("requested"), s.first("accepted")))
        is not None
    ]
    within = sum(1 for t in speeds if t <= service_level_s)
    handle = [
        t
        for s in answered
        if (t := _seconds(s.first("accepted"), s.first("completed"))) is not None
    ]
    to_media = [
        t
        for s in answered
        if (t := _seconds(s.first("accepted"), s.first("media_connected"))) is not None
    ]
    assisted = [s for s in streams if s.first("expert_joined")]
    ids = {s.escalation_id for s in streams}
    scores = [a.score for a in csat if a.escalation_id in ids]
    by_trigger = Counter(s.trigger for s in streams)
    upgraded = Counter(s.trigger for s in streams if s.first("upgraded"))
    upgrade_events = Counter(
        str(e.data.get("trigger", "agent"))
        for s in streams
        for e in s.events
        if e.type == "upgraded"
    )
    by_modality = Counter(m for s in streams for m in set(s.modalities))
    return {
        "escalations": len(streams),
        "offered": len(offered),
        "answered": len(answered),
        "abandoned": len(abandoned),
        "expired": len(expired),
        "abandonment_rate": _ratio(len(abandoned), len(offered)),
        "average_speed_of_answer_s": round(fmean(speeds), 3) if speeds else None,
        "service_level": _ratio(within, len(offered)),
        "service_level_threshold_s": service_level_s,
        "average_handle_time_s": round(fmean(handle), 3) if handle else None,
        "csat": {
            "count": len(scores),
            "average": round(fmean(scores), 3) if scores else None,
            "distribution": {str(n): scores.count(n) for n in range(1, 6)},
        },
        "by_trigger": {t: by_trigger.get(t, 0) for t in TRIGGERS},
        "by_modality": {m: by_modality.get(m, 0) for m in MODALITIES},
        "upgrades": {
            "count": sum(upgrade_events.values()),
            # escalations upgraded at least once (a call that adds video, then
            # co-browsing, is one upgraded escalation with two upgrade events)
            "rate": _ratio(sum(upgraded.values()), len(streams)),
            "by_trigger": {t: upgrade_events.get(t, 0) for t in TRIGGERS},
            "rate_by_trigger": {
                t: _ratio(upgraded.get(t, 0), by_trigger.get(t, 0)) for t in TRIGGERS
            },
        },
        "accept_to_media_s": _summary(to_media),
        "experts": {
            "assisted": len(assisted),
            "rate": _ratio(len(assisted), len(streams)),
            "time_s": _summary([expert_seconds(s.events) for s in assisted]),
        },
    }
