"""A tenant's rules loaded from the store, and the checks built on them: availability
for the widget and eligibility when an escalation is created."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from escalation.core.eligibility import Eligibility
from escalation.core.schemas import CreateEscalation
from escalation.routing.staffing import Staffing, staffing_now
from escalation.rules.engine import Decision, HelpRequest, decide, estimate_wait_s
from escalation.rules.models import RulesConfig, always_open_calendar
from store.base import Store
from store.models import utcnow

_PARSED_RULES: dict[str, RulesConfig] = {}  # by document: every request checks the rules
_PARSED_RULES_KEPT = 64


async def load_rules(store: Store, tenant_id: str) -> RulesConfig:
    """The tenant's rules (shared: read them, do not change them); a tenant that never
    set any is always open to everyone. Parsed once per distinct document: validating
    the calendar and rules was a few per cent of a busy node's CPU."""
    document = await store.get_rules_document(tenant_id)
    if document is None:
        document = ""
    rules = _PARSED_RULES.get(document)
    if rules is None:
        if len(_PARSED_RULES) >= _PARSED_RULES_KEPT:
            _PARSED_RULES.clear()
        rules = (
            RulesConfig.model_validate_json(document)
            if document
            else RulesConfig(calendar=always_open_calendar())
        )
        _PARSED_RULES[document] = rules
    return rules


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


def help_request(body: CreateEscalation) -> HelpRequest:
    """What an escalation asks for, in the terms of the rules."""
    context = body.context
    customer = context.customer
    return HelpRequest(
        page=context.page.url if context.page and context.page.url else None,
        tier=customer.tier if customer else None,
        language=body.language or (customer.language if customer else None),
        modalities=tuple(body.modalities),
    )


async def rules_eligibility(store: Store, tenant_id: str, body: CreateEscalation) -> Eligibility:
    """``app[ELIGIBILITY]``: may a new escalation be queued? The rules decide (hours,
    page, tier, language, modality); present agents are not required, because a request
    may wait in the queue for one (the queue timeout ends it ``expired``)."""
    rules = await load_rules(store, tenant_id)
    decision = decide(rules, help_request(body), utcnow())
    return Eligibility(decision.available, decision.reason, decision.alternative)
