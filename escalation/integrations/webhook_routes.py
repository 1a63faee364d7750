"""Admin API of webhook endpoints and their delivery log."""

from __future__ import annotations

import re
import secrets
from datetime import datetime
from typing import Annotated, Any

from aiohttp import web
from pydantic import AfterValidator, BaseModel, Field, field_validator

from escalation.integrations.webhooks import WEBHOOKS, message_body
from server.platform import signing as webhook_signing
from server.platform.auth.request import require_agent
from server.platform.errors import NotFound
from server.platform.jsonio import json_response
from server.platform.keys import OUTBOUND, STORE
from server.platform.openapi import api
from server.platform.validation import ApiModel, parse_model, read_json
from store.engagement_models import DeliveryAttempt, WebhookDelivery, WebhookEndpoint
from store.models import utcnow
from store.values import check_web_url

EVENT_PATTERN = r"^[a-z0-9_.*]{1,80}$"


class WebhookCreate(ApiModel):
    url: Annotated[str, AfterValidator(check_web_url)] = Field(
        min_length=8, max_length=2048, examples=["https://example.com/hooks/coview"]
    )
    event_types: list[str] = Field(
        default_factory=list,
        max_length=50,
        description="event types to send (glob patterns, e.g. escalation.*); empty: all",
    )
    description: str = Field(default="", max_length=200)

    @field_validator("event_types")
    @classmethod
    def _patterns(cls, value: list[str]) -> list[str]:
        for pattern in value:
            if not re.fullmatch(EVENT_PATTERN, pattern):
                raise ValueError(f"invalid event type pattern {pattern!r}")
        return value


class WebhookView(BaseModel):
    id: str
    url: str
    event_types: list[str]
    description: str
    created_at: datetime
    secret: str | None = Field(default=None, description="only when created or read singly")


class WebhookList(BaseModel):
    webhooks: list[WebhookView]


class DeliveryView(BaseModel):
    id: str
    endpoint_id: str
    event_type: str
    status: str
    next_attempt_at: datetime | None
    attempts: list[DeliveryAttempt]
    created_at: datetime
    body: str


class DeliveryList(BaseModel):
    deliveries: list[DeliveryView]


class DeliveryQuery(ApiModel):
    limit: str | None = Field(default=None, pattern=r"^([1-9]\d{0,2}|1000)$")


class TestEventResponse(BaseModel):
    deliveries: list[str]


def view(endpoint: WebhookEndpoint, with_secret: bool = False) -> dict[str, Any]:
    data = endpoint.model_dump(mode="json", exclude={"tenant_id", "secret"})
    data["secret"] = endpoint.secret if with_secret else None
    return data


def delivery_view(delivery: WebhookDelivery) -> dict[str, Any]:
    return delivery.model_dump(mode="json", exclude={"tenant_id"})


async def _own_endpoint(request: web.Request, tenant_id: str) -> WebhookEndpoint:
    endpoint = await request.app[STORE].get_webhook(request.match_info["id"])
    if endpoint is None or endpoint.tenant_id != tenant_id:
        raise NotFound("no such webhook endpoint")
    return endpoint


@api(
    summary="Subscribe an endpoint to escalation events; the answer carries its secret",
    tag="webhooks",
    auth=("admin",),
    body=WebhookCreate,
    response=WebhookView,
    status=201,
    errors=(422,),
)
async def create_webhook(request: web.Request) -> web.Response:
    admin = await require_agent(request, "admin")
    body = await read_json(request, WebhookCreate)
    request.app[OUTBOUND].check_saved(body.url)
    endpoint = WebhookEndpoint(
        id="wh_" + secrets.token_urlsafe(9),
        tenant_id=admin.tenant_id,
        url=body.url,
        secret=webhook_signing.new_secret(),
        event_types=body.event_types,
        description=body.description,
    )
    await request.app[STORE].put_webhook(endpoint)
    request.app[WEBHOOKS].forget_endpoints(admin.tenant_id)
    return json_response(view(endpoint, with_secret=True), status=201)


@api(
    summary="The tenant's webhook endpoints", tag="webhooks", auth=("admin",), response=WebhookList
)
async def list_webhooks(request: web.Request) -> web.Response:
    admin = await require_agent(request, "admin")
    endpoints = await request.app[STORE].list_webhooks(admin.tenant_id)
    return json_response({"webhooks": [view(e) for e in endpoints]})


@api(
    summary="One webhook endpoint, with its signing secret",
    tag="webhooks",
    auth=("admin",),
    response=WebhookView,
    errors=(404,),
)
async def get_webhook(request: web.Request) -> web.Response:
    admin = await require_agent(request, "admin")
    return json_response(view(await _own_endpoint(request, admin.tenant_id), True))


@api(
    summary="Delete an endpoint; its pending deliveries fail",
    tag="webhooks",
    auth=("admin",),
    status=204,
    errors=(404,),
)
async def delete_webhook(request: web.Request) -> web.Response:
    admin = await require_agent(request, "admin")
    endpoint = await _own_endpoint(request, admin.tenant_id)
    await request.app[STORE].delete_webhook(endpoint.id)
    request.app[WEBHOOKS].forget_endpoints(admin.tenant_id)
    return web.Response(status=204)


@api(
    summary="The endpoint's delivery log, newest first, with every attempt",
    tag="webhooks",
    auth=("admin",),
    query=DeliveryQuery,
    response=DeliveryList,
    errors=(404, 422),
)
async def list_deliveries(request: web.Request) -> web.Response:
    admin = await require_agent(request, "admin")
    endpoint = await _own_endpoint(request, admin.tenant_id)
    query = parse_model(DeliveryQuery, {k: v for k, v in request.query.items() if k == "limit"})
    limit = int(query.limit or 100)
    deliveries = await request.app[STORE].list_deliveries(admin.tenant_id, endpoint.id, limit)
    return json_response({"deliveries": [delivery_view(d) for d in deliveries]})


@api(
    summary="Send a webhook.test message to this endpoint",
    tag="webhooks",
    auth=("admin",),
    response=TestEventResponse,
    status=202,
    errors=(404,),
)
async def send_test(request: web.Request) -> web.Response:
    admin = await require_agent(request, "admin")
    endpoint = await _own_endpoint(request, admin.tenant_id)
    dispatcher = request.app[WEBHOOKS]
    now = utcnow()
    delivery = WebhookDelivery(
        id="msg_" + secrets.token_urlsafe(16),
        tenant_id=admin.tenant_id,
        endpoint_id=endpoint.id,
        event_type="webhook.test",
        body=message_body("webhook.test", {"endpoint_id": endpoint.id}, now),
        next_attempt_at=now,
        created_at=now,
    )
    await dispatcher.store.save_delivery(delivery)
    dispatcher.wake()
    return json_response({"deliveries": [delivery.id]}, status=202)


def setup(app: web.Application) -> None:
    app.router.add_post("/api/admin/webhooks", create_webhook)
    app.router.add_get("/api/admin/webhooks", list_webhooks)
    app.router.add_get("/api/admin/webhooks/{id}", get_webhook)
    app.router.add_delete("/api/admin/webhooks/{id}", delete_webhook)
    app.router.add_get("/api/admin/webhooks/{id}/deliveries", list_deliveries)
    app.router.add_post("/api/admin/webhooks/{id}/test", send_test)
