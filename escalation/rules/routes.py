"""``GET /api/availability`` for the widget and the admin API of a tenant's rules."""

from __future__ import annotations

from aiohttp import web
from pydantic import BaseModel, Field

from escalation.rules.engine import HelpRequest
from escalation.rules.models import RulesConfig, VisualModality
from escalation.rules.service import availability, load_rules, save_rules
from server.platform.auth.identity import IDENTITY_HEADER, site_policy, verified_tier
from server.platform.auth.principals import AgentPrincipal, ApiKeyPrincipal, SitePrincipal
from server.platform.auth.request import require, require_agent
from server.platform.jsonio import json_response
from server.platform.keys import STORE
from server.platform.openapi import api
from server.platform.validation import ApiModel, parse_model, read_json
from store.models import utcnow


class AvailabilityQuery(ApiModel):
    page: str | None = Field(default=None, max_length=2048, description="page URL or path")
    tier: str | None = Field(
        default=None,
        max_length=50,
        description="customer tier; ignored from a site key whose site requires identity "
        "verification (send the signed identity token in X-Coview-Identity instead)",
    )
    lang: str | None = Field(default=None, max_length=16, description="customer language")
    modality: VisualModality | None = None


class AvailabilityResponse(BaseModel):
    available: bool
    modalities: list[str]
    estimated_wait_s: int | None
    reason: str | None = Field(description="why not, when not available")
    alternative: str | None = Field(description="what to offer instead: callback, leave_message")
    proactive: list[dict[str, object]] = Field(
        default_factory=list,
        description="enabled proactive rules, as the widget evaluates them (docs/protocol.md)",
    )


@api(
    summary="Whether to show the help button, with an estimated wait",
    tag="availability",
    auth=("site_key", "api_key", "agent"),
    query=AvailabilityQuery,
    response=AvailabilityResponse,
    errors=(422,),
)
async def get_availability(request: web.Request) -> web.Response:
    caller = await require(request, SitePrincipal, ApiKeyPrincipal, AgentPrincipal)
    assert isinstance(caller, SitePrincipal | ApiKeyPrincipal | AgentPrincipal)
    known = AvailabilityQuery.model_fields
    query = parse_model(AvailabilityQuery, {k: v for k, v in request.query.items() if k in known})
    tier = query.tier
    if isinstance(caller, SitePrincipal):  # a browser: the tier only as the site trusts it
        token = request.headers.get(IDENTITY_HEADER, "").strip() or None
        tier = verified_tier(site_policy(caller.site), query.tier, token)
    help_request = HelpRequest(
        page=query.page,
        tier=tier,
        language=query.lang,
        modalities=(query.modality,) if query.modality else (),
    )
    store = request.app[STORE]
    found = await availability(store, caller.tenant_id, help_request, utcnow())
    rules = await load_rules(store, caller.tenant_id)  # parsed once per document
    lang = query.lang or "en"
    proactive = [r.public(lang) for r in rules.proactive if r.enabled]
    return json_response({**found.public(), "proactive": proactive})


@api(
    summary="The tenant's business hours, display and eligibility rules",
    tag="admin",
    auth=("admin",),
    response=RulesConfig,
)
async def get_rules(request: web.Request) -> web.Response:
    admin = await require_agent(request, "admin")
    rules = await load_rules(request.app[STORE], admin.tenant_id)
    return json_response(rules.model_dump(mode="json"))


@api(
    summary="Replace the tenant's rules (validated as a whole)",
    tag="admin",
    auth=("admin",),
    body=RulesConfig,
    response=RulesConfig,
    errors=(422,),
)
async def put_rules(request: web.Request) -> web.Response:
    admin = await require_agent(request, "admin")
    rules = await read_json(request, RulesConfig)
    await save_rules(request.app[STORE], admin.tenant_id, rules)
    return json_response(rules.model_dump(mode="json"))


def setup(app: web.Application) -> None:
    app.router.add_get("/api/availability", get_availability)
    app.router.add_get("/api/admin/rules", get_rules)
    app.router.add_put("/api/admin/rules", put_rules)
