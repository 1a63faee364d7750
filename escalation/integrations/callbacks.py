"""Callback requests: the alternative a customer is offered when visual help is not
(outside business hours, a tier or page the display rules exclude). The widget posts
them with the site key; agents list the open ones and mark them done.

| method and path | who | result |
|---|---|---|
| `POST /api/callbacks` | site key (widget), API key | 201 the request |
| `GET /api/callbacks?status=open|done` | agent | `[request]`, oldest first |
| `POST /api/callbacks/{id}/done` | agent | the request, done |
"""

from __future__ import annotations

import secrets
from typing import Literal

from aiohttp import web
from pydantic import Field, RootModel

from server.platform.auth.identity import verify_context
from server.platform.auth.principals import ApiKeyPrincipal, SitePrincipal
from server.platform.auth.request import authenticate, require_agent
from server.platform.client_ip import client_ip
from server.platform.errors import Conflict, Forbidden, NotFound
from server.platform.jsonio import json_response
from server.platform.keys import CONFIG, RATE_LIMITER, STORE
from server.platform.openapi import api
from server.platform.validation import ApiModel, parse_model, read_json
from store.callbacks import CallbackRequest
from store.escalation_models import Context, CustomerInfo
from store.models import utcnow
from store.values import WebUrl

PHONE = r"^\+?[0-9][0-9 ()\-.]{5,28}[0-9]$"
# Why visual help was not offered: the availability rules' reasons (escalation/rules/engine.py).
Reason = Literal[
    "closed",
    "holiday",
    "page_not_eligible",
    "tier_not_eligible",
    "language_not_supported",
    "modality_not_offered",
    "no_agents",
    "other",
]


class CallbackIn(ApiModel):
    name: str = Field(min_length=1, max_length=80)
    phone: str = Field(pattern=PHONE, description="digits, spaces, + ( ) - .")
    preferred_time: str | None = Field(default=None, max_length=80)
    note: str | None = Field(default=None, max_length=500)
    language: str | None = Field(default=None, min_length=2, max_length=10)
    reason: Reason | None = None
    page_url: WebUrl | None = Field(default=None, max_length=2000)
    customer_id: str | None = Field(default=None, max_length=200)
    tier: str | None = Field(default=None, max_length=40)
    user_hash: str | None = Field(default=None, max_length=128, description="see identify()")
    identity_token: str | None = Field(default=None, max_length=4_096)


class CallbackQuery(ApiModel):
    status: Literal["open", "done"] | None = None
    limit: int = Field(default=100, ge=1, le=500)


class CallbackList(RootModel[list[CallbackRequest]]):
    pass


@api(
    summary="Leave a callback request (the alternative when visual help is not offered)",
    tag="callbacks",
    auth=("site_key", "api_key"),
    body=CallbackIn,
    response=CallbackRequest,
    status=201,
    errors=(422, 429),
)
async def create_callback(request: web.Request) -> web.Response:
    principal = await authenticate(request)
    if not isinstance(principal, SitePrincipal | ApiKeyPrincipal):
        raise Forbidden("post callback requests with the site key or an API key")
    if isinstance(principal, SitePrincipal):
        config = request.app[CONFIG]
        await request.app[RATE_LIMITER].hit(
            config.escalation_rate, "callbacks", f"{principal.site.id}:{client_ip(request)}"
        )
    body = await read_json(request, CallbackIn)
    claimed = CustomerInfo(
        id=body.customer_id,
        tier=body.tier,
        user_hash=body.user_hash,
        identity_token=body.identity_token,
    )
    checked = await verify_context(request.app[STORE], principal, Context(customer=claimed))
    customer = checked.customer or CustomerInfo()
    callback = CallbackRequest(
        id="cb_" + secrets.token_urlsafe(10),
        tenant_id=principal.tenant_id,
        **body.model_dump(exclude={"user_hash", "identity_token", "customer_id", "tier"}),
        customer_id=customer.id,
        tier=customer.tier,
        verified=customer.verified,
    )
    await request.app[STORE].create_callback(callback)
    return json_response(callback.model_dump(mode="json"), status=201)


@api(
    summary="The organisation's callback requests, oldest first",
    tag="callbacks",
    auth=("agent",),
    query=CallbackQuery,
    response=CallbackList,
)
async def list_callbacks(request: web.Request) -> web.Response:
    agent = await require_agent(request)
    query = parse_model(CallbackQuery, dict(request.query), strict=False)
    found = await request.app[STORE].list_callbacks(agent.tenant_id, query.status, query.limit)
    return json_response([c.model_dump(mode="json") for c in found])


@api(
    summary="Mark a callback request done (the customer was called)",
    tag="callbacks",
    auth=("agent",),
    response=CallbackRequest,
    errors=(404, 409),
)
async def complete_callback(request: web.Request) -> web.Response:
    agent = await require_agent(request)
    store = request.app[STORE]
    callback = await store.get_callback(request.match_info["id"])
    if callback is None or callback.tenant_id != agent.tenant_id:
        raise NotFound("unknown callback request")
    if callback.status == "done":
        raise Conflict("this callback request is already done")
    done = callback.model_copy(
        update={"status": "done", "done_at": utcnow(), "done_by": agent.agent_id}
    )
    await store.update_callback(done)
    return json_response(done.model_dump(mode="json"))


def setup(app: web.Application) -> None:
    app.router.add_post("/api/callbacks", create_callback)
    app.router.add_get("/api/callbacks", list_callbacks)
    app.router.add_post("/api/callbacks/{id}/done", complete_callback)
