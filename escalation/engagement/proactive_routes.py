"""Proactive invitations over HTTP: the admin's rules (CRUD, validated, audited), the
widget's check and outcome reports, and the live visitors agents may invite."""

from __future__ import annotations

from typing import Literal

from aiohttp import web
from pydantic import BaseModel, Field

from escalation.engagement.proactive import decide_invitation, find_rule
from escalation.rules.engine import page_path
from escalation.rules.models import RulesConfig
from escalation.rules.proactive_models import RULE_ID, InviteModality, ProactiveRule
from escalation.rules.service import load_rules, save_rules
from server.platform.audit import record_audit
from server.platform.auth.identity import IDENTITY_HEADER, site_policy, verified_tier
from server.platform.auth.principals import AgentPrincipal, SitePrincipal
from server.platform.auth.request import require, require_agent
from server.platform.errors import Conflict, NotFound, Unprocessable
from server.platform.jsonio import json_response
from server.platform.keys import STORE
from server.platform.openapi import api
from server.platform.validation import ApiModel, read_json
from store.conversion_models import AgentInvitation, LiveVisitor, VisitorEvent, VisitorEventKind
from store.models import utcnow

VISITOR_ID = r"^[A-Za-z0-9_-]{8,64}$"
OUTCOME_KINDS: dict[str, VisitorEventKind] = {
    "shown": "invitation_shown",
    "accepted": "invitation_accepted",
    "dismissed": "invitation_dismissed",
}
VISITOR_TTL_S = 30  # a watched visitor's widget reports every 10 s while it matches


class ProactiveRuleList(BaseModel):
    rules: list[ProactiveRule]


class CheckBody(ApiModel):
    rule_id: str = Field(pattern=RULE_ID)
    page: str = Field(min_length=1, max_length=2048)
    lang: str = Field(min_length=2, max_length=16)
    tier: str | None = Field(default=None, max_length=50)
    visitor_id: str = Field(pattern=VISITOR_ID)


class CheckResponse(BaseModel):
    invite: bool
    rule_id: str
    modalities: list[str]
    estimated_wait_s: int | None
    reason: str | None


class OutcomeBody(ApiModel):
    visitor_id: str = Field(pattern=VISITOR_ID)
    rule_id: str = Field(pattern=RULE_ID)
    outcome: Literal["shown", "accepted", "dismissed"]
    modality: InviteModality | None = None
    page: str | None = Field(default=None, max_length=2048)


class PresenceBody(ApiModel):
    visitor_id: str = Field(pattern=VISITOR_ID)
    rule_id: str = Field(pattern=RULE_ID)
    page: str = Field(min_length=1, max_length=2048)
    title: str = Field(default="", max_length=300)
    time_on_page_s: int = Field(default=0, ge=0, le=86_400)
    cart_total: float | None = Field(default=None, ge=0, le=1e9)
    cart_items: int = Field(default=0, ge=0, le=100_000)
    currency: str | None = Field(default=None, max_length=8)
    name: str | None = Field(default=None, max_length=200)
    lang: str | None = Field(default=None, max_length=16)


class PresenceResponse(BaseModel):
    invitation: AgentInvitation | None


class VisitorList(BaseModel):
    visitors: list[LiveVisitor]


class VisitorInviteBody(ApiModel):
    modality: InviteModality = "video"


async def _update_rules(
    request: web.Request, admin: AgentPrincipal, change: str, rule_id: str, rules: RulesConfig
) -> None:
    """Save the tenant's rules validated as a whole (unique ids, limits), and audit."""
    try:
        checked = RulesConfig.model_validate(rules.model_dump())
    except ValueError as exc:
        raise Unprocessable(str(exc)) from exc
    await save_rules(request.app[STORE], admin.tenant_id, checked)
    rule = find_rule(checked.proactive, rule_id)
    await record_audit(
        request.app,
        admin,
        f"proactive_rule.{change}",
        "proactive_rule",
        rule_id,
        rule.model_dump(mode="json") if rule else {},
    )


@api(
    summary="The tenant's proactive invitation rules",
    tag="admin",
    auth=("admin",),
    response=ProactiveRuleList,
)
async def list_rules(request: web.Request) -> web.Response:
    admin = await require_agent(request, "admin")
    rules = await load_rules(request.app[STORE], admin.tenant_id)
    return json_response({"rules": [r.model_dump(mode="json") for r in rules.proactive]})


@api(
    summary="Add a proactive rule (validated, audited)",
    tag="admin",
    auth=("admin",),
    body=ProactiveRule,
    response=ProactiveRule,
    status=201,
    errors=(409, 422),
)
async def create_rule(request: web.Request) -> web.Response:
    admin = await require_agent(request, "admin")
    body = await read_json(request, ProactiveRule)
    rules = await load_rules(request.app[STORE], admin.tenant_id)
    if find_rule(rules.proactive, body.id) is not None:
        raise Conflict(f"a proactive rule {body.id!r} exists")
    updated = rules.model_copy(update={"proactive": [*rules.proactive, body]})
    await _update_rules(request, admin, "created", body.id, updated)
    return json_response(body.model_dump(mode="json"), status=201)


@api(
    summary="Replace a proactive rule (validated, audited)",
    tag="admin",
    auth=("admin",),
    body=ProactiveRule,
    response=ProactiveRule,
    errors=(404, 422),
)
async def update_rule(request: web.Request) -> web.Response:
    admin = await require_agent(request, "admin")
    rule_id = request.match_info["id"]
    body = await read_json(request, ProactiveRule)
    if body.id != rule_id:
        raise Unprocessable("the body's id must be the rule's id")
    rules = await load_rules(request.app[STORE], admin.tenant_id)
    if find_rule(rules.proactive, rule_id) is None:
        raise NotFound("unknown proactive rule")
    kept = [body if r.id == rule_id else r for r in rules.proactive]
    await _update_rules(
        request, admin, "updated", rule_id, rules.model_copy(update={"proactive": kept})
    )
    return json_response(body.model_dump(mode="json"))


@api(
    summary="Delete a proactive rule (audited)",
    tag="admin",
    auth=("admin",),
    status=204,
    errors=(404,),
)
async def delete_rule(request: web.Request) -> web.Response:
    admin = await require_agent(request, "admin")
    rule_id = request.match_info["id"]
    rules = await load_rules(request.app[STORE], admin.tenant_id)
    if find_rule(rules.proactive, rule_id) is None:
        raise NotFound("unknown proactive rule")
    kept = [r for r in rules.proactive if r.id != rule_id]
    await _update_rules(
        request, admin, "deleted", rule_id, rules.model_copy(update={"proactive": kept})
    )
    return web.Response(status=204)


@api(
    summary="May this proactive rule invite now? (one question when the widget's local "
    "conditions hold: rules, calendar, verified tier, skilled agent free, wait)",
    tag="availability",
    auth=("site_key",),
    body=CheckBody,
    response=CheckResponse,
    errors=(404, 422),
)
async def check(request: web.Request) -> web.Response:
    site = await require(request, SitePrincipal)
    body = await read_json(request, CheckBody)
    token = request.headers.get(IDENTITY_HEADER, "").strip() or None
    tier = verified_tier(site_policy(site.site), body.tier, token)
    decision = await decide_invitation(
        request.app[STORE], site.tenant_id, body.rule_id, body.page, tier, body.lang, utcnow()
    )
    if decision is None:
        raise NotFound("unknown proactive rule")
    return json_response(decision.public())


@api(
    summary="Report an invitation's outcome: shown, accepted or dismissed",
    tag="availability",
    auth=("site_key",),
    body=OutcomeBody,
    status=204,
    errors=(404, 422),
)
async def outcome(request: web.Request) -> web.Response:
    site = await require(request, SitePrincipal)
    body = await read_json(request, OutcomeBody)
    store = request.app[STORE]
    rules = await load_rules(store, site.tenant_id)
    if body.rule_id != "agent" and find_rule(rules.proactive, body.rule_id) is None:
        raise NotFound("unknown proactive rule")
    await store.add_visitor_event(
        VisitorEvent(
            tenant_id=site.tenant_id,
            visitor_id=body.visitor_id,
            kind=OUTCOME_KINDS[body.outcome],
            rule_id=body.rule_id,
            modality=body.modality,
            page=page_path(body.page) if body.page else None,
        )
    )
    return web.Response(status=204)


@api(
    summary="A visitor a watch rule matches reports itself; answers any agent invitation",
    tag="availability",
    auth=("site_key",),
    body=PresenceBody,
    response=PresenceResponse,
    errors=(404, 422),
)
async def presence(request: web.Request) -> web.Response:
    site = await require(request, SitePrincipal)
    body = await read_json(request, PresenceBody)
    store = request.app[STORE]
    rules = await load_rules(store, site.tenant_id)
    rule = find_rule(rules.proactive, body.rule_id)
    if rule is None or rule.action != "watch" or not rule.enabled:
        raise NotFound("unknown watch rule")
    before = await store.get_live_visitor(site.tenant_id, body.visitor_id)
    invitation = before.invitation if before is not None else None
    visitor = LiveVisitor(
        id=body.visitor_id,
        tenant_id=site.tenant_id,
        rule_id=rule.id,
        page=page_path(body.page),
        title=body.title,
        time_on_page_s=body.time_on_page_s,
        cart_total=body.cart_total,
        cart_items=body.cart_items,
        currency=body.currency,
        customer_name=body.name,
        language=body.lang,
    )
    await store.put_live_visitor(visitor, VISITOR_TTL_S)  # an invitation is delivered once
    return json_response({"invitation": invitation.model_dump(mode="json") if invitation else None})


@api(
    summary="Live visitors matching a watch rule (page, cart, time on page)",
    tag="agents",
    auth=("agent",),
    response=VisitorList,
)
async def list_visitors(request: web.Request) -> web.Response:
    agent = await require_agent(request)
    visitors = await request.app[STORE].list_live_visitors(agent.tenant_id, utcnow())
    return json_response({"visitors": [v.model_dump(mode="json") for v in visitors]})


@api(
    summary="Invite a live visitor to visual help (shown by their widget within seconds)",
    tag="agents",
    auth=("agent",),
    body=VisitorInviteBody,
    response=LiveVisitor,
    errors=(404, 422),
)
async def invite_visitor(request: web.Request) -> web.Response:
    agent = await require_agent(request)
    body = await read_json(request, VisitorInviteBody)
    store = request.app[STORE]
    visitor = await store.get_live_visitor(agent.tenant_id, request.match_info["id"])
    if visitor is None:
        raise NotFound("this visitor has left")
    invited = visitor.model_copy(
        update={
            "invitation": AgentInvitation(
                agent_id=agent.agent_id, agent_name=agent.name, modality=body.modality
            )
        }
    )
    await store.put_live_visitor(invited, VISITOR_TTL_S)
    return json_response(invited.model_dump(mode="json"))


def setup(app: web.Application) -> None:
    app.router.add_get("/api/admin/proactive-rules", list_rules)
    app.router.add_post("/api/admin/proactive-rules", create_rule)
    app.router.add_put("/api/admin/proactive-rules/{id}", update_rule)
    app.router.add_delete("/api/admin/proactive-rules/{id}", delete_rule)
    app.router.add_post("/api/proactive/check", check)
    app.router.add_post("/api/proactive/events", outcome)
    app.router.add_post("/api/proactive/presence", presence)
    app.router.add_get("/api/proactive/visitors", list_visitors)
    app.router.add_post("/api/proactive/visitors/{id}/invite", invite_visitor)
