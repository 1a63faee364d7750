"""A tenant's rules loaded from the store, and the checks built on them: availability
for the widget and eligibility when an escalation is created."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from escalation.rules import Decision, HelpRequest, decide, estimate_wait_s
from escalation.rules_models import RulesConfig
from escalation.staffing import Staffing, staffing_now
from store.base import Store


async def load_rules(store: Store, tenant_id: str) -> RulesConfig:
    """The tenant's rules; a tenant that never set any gets the permissive defaults."""
    document = await store.get_rules_document(tenant_id)
    if document is None:
        return RulesConfig()
    return RulesConfig.model_validate_json(document)


async def save_rules(store: Store, tenant_id: str, rules: RulesConfig) -> None:
    await store.put_rules_document(tenant_id, rules.model_dump_json())


@dataclass(frozen=True)
class Availability:
    decision: Decision
    estimated_wait_s: int | None
    staffing: Staffing

    def public(self) -> dict[str, object]:
        return {
            "available": self.decision.available,
            "modalities": self.decision.modalities,
            "estimated_wait_s": self.estimated_wait_s,
            "reason": self.decision.reason,
            "alternative": self.decision.alternative,
        }


async def availability(
    store: Store, tenant_id: str, request: HelpRequest, at: datetime
) -> Availability:
    rules = await load_rules(store, tenant_id)
    staffing = await staffing_now(store, tenant_id, request.language, request.modalities)
    decision = decide(rules, request, at, staffing.modalities)
    wait = None
    if decision.available:
        handle_s = staffing.recent_handle_s or float(rules.default_handle_time_s)
        wait = estimate_wait_s(staffing.queued, staffing.free_agents, staffing.agents, handle_s)
    return Availability(decision, wait, staffing)


async def check_eligibility(
    store: Store, tenant_id: str, request: HelpRequest, at: datetime
) -> Decision:
    """Whether a new escalation may be queued. Agents need not be free (it may wait
    in the queue), but some agent must be able to take it during opening hours."""
    return (await availability(store, tenant_id, request, at)).decision
