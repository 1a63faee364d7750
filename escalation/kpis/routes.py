"""``POST /api/escalations/{id}/csat`` (the customer rates the help once) and
``GET /api/metrics`` (KPIs for supervisors)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from aiohttp import web
from pydantic import BaseModel, ConfigDict, Field, field_validator

from escalation.core.change import actor_of
from escalation.core.service import ESCALATIONS
from escalation.kpis.metrics import Stream, compute, select
from server.platform.auth.join_codes import code_failure_metrics
from server.platform.auth.principals import SessionPrincipal
from server.platform.auth.request import require, require_agent
from server.platform.errors import Conflict, Forbidden, NotFound, Unprocessable
from server.platform.jsonio import json_response
from server.platform.keys import CONFIG, STORE
from server.platform.openapi import api
from server.platform.validation import ApiModel, parse_model, read_json
from store.engagement_models import CsatAnswer
from store.models import utcnow

DEFAULT_WINDOW = timedelta(days=1)
MAX_WINDOW = timedelta(days=92)
MAX_ESCALATIONS = 10_000  # newest escalations read per metrics request


class CsatBody(ApiModel):
    score: int = Field(ge=1, le=5)
    comment: str = Field(default="", max_length=2_000)


class CsatResponse(BaseModel):
    escalation_id: str
    score: int
    comment: str
    at: datetime


def _instant(value: str | None) -> str | None:
    if value is not None:
        parsed = datetime.fromisoformat(value)
        if parsed.tzinfo is None:
            raise ValueError("give a time zone, e.g. 2026-03-01T00:00:00Z")
    return value


class MetricsQuery(ApiModel):
    model_config = ConfigDict(populate_by_name=True)

    from_: str | None = Field(
        default=None, alias="from", max_length=40, description="ISO 8601; default: to - 24 h"
    )
    to: str | None = Field(default=None, max_length=40, description="ISO 8601; default: now")
    queue: str | None = Field(default=None, max_length=50, description="a required skill")
    agent: str | None = Field(default=None, max_length=100, description="agent id")

    @field_validator("from_", "to")
    @classmethod
    def _aware(cls, value: str | None) -> str | None:
        return _instant(value)


class CsatSummary(BaseModel):
    count: int
    average: float | None
    distribution: dict[str, int]


class UpgradeSummary(BaseModel):
    count: int
    rate: float | None
    by_trigger: dict[str, int]
    rate_by_trigger: dict[str, float | None]


class DurationSummary(BaseModel):
    count: int
    average: float | None
    p50: float | None
    p90: float | None


class JoinCodeFailures(BaseModel):
    failed: int
    budget: str
    paused: bool


class ExpertSummary(BaseModel):
    assisted: int = Field(description="escalations an expert joined (issue #25)")
    rate: float | None
    time_s: DurationSummary = Field(description="expert time per assisted escalation")


class MetricsResponse(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    from_: datetime = Field(alias="from")
    to: datetime
    queue: str | None
    agent: str | None
    escalations: int
    offered: int
    answered: int
    abandoned: int
    expired: int
    abandonment_rate: float | None
    average_speed_of_answer_s: float | None
    service_level: float | None
    service_level_threshold_s: float
    average_handle_time_s: float | None
    csat: CsatSummary
    by_trigger: dict[str, int]
    by_modality: dict[str, int]
    upgrades: UpgradeSummary
    accept_to_media_s: DurationSummary
    experts: ExpertSummary
    join_codes: JoinCodeFailures = Field(
        description="wrong 6-digit join codes across the deployment, in the budget's window"
    )


@api(
    summary="Rate the help received, 1 to 5, once (customer session token)",
    tag="escalations",
    auth=("session",),
    body=CsatBody,
    response=CsatResponse,
    status=201,
    errors=(404, 409, 422),
)
async def post_csat(request: web.Request) -> web.Response:
    customer = await require(request, SessionPrincipal)
    store = request.app[STORE]
    esc = await store.get_escalation(request.match_info["id"])
    if esc is None or esc.tenant_id != customer.tenant_id:
        raise NotFound("unknown escalation")
    if esc.session_id != customer.session_id or customer.role != "customer":
        raise Forbidden("only the customer of this escalation may rate it")
    body = await read_json(request, CsatBody)
    if "accepted" not in esc.timestamps:
        raise Conflict("no agent has helped with this escalation yet")
    answer = CsatAnswer(
        escalation_id=esc.id,
        tenant_id=esc.tenant_id,
        score=body.score,
        comment=body.comment,
        agent_id=esc.agent_id,
        queue=esc.skills[0] if esc.skills else None,
    )
    if not await store.add_csat(answer):
        raise Conflict("this escalation has already been rated")
    # Also in the escalation's audit log (and so to webhooks as escalation.csat).
    await request.app[ESCALATIONS].record_fact(
        esc.id, "csat", actor_of(customer), {"score": body.score, "comment": body.comment}
    )
    return json_response(
        answer.model_dump(mode="json", include={"escalation_id", "score", "comment", "at"}),
        status=201,
    )


def metrics_window(request: web.Request) -> tuple[MetricsQuery, datetime, datetime]:
    """The query of a metrics request and its window (default: the last 24 h)."""
    known = {"from", "to", "queue", "agent"}
    query = parse_model(MetricsQuery, {k: v for k, v in request.query.items() if k in known})
    until = datetime.fromisoformat(query.to).astimezone(UTC) if query.to else utcnow()
    since = (
        datetime.fromisoformat(query.from_).astimezone(UTC)
        if query.from_
        else until - DEFAULT_WINDOW
    )
    if not since < until:
        raise Unprocessable("'from' must be before 'to'")
    if until - since > MAX_WINDOW:
        raise Unprocessable(f"the window may span at most {MAX_WINDOW.days} days")
    return query, since, until


@api(
    summary="KPIs over a time window, per queue or agent (supervisors and admins)",
    tag="metrics",
    auth=("supervisor",),
    query=MetricsQuery,
    response=MetricsResponse,
    errors=(422,),
)
async def get_metrics(request: web.Request) -> web.Response:
    supervisor = await require_agent(request, "supervisor", "admin")
    query, since, until = metrics_window(request)
    store = request.app[STORE]
    candidates = [
        e
        for e in await store.list_escalations(supervisor.tenant_id, limit=MAX_ESCALATIONS)
        if since <= e.created_at < until and (query.queue is None or query.queue in e.skills)
    ]
    streams = [
        Stream(e.id, e.trigger, e.modalities, await store.list_events(e.id), e.skills, e.agent_id)
        for e in candidates
    ]
    chosen = select(streams, since, until, query.queue, query.agent)
    csat = await store.list_csat(supervisor.tenant_id, since, utcnow() + timedelta(seconds=1))
    kpis = compute(chosen, csat, request.app[CONFIG].service_level_s)
    head = {"from": since.isoformat(), "to": until.isoformat()}
    codes = await code_failure_metrics(request.app)
    return json_response(
        {**head, "queue": query.queue, "agent": query.agent, **kpis, "join_codes": codes}
    )


def setup(app: web.Application) -> None:
    app.router.add_post("/api/escalations/{id}/csat", post_csat)
    app.router.add_get("/api/metrics", get_metrics)
