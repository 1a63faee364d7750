"""A tenant's availability and display rules: business hours, holidays, page patterns,
customer tiers, languages and modalities. Validated on the way in (admin API, seed)."""

from __future__ import annotations

import datetime as dt
import re
from datetime import time
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, field_validator, model_validator

from escalation.rules.proactive_models import ProactiveRule, demo_proactive_rules, unique_ids
from server.platform.validation import ApiModel

Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
WEEKDAYS: tuple[Weekday, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
VisualModality = Literal["chat", "video", "screen", "cobrowse"]
Alternative = Literal["callback", "leave_message", "none"]
HHMM = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$|^24:00$")


def parse_hhmm(value: str) -> time:
    """``"HH:MM"``; ``"24:00"`` means the end of the day."""
    if value == "24:00":
        return time.max
    hours, minutes = value.split(":")
    return time(int(hours), int(minutes))


class Interval(ApiModel):
    """Open from ``start`` to ``end`` (local time, end exclusive, ``24:00`` allowed)."""

    start: str = Field(pattern=HHMM.pattern, examples=["09:00"])
    end: str = Field(pattern=HHMM.pattern, examples=["18:00"])

    @model_validator(mode="after")
    def _ordered(self) -> Interval:
        if parse_hhmm(self.start) >= parse_hhmm(self.end):
            raise ValueError("start must be before end")
        return self


class Holiday(ApiModel):
    """A closed day, or a day with special hours when ``hours`` is given."""

    date: dt.date = Field(strict=False)  # "YYYY-MM-DD" from JSON
    name: str = Field(default="", max_length=120)
    hours: list[Interval] = Field(default_factory=list, max_length=8)


class Calendar(ApiModel):
    timezone: str = Field(default="UTC", max_length=64, examples=["America/Sao_Paulo"])
    weekly: dict[Weekday, list[Interval]] = Field(default_factory=dict)
    holidays: list[Holiday] = Field(default_factory=list, max_length=400)

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown IANA time zone {value!r}") from exc
        return value

    @field_validator("weekly")
    @classmethod
    def _few_intervals(cls, value: dict[str, list[Interval]]) -> dict[str, list[Interval]]:
        for day, intervals in value.items():
            if len(intervals) > 8:
                raise ValueError(f"{day}: at most 8 intervals a day")
        return value

    @field_validator("holidays")
    @classmethod
    def _unique_dates(cls, value: list[Holiday]) -> list[Holiday]:
        dates = [h.date for h in value]
        if len(dates) != len(set(dates)):
            raise ValueError("each holiday date may appear once")
        return value


class DisplayRule(ApiModel):
    """Applies to pages whose path matches ``page`` (``*`` any characters). The first
    matching rule wins; a field left out (null) means no restriction."""

    page: str = Field(min_length=1, max_length=300, examples=["/demo/premium*"])
    show: bool = True
    tiers: list[str] | None = Field(default=None, max_length=20)
    languages: list[str] | None = Field(default=None, max_length=20)
    modalities: list[VisualModality] | None = Field(default=None, max_length=4)


class RulesConfig(ApiModel):
    """Everything the availability check and the eligibility check read."""

    calendar: Calendar = Field(default_factory=Calendar)
    rules: list[DisplayRule] = Field(default_factory=list, max_length=100)
    languages: list[str] = Field(default=["es", "en", "pt"], min_length=1, max_length=20)
    modalities: list[VisualModality] = Field(
        default=["chat", "video", "screen", "cobrowse"], min_length=1, max_length=4
    )
    require_agents: bool = True  # hide the button when no agent could take the request
    alternative: Alternative = "callback"  # what a customer gets offered when ineligible
    default_handle_time_s: int = Field(default=300, ge=1, le=86_400)
    # proactive invitations (escalation/rules/proactive_models.py) and their attribution
    proactive: list[ProactiveRule] = Field(default_factory=list, max_length=50)
    attribution_window_h: int = Field(default=24, ge=1, le=720)

    @field_validator("proactive")
    @classmethod
    def _unique_proactive(cls, value: list[ProactiveRule]) -> list[ProactiveRule]:
        return unique_ids(value)


def always_open_calendar(timezone: str = "UTC") -> Calendar:
    whole_day = [Interval(start="00:00", end="24:00")]
    return Calendar(timezone=timezone, weekly=dict.fromkeys(WEEKDAYS, whole_day))


def demo_rules() -> RulesConfig:
    """The demo tenant: open every hour of the week (so ``make run`` works at any time),
    premium-only help on ``/demo/premium*``, and no screen sharing on the checkout page
    (it would show the card being typed; co-browsing masks it)."""
    return RulesConfig(
        calendar=always_open_calendar("Europe/Madrid"),
        rules=[
            DisplayRule(page="/demo/premium*", tiers=["premium"]),
            DisplayRule(page="/demo/checkout*", modalities=["chat", "video", "cobrowse"]),
        ],
        proactive=demo_proactive_rules(),
    )
