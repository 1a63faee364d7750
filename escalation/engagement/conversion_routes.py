"""``POST /api/track`` (the widget reports checkout steps and purchases) and
``GET /api/metrics/conversion`` (assisted-conversion figures for supervisors)."""

from __future__ import annotations

from datetime import timedelta
from typing import Literal

from aiohttp import web
from pydantic import BaseModel, Field, model_validator

from escalation.engagement.attribution import attribute, conversion_kpis
from escalation.engagement.proactive_routes import VISITOR_ID
from escalation.integrations.webhooks import WEBHOOKS
from escalation.kpis.routes import MAX_ESCALATIONS, MetricsQuery, metrics_window
from escalation.rules.engine import page_path
from escalation.rules.service import load_rules
from server.platform.auth.identity import site_policy, verified_id, verify_customer
from server.platform.auth.principals import SitePrincipal
from server.platform.auth.request import require, require_agent
from server.platform.errors import Forbidden
from server.platform.jsonio import json_response
from server.platform.keys import STORE
from server.platform.openapi import api
from server.platform.validation import ApiModel, read_json
from store.conversion_models import Purchase, VisitorEvent
from store.escalation_models import CustomerInfo

ATTRIBUTED = "purchase.attributed"


class TrackBody(ApiModel):
    event: Literal["purchase", "checkout_step"]
    visitor_id: str = Field(pattern=VISITOR_ID)
    order_id: str | None = Field(default=None, pattern=r"^[A-Za-z0-9_.:#/-]{1,100}$")
    total: float | None = Field(default=None, ge=0, le=1e9)
    currency: str | None = Field(default=None, pattern=r"^[A-Z]{3}$")
    step: str | None = Field(default=None, min_length=1, max_length=50)
    page: str | None = Field(default=None, max_length=2048)
    customer: CustomerInfo | None = Field(
        default=None, description="identity proof (identity_token or id + user_hash) only"
    )

    @model_validator(mode="after")
    def _complete(self) -> TrackBody:
        if self.event == "purchase" and None in (self.order_id, self.total, self.currency):
            raise ValueError("a purchase needs order_id, total and currency")
        if self.event == "checkout_step" and self.step is None:
            raise ValueError("a checkout_step needs step")
        return self


class TrackResponse(BaseModel):
    order_id: str
    attribution: str
    duplicate: bool = Field(description="true when this order id was reported before")


class ConversionResponse(BaseModel):
    model_config = {"extra": "allow"}
    currency: str | None
    assisted: dict[str, object]
    invited: dict[str, object]
    not_helped: dict[str, object]
    invitations: dict[str, object]


@api(
    summary="Report a checkout step or a purchase (widget: coview.track); idempotent per "
    "order id, accepted only with the site key from one of the site's own origins",
    tag="availability",
    auth=("site_key",),
    body=TrackBody,
    response=TrackResponse,
    status=201,
    errors=(403, 422),
)
async def track(request: web.Request) -> web.Response:
    site = await require(request, SitePrincipal)
    if request.headers.get("Origin") is None:  # the key alone is public: want the page too
        raise Forbidden("track is accepted only from the site's own pages (Origin)")
    body = await read_json(request, TrackBody)
    store = request.app[STORE]
    tenant = site.tenant_id
    page = page_path(body.page) if body.page else None
    if body.event == "checkout_step":
        await store.add_visitor_event(
            VisitorEvent(
                tenant_id=tenant,
                visitor_id=body.visitor_id,
                kind="checkout_step",
                step=body.step,
                page=page,
            )
        )
        return web.Response(status=204)
    assert body.order_id is not None and body.total is not None and body.currency is not None
    existing = await store.get_purchase(tenant, body.order_id)
    if existing is not None:
        return _answer(existing, duplicate=True)
    customer = verify_customer(site_policy(site.site), body.customer) if body.customer else None
    rules = await load_rules(store, tenant)
    purchase = await attribute(
        store,
        Purchase(
            tenant_id=tenant,
            order_id=body.order_id,
            visitor_id=body.visitor_id,
            customer_id=verified_id(customer),
            total=body.total,
            currency=body.currency,
        ),
        timedelta(hours=rules.attribution_window_h),
    )
    if not await store.add_purchase(purchase):  # a concurrent report of the same order
        kept = await store.get_purchase(tenant, body.order_id)
        return _answer(kept or purchase, duplicate=True)
    if purchase.attribution != "unassisted":
        await request.app[WEBHOOKS].publish(
            tenant, ATTRIBUTED, {"purchase": purchase.model_dump(mode="json")}, purchase.at
        )
    return _answer(purchase, duplicate=False, status=201)


def _answer(purchase: Purchase, *, duplicate: bool, status: int = 200) -> web.Response:
    return json_response(
        {
            "order_id": purchase.order_id,
            "attribution": purchase.attribution,
            "duplicate": duplicate,
        },
        status=status,
    )


@api(
    summary="Assisted conversion: invitations per rule, conversion and revenue of helped "
    "sessions against visitors not helped, AOV, revenue per agent hour, by modality "
    "and trigger (supervisors and admins)",
    tag="metrics",
    auth=("supervisor",),
    query=MetricsQuery,
    response=ConversionResponse,
    errors=(422,),
)
async def get_conversion(request: web.Request) -> web.Response:
    supervisor = await require_agent(request, "supervisor", "admin")
    _, since, until = metrics_window(request)
    store = request.app[STORE]
    tenant = supervisor.tenant_id
    rules = await load_rules(store, tenant)
    kpis = conversion_kpis(
        await store.list_purchases(tenant, since, until),
        await store.list_visitor_events(tenant, since, until),
        await store.list_escalations(tenant, limit=MAX_ESCALATIONS),
        {r.id: r.name for r in rules.proactive},
        since,
        until,
    )
    head = {"from": since.isoformat(), "to": until.isoformat()}
    return json_response({**head, **kpis, "window_h": rules.attribution_window_h})


def setup(app: web.Application) -> None:
    app.router.add_post("/api/track", track)
    app.router.add_get("/api/metrics/conversion", get_conversion)
