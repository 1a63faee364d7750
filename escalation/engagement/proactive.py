"""Whether a proactive rule may invite now: the server half of the widget's check.

The widget evaluates page, time and cart itself and asks only when a rule could fire;
the server then checks what a browser cannot be trusted with or does not know: the
rule as configured, the calendar and display rules, the (verified) tier, and live
staffing (an available agent with the rule's skill, an estimated wait under the
rule's limit). Answers are kept for a second per question, so a burst of visitors
reaching the same checkout costs one staffing read.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime
from fnmatch import fnmatchcase

from escalation.rules.engine import HelpRequest, page_path
from escalation.rules.proactive_models import ProactiveRule
from escalation.rules.service import availability, load_rules
from store.base import Store

CACHE_S = 1.0
_CACHE_KEPT = 512

DISABLED = "rule_disabled"
PAGE_NOT_MATCHED = "page_not_matched"
TIER = "tier_not_eligible"
LANGUAGE = "language_not_supported"
NO_SKILLED_AGENT = "no_agents"
WAIT_TOO_LONG = "wait_too_long"


@dataclass(frozen=True)
class InviteDecision:
    invite: bool
    rule_id: str
    modalities: list[str]
    estimated_wait_s: int | None = None
    reason: str | None = None

    def public(self) -> dict[str, object]:
        return {
            "invite": self.invite,
            "rule_id": self.rule_id,
            "modalities": self.modalities,
            "estimated_wait_s": self.estimated_wait_s,
            "reason": self.reason,
        }


_cache: dict[tuple[str, ...], tuple[float, InviteDecision]] = {}


def find_rule(rules: list[ProactiveRule], rule_id: str) -> ProactiveRule | None:
    return next((r for r in rules if r.id == rule_id), None)


def rule_matches(rule: ProactiveRule, page: str, tier: str | None, lang: str) -> str | None:
    """The static conditions the server can check; None when they hold."""
    if not rule.enabled:
        return DISABLED
    if not fnmatchcase(page_path(page), rule.page):
        return PAGE_NOT_MATCHED
    if rule.tiers is not None and tier not in rule.tiers:
        return TIER
    if rule.languages is not None and lang not in rule.languages:
        return LANGUAGE
    return None


async def skilled_agent_free(store: Store, tenant_id: str, skill: str, lang: str) -> bool:
    return any(
        a.presence == "available" and skill in a.skills and lang in a.languages
        for a in await store.list_agents(tenant_id)
    )


async def decide_invitation(
    store: Store,
    tenant_id: str,
    rule_id: str,
    page: str,
    tier: str | None,
    lang: str,
    at: datetime,
) -> InviteDecision | None:
    """None for an unknown rule (or a watch rule, which never invites by itself)."""
    rules = await load_rules(store, tenant_id)
    rule = find_rule(rules.proactive, rule_id)
    if rule is None or rule.action != "invite":
        return None
    key = (tenant_id, rule_id, page_path(page), tier or "", lang, str(id(rules)))
    now = time.monotonic()
    cached = _cache.get(key)
    if cached is not None and now - cached[0] < CACHE_S:
        return cached[1]

    def refuse(reason: str, wait: int | None = None) -> InviteDecision:
        return InviteDecision(False, rule.id, [], wait, reason)

    decision: InviteDecision
    static = rule_matches(rule, page, tier, lang)
    if static is not None:
        decision = refuse(static)
    else:
        found = await availability(store, tenant_id, HelpRequest(page, tier, lang), at)
        offered: list[str] = [m for m in rule.modalities if m in found.decision.modalities]
        wait = found.estimated_wait_s
        if not found.decision.available or not offered:
            decision = refuse(found.decision.reason or NO_SKILLED_AGENT)
        elif rule.skill and not await skilled_agent_free(store, tenant_id, rule.skill, lang):
            decision = refuse(NO_SKILLED_AGENT)
        elif wait is None or wait > rule.max_wait_s:
            decision = refuse(WAIT_TOO_LONG, wait)
        else:
            decision = InviteDecision(True, rule.id, offered, wait)
    if len(_cache) >= _CACHE_KEPT:
        _cache.clear()
    _cache[key] = (now, decision)
    return decision
