"""The escalation state machine as a pure table (PROTOCOL.md: States).

requested → queued → offered → accepted → connecting → in_session → wrap_up → completed;
a declined or timed-out offer goes back to queued; terminal: completed, ineligible,
abandoned, expired, failed, cancelled. Refinements (docs/protocol.md, As implemented):
an agent may take a queued escalation directly (queued → accepted), an ad-hoc agent
session starts accepted (requested → accepted), a transfer goes back to queued or is
offered to another agent, and media may connect before ``connecting`` was reported.
"""

from __future__ import annotations

from store.escalation_models import State

TERMINAL: frozenset[State] = frozenset(
    {"completed", "ineligible", "abandoned", "expired", "failed", "cancelled"}
)

# States in which an agent holds the escalation (it counts against their capacity).
HELD: frozenset[State] = frozenset({"accepted", "connecting", "in_session", "wrap_up"})


def _to(*states: State) -> frozenset[State]:
    return frozenset(states)


TRANSITIONS: dict[State, frozenset[State]] = {
    "requested": _to("queued", "accepted", "ineligible", "cancelled", "failed"),
    "queued": _to("offered", "accepted", "abandoned", "expired", "cancelled", "failed"),
    "offered": _to("accepted", "queued", "abandoned", "expired", "cancelled", "failed"),
    "accepted": _to(
        "connecting",
        "in_session",
        "wrap_up",
        "queued",
        "offered",
        "abandoned",
        "cancelled",
        "failed",
    ),
    "connecting": _to(
        "in_session", "wrap_up", "queued", "offered", "abandoned", "cancelled", "failed"
    ),
    "in_session": _to("wrap_up", "queued", "offered", "failed"),
    "wrap_up": _to("completed"),
    **{s: _to() for s in TERMINAL},
}


def can_transition(current: State, target: State) -> bool:
    return target in TRANSITIONS[current]


def is_terminal(state: State) -> bool:
    return state in TERMINAL
