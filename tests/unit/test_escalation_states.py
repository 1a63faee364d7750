"""The escalation state machine table (PROTOCOL.md: States)."""

from __future__ import annotations

import itertools
from typing import get_args

import pytest

from escalation.core.change import offer_moves
from escalation.core.states import HELD, TERMINAL, TRANSITIONS, can_transition, is_terminal
from store.escalation_models import Escalation, LoadChange, State, load_units

ALL_STATES: tuple[State, ...] = get_args(State)
HAPPY_PATH: tuple[State, ...] = (
    "requested",
    "queued",
    "offered",
    "accepted",
    "connecting",
    "in_session",
    "wrap_up",
    "completed",
)


def test_every_state_has_a_row() -> None:
    assert set(TRANSITIONS) == set(ALL_STATES)


@pytest.mark.parametrize("current, target", list(itertools.pairwise(HAPPY_PATH)))
def test_happy_path_steps_are_legal(current: State, target: State) -> None:
    assert can_transition(current, target)


@pytest.mark.parametrize("state", sorted(TERMINAL))
def test_terminal_states_go_nowhere(state: State) -> None:
    assert is_terminal(state)
    assert not any(can_transition(state, target) for target in ALL_STATES)


def test_declined_or_expired_offer_goes_back_to_queued() -> None:
    assert can_transition("offered", "queued")


def test_customer_can_leave_while_waiting_but_not_after_the_call() -> None:
    for waiting in ("queued", "offered", "accepted", "connecting"):
        assert can_transition(waiting, "abandoned"), waiting
    assert not can_transition("in_session", "abandoned")
    assert not can_transition("wrap_up", "abandoned")


def test_no_state_skips_wrap_up_to_completed() -> None:
    assert [s for s in ALL_STATES if can_transition(s, "completed")] == ["wrap_up"]


def test_ineligible_only_from_requested() -> None:
    assert [s for s in ALL_STATES if can_transition(s, "ineligible")] == ["requested"]


def test_no_self_transitions() -> None:
    assert not any(can_transition(s, s) for s in ALL_STATES)


def test_held_states_are_not_terminal() -> None:
    assert not (HELD & TERMINAL)


def test_screen_share_counts_as_video_and_nothing_means_chat() -> None:
    assert load_units(["screen"]) == ("video",)
    assert load_units(["video", "screen", "cobrowse"]) == ("video", "cobrowse")
    assert load_units([]) == ("chat",)


def _esc(state: State, offered_to: str | None = None, seq: int = 3) -> Escalation:
    return Escalation.model_validate(
        {
            "id": "esc1",
            "tenant_id": "t1",
            "channel": "web",
            "trigger": "customer",
            "modalities": ["video"],
            "session_id": "s1",
            "state": state,
            "offered_to": offered_to,
            "seq": seq,
        }
    )


def test_offer_moves_close_and_open_the_offers_a_change_moves() -> None:
    video = ("video",)
    created = offer_moves(_esc("requested", seq=0), _esc("offered", "ag1"))
    assert created == (LoadChange("ag1", 0, video, offer=1),)
    accepted = offer_moves(_esc("offered", "ag1"), _esc("accepted"))
    assert accepted == (LoadChange("ag1", 0, video, offer=-1),)
    moved = offer_moves(_esc("offered", "ag1"), _esc("offered", "ag2"))
    assert moved == (LoadChange("ag1", 0, video, offer=-1), LoadChange("ag2", 0, video, offer=1))
    assert offer_moves(_esc("offered", "ag1"), _esc("offered", "ag1")) == ()
    assert offer_moves(_esc("queued"), _esc("accepted")) == ()
