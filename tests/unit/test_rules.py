"""Business hours (time zones, DST, holidays) and display rules (pure, no server)."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from pydantic import ValidationError

from escalation.rules.engine import (
    CLOSED,
    HOLIDAY,
    LANGUAGE_NOT_SUPPORTED,
    MODALITY_NOT_OFFERED,
    NO_AGENTS,
    PAGE_NOT_ELIGIBLE,
    TIER_NOT_ELIGIBLE,
    HelpRequest,
    decide,
    estimate_wait_s,
    next_opening,
    opening_state,
)
from escalation.rules.models import (
    Calendar,
    DisplayRule,
    Holiday,
    Interval,
    RulesConfig,
    Weekday,
    demo_rules,
)

NINE_TO_SIX = [Interval(start="09:00", end="18:00")]
WEEKDAYS_9_18: dict[Weekday, list[Interval]] = {
    d: NINE_TO_SIX for d in ("mon", "tue", "wed", "thu", "fri")
}


def madrid() -> Calendar:
    return Calendar(timezone="Europe/Madrid", weekly=WEEKDAYS_9_18)


def utc(year: int, month: int, day: int, hour: int, minute: int, second: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, second, tzinfo=UTC)


def test_open_during_local_hours_and_closed_outside() -> None:
    # Wednesday 2026-01-14: Madrid is UTC+1 in winter.
    assert opening_state(madrid(), utc(2026, 1, 14, 8, 0)) is None  # 09:00 local
    assert opening_state(madrid(), utc(2026, 1, 14, 7, 59)) == CLOSED  # 08:59 local
    assert opening_state(madrid(), utc(2026, 1, 14, 16, 59)) is None  # 17:59 local
    assert opening_state(madrid(), utc(2026, 1, 14, 17, 0)) == CLOSED  # 18:00 local


def test_weekend_is_closed_when_it_has_no_hours() -> None:
    assert opening_state(madrid(), utc(2026, 1, 17, 11, 0)) == CLOSED  # Saturday


def test_daylight_saving_time_shifts_the_utc_opening() -> None:
    # Summer: Madrid is UTC+2, so 09:00 local is 07:00 UTC.
    assert opening_state(madrid(), utc(2026, 7, 15, 7, 0)) is None
    assert opening_state(madrid(), utc(2026, 7, 15, 6, 59)) == CLOSED
    # The Monday after the spring change (29 March 2026) opens at 07:00 UTC, the Friday
    # before it at 08:00 UTC.
    assert opening_state(madrid(), utc(2026, 3, 27, 7, 30)) == CLOSED
    assert opening_state(madrid(), utc(2026, 3, 30, 7, 30)) is None


def test_time_zone_far_from_utc_moves_the_local_day() -> None:
    sao_paulo = Calendar(timezone="America/Sao_Paulo", weekly={"fri": NINE_TO_SIX})
    # Saturday 01:00 UTC is still Friday 22:00 in São Paulo: closed (after 18:00).
    assert opening_state(sao_paulo, utc(2026, 1, 17, 1, 0)) == CLOSED
    # Friday 20:00 UTC is 17:00 in São Paulo: open.
    assert opening_state(sao_paulo, utc(2026, 1, 16, 20, 0)) is None


def test_holidays_close_a_working_day_or_give_it_special_hours() -> None:
    calendar = Calendar(
        timezone="Europe/Madrid",
        weekly=WEEKDAYS_9_18,
        holidays=[
            Holiday(date=date(2026, 12, 25), name="Navidad"),
            Holiday(
                date=date(2026, 12, 24),
                name="Nochebuena",
                hours=[Interval(start="09:00", end="13:00")],
            ),
        ],
    )
    assert opening_state(calendar, utc(2026, 12, 25, 10, 0)) == HOLIDAY
    assert opening_state(calendar, utc(2026, 12, 24, 10, 0)) is None  # 11:00 local
    assert opening_state(calendar, utc(2026, 12, 24, 13, 0)) == HOLIDAY  # 14:00 local


def test_holiday_is_a_local_date() -> None:
    calendar = Calendar(
        timezone="America/Sao_Paulo",
        weekly={"thu": [Interval(start="00:00", end="24:00")]},
        holidays=[Holiday(date=date(2026, 1, 1))],
    )
    # 2026-01-01 02:00 UTC is still 31 December (Wednesday) in São Paulo: no hours.
    assert opening_state(calendar, utc(2026, 1, 1, 2, 0)) == CLOSED
    assert opening_state(calendar, utc(2026, 1, 1, 15, 0)) == HOLIDAY


def test_next_opening_skips_the_weekend() -> None:
    saturday = utc(2026, 1, 17, 12, 0)
    assert next_opening(madrid(), saturday) == utc(2026, 1, 19, 8, 0)


def test_until_midnight_interval_covers_the_last_minute() -> None:
    calendar = Calendar(weekly={"wed": [Interval(start="20:00", end="24:00")]})
    assert opening_state(calendar, utc(2026, 1, 14, 23, 59, 59)) is None


@pytest.mark.parametrize(
    "bad",
    [
        {"timezone": "Mars/Olympus"},
        {"weekly": {"mon": [{"start": "18:00", "end": "09:00"}]}},
        {"weekly": {"mon": [{"start": "25:00", "end": "26:00"}]}},
        {"weekly": {"someday": []}},
        {"holidays": [{"date": "2026-12-25"}, {"date": "2026-12-25"}]},
    ],
)
def test_invalid_calendars_are_refused(bad: dict[str, object]) -> None:
    with pytest.raises(ValidationError):
        Calendar.model_validate_json(__import__("json").dumps(bad))


OPEN = utc(2026, 1, 14, 10, 0)


def rules() -> RulesConfig:
    return RulesConfig(
        calendar=madrid(),
        rules=[
            DisplayRule(page="/premium*", tiers=["premium"]),
            DisplayRule(page="/checkout", show=False),
            DisplayRule(page="/catalog/*", modalities=["chat", "cobrowse"]),
            DisplayRule(page="/es/*", languages=["es"]),
        ],
    )


def test_available_with_every_modality_when_nothing_restricts() -> None:
    decision = decide(rules(), HelpRequest(page="/home"), OPEN)
    assert decision.available
    assert decision.modalities == ["chat", "video", "screen", "cobrowse"]


def test_premium_only_pages_refuse_other_tiers() -> None:
    assert decide(rules(), HelpRequest(page="/premium/tv", tier="premium"), OPEN).available
    refused = decide(rules(), HelpRequest(page="https://shop.example/premium?x=1"), OPEN)
    assert (refused.available, refused.reason, refused.alternative) == (
        False,
        TIER_NOT_ELIGIBLE,
        "callback",
    )


def test_hidden_pages_and_unsupported_languages_are_refused() -> None:
    assert decide(rules(), HelpRequest(page="/checkout"), OPEN).reason == PAGE_NOT_ELIGIBLE
    assert decide(rules(), HelpRequest(language="fr"), OPEN).reason == LANGUAGE_NOT_SUPPORTED
    assert decide(rules(), HelpRequest(page="/es/x", language="pt"), OPEN).reason == (
        LANGUAGE_NOT_SUPPORTED
    )


def test_page_rules_limit_the_modalities() -> None:
    decision = decide(rules(), HelpRequest(page="/catalog/tv"), OPEN)
    assert decision.modalities == ["chat", "cobrowse"]
    video = decide(rules(), HelpRequest(page="/catalog/tv", modalities=("video",)), OPEN)
    assert video.reason == MODALITY_NOT_OFFERED


def test_outside_hours_is_refused_with_an_alternative() -> None:
    decision = decide(rules(), HelpRequest(page="/home"), utc(2026, 1, 17, 10, 0))
    assert (decision.available, decision.reason, decision.alternative) == (
        False,
        CLOSED,
        "callback",
    )


def test_no_staffed_modality_means_no_agents() -> None:
    assert decide(rules(), HelpRequest(), OPEN, staffed=set()).reason == NO_AGENTS
    partial = decide(rules(), HelpRequest(), OPEN, staffed={"chat"})
    assert partial.modalities == ["chat"]


def test_demo_rules_are_open_at_any_hour() -> None:
    for hour in range(24):
        assert decide(
            demo_rules(), HelpRequest(page="/demo/"), utc(2026, 3, 29, hour, 30)
        ).available
    assert not decide(demo_rules(), HelpRequest(page="/demo/premium/"), OPEN).available


def test_estimated_wait_grows_with_the_queue_ahead() -> None:
    assert estimate_wait_s(queued=0, free_agents=1, staffed_agents=2, handle_s=300) == 0
    assert estimate_wait_s(queued=3, free_agents=0, staffed_agents=2, handle_s=300) == 600
    assert estimate_wait_s(queued=1, free_agents=0, staffed_agents=0, handle_s=120) == 240


def test_repeated_hour_when_clocks_go_back_follows_local_wall_time() -> None:
    # 25 October 2026, Madrid: 03:00 CEST becomes 02:00 CET, so 02:00-03:00 happens twice.
    night = Calendar(
        timezone="Europe/Madrid", weekly={"sun": [Interval(start="02:00", end="03:00")]}
    )
    assert opening_state(night, utc(2026, 10, 25, 0, 30)) is None  # 02:30 CEST
    assert opening_state(night, utc(2026, 10, 25, 1, 30)) is None  # 02:30 CET
    assert opening_state(night, utc(2026, 10, 25, 2, 0)) == CLOSED  # 03:00 CET


def test_skipped_hour_when_clocks_go_forward_is_never_open() -> None:
    # 29 March 2026, Madrid: 02:00 CET jumps to 03:00 CEST; 02:00-02:59 never happens.
    gap = Calendar(timezone="Europe/Madrid", weekly={"sun": [Interval(start="02:00", end="03:00")]})
    assert opening_state(gap, utc(2026, 3, 29, 0, 59)) == CLOSED  # 01:59 CET
    assert opening_state(gap, utc(2026, 3, 29, 1, 0)) == CLOSED  # 03:00 CEST
