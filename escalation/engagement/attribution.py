"""Assisted conversion (pure, but for ``attribute``'s reads): which purchases visual help
earned, and the figures built on them.

A purchase is **assisted** when the same browser (the widget's visitor id) or the same
verified customer had a session an agent accepted within the tenant's attribution window
before it (default 24 h); else **invited** when that browser was shown an invitation in
the window and dismissed or ignored it; else **unassisted**. Conversion compares
sessions helped in the period against the not-helped visitors the widget saw in the
same pages (checkout steps and invitations) in the same period.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from typing import Any

from escalation.kpis.metrics import TRIGGERS
from escalation.routing.staffing import handle_time_s
from store.base import Store
from store.conversion_models import Purchase, VisitorEvent
from store.escalation_models import Escalation

MODALITY_GROUPS = ("chat", "video", "cobrowse")
AGENT_INVITATION = "Agent invitation"  # the rule id of invitations an agent sent
CANDIDATES = 5_000  # newest escalations read when attributing one purchase


def modality_of(modalities: Iterable[str]) -> str:
    """The richest help a session gave: co-browse, then video (or screen), then chat."""
    found = set(modalities)
    if "cobrowse" in found:
        return "cobrowse"
    if found & {"video", "screen"}:
        return "video"
    return "chat"


def helped_between(e: Escalation, since: datetime, until: datetime) -> bool:
    """An agent accepted it before ``until`` and it was live after ``since``."""
    accepted = e.timestamps.get("accepted")
    if accepted is None or accepted > until:
        return False
    end = e.timestamps.get("completed") or e.timestamps.get("wrap_up") or until
    return end >= since


def visitor_of(e: Escalation) -> str | None:
    value = e.context.attributes.get("visitor_id")
    return value if isinstance(value, str) else None


def choose_attribution(
    purchase: Purchase,
    escalations: Iterable[Escalation],
    events: Iterable[VisitorEvent],
    window: timedelta,
) -> Purchase:
    since = purchase.at - window
    mine = [
        e
        for e in escalations
        if (
            visitor_of(e) == purchase.visitor_id
            or (purchase.customer_id is not None and e.customer_id == purchase.customer_id)
        )
        and helped_between(e, since, purchase.at)
    ]
    if mine:
        e = max(mine, key=lambda x: x.timestamps["accepted"])
        rule = e.context.attributes.get("proactive_rule")
        return purchase.model_copy(
            update={
                "attribution": "assisted",
                "escalation_id": e.id,
                "agent_id": e.agent_id,
                "trigger": e.trigger,
                "modality": modality_of(e.modalities),
                "rule_id": rule if isinstance(rule, str) else None,
            }
        )
    seen = [
        v for v in events if v.visitor_id == purchase.visitor_id and since <= v.at <= purchase.at
    ]
    kinds = {v.kind for v in seen}
    if "invitation_shown" in kinds:
        shown = next(v for v in reversed(seen) if v.kind == "invitation_shown")
        outcome = "dismissed" if "invitation_dismissed" in kinds else "ignored"
        return purchase.model_copy(
            update={
                "attribution": "invited",
                "invitation_outcome": outcome,
                "rule_id": shown.rule_id,
            }
        )
    return purchase


async def attribute(store: Store, purchase: Purchase, window: timedelta) -> Purchase:
    """``purchase`` with its attribution, from the store's escalations and events."""
    tenant = purchase.tenant_id
    escalations = await store.list_escalations(tenant, limit=CANDIDATES)
    if purchase.customer_id is not None:
        escalations += await store.list_escalations(
            tenant, customer_id=purchase.customer_id, limit=100
        )
    events = await store.list_visitor_events(
        tenant, purchase.at - window, purchase.at + timedelta(seconds=1)
    )
    return choose_attribution(purchase, escalations, events, window)


def _ratio(part: float, whole: float) -> float | None:
    return round(part / whole, 4) if whole else None


def _money(purchases: Sequence[Purchase]) -> dict[str, Any]:
    revenue = round(sum(p.total for p in purchases), 2)
    return {
        "purchases": len(purchases),
        "revenue": revenue,
        "aov": round(revenue / len(purchases), 2) if purchases else None,
    }


def conversion_kpis(
    purchases: Sequence[Purchase],
    events: Sequence[VisitorEvent],
    escalations: Sequence[Escalation],
    rule_names: dict[str, str],
    since: datetime,
    until: datetime,
) -> dict[str, Any]:
    """The figures of ``GET /api/metrics/conversion`` (docs/protocol.md)."""
    helped = [e for e in escalations if helped_between(e, since, until)]
    helped_visitors = {v for v in map(visitor_of, helped) if v}
    groups: dict[str, list[Purchase]] = defaultdict(list)
    for p in purchases:
        groups[p.attribution].append(p)
    shown_to = {v.visitor_id for v in events if v.kind == "invitation_shown"}
    seen = {v.visitor_id for v in events} | {p.visitor_id for p in purchases}
    invited_visitors = shown_to - helped_visitors
    not_helped = seen - helped_visitors - invited_visitors
    buyers = {k: {p.visitor_id for p in groups[k]} for k in ("invited", "unassisted")}
    hours = sum(t for t in map(handle_time_s, helped) if t is not None) / 3_600

    invitations: dict[str, Counter[str]] = defaultdict(Counter)
    for v in events:
        if v.rule_id and v.kind.startswith("invitation_"):
            invitations[v.rule_id][v.kind.removeprefix("invitation_")] += 1
    by_rule = [
        {
            "rule_id": rule_id,
            "name": rule_names.get(rule_id, AGENT_INVITATION if rule_id == "agent" else rule_id),
            "shown": c["shown"],
            "accepted": c["accepted"],
            "dismissed": c["dismissed"],
            "acceptance_rate": _ratio(c["accepted"], c["shown"]),
        }
        for rule_id, c in sorted(invitations.items())
    ]

    def breakdown(key: str, values: Sequence[str]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for value in values:
            sessions = [
                e
                for e in helped
                if (modality_of(e.modalities) if key == "modality" else e.trigger) == value
            ]
            bought = [p for p in groups["assisted"] if getattr(p, key) == value]
            out[value] = {
                "sessions": len(sessions),
                **_money(bought),
                "conversion_rate": _ratio(len(bought), len(sessions)),
            }
        return out

    currencies = Counter(p.currency for p in purchases)
    assisted = groups["assisted"]
    return {
        "currency": currencies.most_common(1)[0][0] if currencies else None,
        "invitations": {
            "shown": sum(r["shown"] for r in by_rule),
            "accepted": sum(r["accepted"] for r in by_rule),
            "dismissed": sum(r["dismissed"] for r in by_rule),
            "by_rule": by_rule,
        },
        "assisted": {
            **_money(assisted),
            "sessions": len(helped),
            "conversion_rate": _ratio(len(assisted), len(helped)),
        },
        "invited": {
            **_money(groups["invited"]),
            "visitors": len(invited_visitors | buyers["invited"]),
            "conversion_rate": _ratio(
                len(buyers["invited"]), len(invited_visitors | buyers["invited"])
            ),
            "dismissed": sum(1 for p in groups["invited"] if p.invitation_outcome == "dismissed"),
            "ignored": sum(1 for p in groups["invited"] if p.invitation_outcome == "ignored"),
        },
        "not_helped": {
            **_money(groups["unassisted"]),
            "visitors": len(not_helped | buyers["unassisted"]),
            "conversion_rate": _ratio(
                len(buyers["unassisted"]), len(not_helped | buyers["unassisted"])
            ),
        },
        "agent_hours": round(hours, 3),
        "revenue_per_agent_hour": round(sum(p.total for p in assisted) / hours, 2)
        if hours
        else None,
        "by_modality": breakdown("modality", MODALITY_GROUPS),
        "by_trigger": breakdown("trigger", TRIGGERS),
    }
