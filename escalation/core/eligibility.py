"""Whether a request may become a queued escalation. The rules (business hours, pages,
tiers, languages, modalities) live in ``escalation.rules.engine``; until they are installed in
``app[ELIGIBILITY]`` every request is eligible."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from escalation.core.schemas import CreateEscalation
from store.base import Store


@dataclass(frozen=True)
class Eligibility:
    ok: bool
    reason: str | None = None  # why not, e.g. "outside-hours"
    alternative: str | None = None  # what to offer instead, e.g. "callback"


EligibilityCheck = Callable[[Store, str, CreateEscalation], Awaitable[Eligibility]]


async def always_eligible(store: Store, tenant_id: str, request: CreateEscalation) -> Eligibility:
    return Eligibility(ok=True)
