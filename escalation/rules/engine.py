"""Who may get visual help, when and how: pure functions over a tenant's RulesConfig.

``decide`` answers both the widget's availability question (show the button?) and the
eligibility check made when an escalation is created (queue it or end it ineligible).
"""

from __future__ import annotations

import math
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from fnmatch import fnmatchcase
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from escalation.rules.models import (
    WEEKDAYS,
    Calendar,
    DisplayRule,
    Interval,
    RulesConfig,
    parse_hhmm,
)

# Reasons a request is not served; stable codes clients can translate.
CLOSED = "closed"
HOLIDAY = "holiday"
PAGE_NOT_ELIGIBLE = "page_not_eligible"
TIER_NOT_ELIGIBLE = "tier_not_eligible"
LANGUAGE_NOT_SUPPORTED = "language_not_supported"
MODALITY_NOT_OFFERED = "modality_not_offered"
NO_AGENTS = "no_agents"


@dataclass(frozen=True)
class HelpRequest:
    """What the widget (or an escalation) asks for; None means "any"."""

    page: str | None = None
    tier: str | None = None
    language: str | None = None
    modalities: tuple[str, ...] = ()


@dataclass(frozen=True)
class Decision:
    available: bool
    modalities: list[str] = field(default_factory=list)
    reason: str | None = None
    alternative: str | None = None


def _within(intervals: Sequence[Interval], local: datetime) -> bool:
    now = local.time().replace(tzinfo=None)
    return any(
        parse_hhmm(i.start) <= now and (now < parse_hhmm(i.end) or i.end == "24:00")
        for i in intervals
    )


def opening_state(calendar: Calendar, at: datetime) -> str | None:
    """None when open at ``at`` (an aware datetime), else ``closed`` or ``holiday``."""
    local = at.astimezone(ZoneInfo(calendar.timezone))
    for holiday in calendar.holidays:
        if holiday.date == local.date():
            return None if _within(holiday.hours, local) else HOLIDAY
    hours = calendar.weekly.get(WEEKDAYS[local.weekday()], [])
    return None if _within(hours, local) else CLOSED


def next_opening(calendar: Calendar, at: datetime, horizon_days: int = 14) -> datetime | None:
    """The next minute (UTC) at which the calendar is open, within ``horizon_days``."""
    probe = at.replace(second=0, microsecond=0)
    step = timedelta(minutes=15)
    for _ in range(horizon_days * 96):
        probe += step
        if opening_state(calendar, probe) is None:
            return probe
    return None


def page_path(page: str) -> str:
    """The path of a page URL (``https://shop/x?y`` → ``/x``); paths pass through."""
    parts = urlsplit(page)
    return parts.path or "/"


def matching_rule(rules: Sequence[DisplayRule], page: str | None) -> DisplayRule | None:
    if page is None:
        return None
    path = page_path(page)
    return next((r for r in rules if fnmatchcase(path, r.page)), None)


def decide(
    config: RulesConfig,
    request: HelpRequest,
    at: datetime,
    staffed: Collection[str] | None = None,
) -> Decision:
    """Whether ``request`` can be served at ``at``.

    ``staffed`` is the set of modalities some available agent could take now (speaking
    the customer's language); None skips the agent check (e.g. rules-only evaluation).
    """

    def refuse(reason: str) -> Decision:
        alternative = None if config.alternative == "none" else config.alternative
        return Decision(False, [], reason, alternative)

    rule = matching_rule(config.rules, request.page)
    if rule is not None and not rule.show:
        return refuse(PAGE_NOT_ELIGIBLE)
    if rule is not None and rule.tiers is not None and request.tier not in rule.tiers:
        return refuse(TIER_NOT_ELIGIBLE)
    languages = rule.languages if rule is not None and rule.languages else config.languages
    if request.language is not None and request.language not in languages:
        return refuse(LANGUAGE_NOT_SUPPORTED)
    offered: list[str] = [
        m
        for m in config.modalities
        if rule is None or rule.modalities is None or m in rule.modalities
    ]
    if request.modalities:
        if not set(request.modalities) <= set(offered):
            return refuse(MODALITY_NOT_OFFERED)
        offered = [m for m in offered if m in request.modalities]
    if not offered:
        return refuse(MODALITY_NOT_OFFERED)
    closed = opening_state(config.calendar, at)
    if closed is not None:
        return refuse(closed)
    if staffed is not None and config.require_agents:
        offered = [m for m in offered if m in staffed]
        if not offered:
            return refuse(NO_AGENTS)
    return Decision(True, offered)


def estimate_wait_s(queued: int, free_agents: int, staffed_agents: int, handle_s: float) -> int:
    """Expected seconds before an agent takes a new request: none while a free agent
    waits for work; otherwise the queue ahead drains at one handle time per agent."""
    ahead = queued - free_agents
    if ahead < 0:
        return 0
    return math.ceil((ahead + 1) * handle_s / max(staffed_agents, 1))
