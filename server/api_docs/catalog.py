"""OpenAPI descriptions of handlers that other packages define (their request models
are reused; the response shapes are declared here)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, Field, RootModel

from cobrowse import api as cobrowse_api
from escalation.core import routes as esc
from escalation.core.schemas import (
    CreateEscalation,
    CreateSession,
    EmptyBody,
    InviteBody,
    MediaConnectedBody,
    ReasonBody,
    TransferBody,
    UpgradeBody,
    WrapUpBody,
)
from server.admin import routes as admin
from server.admin import tenant_settings
from server.admin.schemas import AgentIn, AgentUpdate, SiteIn, SiteUpdate
from server.data_requests import routes as subject_routes
from server.data_requests.subjects import EraseBody, Item, SubjectQuery
from server.platform.access_audit import AuditQuery
from server.platform.auth import routes as auth
from server.platform.openapi import describe
from server.platform.validation import ApiModel
from server.retention import routes as retention_routes
from server.retention.policy import RetentionPolicy
from signaling import media_routes
from store.audit_models import AuditEvent
from store.escalation_models import Escalation, EscalationEvent
from store.models import Presence, Role


class AgentSummary(BaseModel):
    id: str
    name: str
    role: Role


class LoginResponse(BaseModel):
    access_token: str
    token_type: Literal["Bearer"]
    expires_in: int
    agent: AgentSummary


class OkResponse(BaseModel):
    ok: bool


class AgentView(BaseModel):
    id: str
    tenant_id: str
    email: str
    name: str
    role: Role
    skills: list[str]
    languages: list[str]
    capacity: dict[str, int]
    presence: Presence
    presence_changed_at: datetime
    created_at: datetime


class JoinResponse(BaseModel):
    token: str
    session_id: str
    role: Literal["customer", "participant", "observer"]


def describe_foundation() -> None:
    describe(
        auth.login,
        summary="Log in with e-mail and password; get an access token",
        tag="auth",
        body=auth.LoginRequest,
        response=LoginResponse,
        errors=(401, 422),
    )
    describe(
        auth.logout,
        summary="Revoke the access token",
        tag="auth",
        auth=("agent",),
        response=OkResponse,
    )
    describe(
        auth.me,
        summary="The agent behind the token",
        tag="agents",
        auth=("agent",),
        response=AgentView,
        errors=(404,),
    )
    describe(
        auth.set_presence,
        summary="Set one's presence (busy is derived, never set)",
        tag="agents",
        auth=("agent",),
        body=auth.PresenceRequest,
        response=AgentView,
        errors=(404, 422),
    )
    describe(
        auth.join,
        summary="Exchange an invite (link token or 6-digit code) once for a session token",
        tag="auth",
        body=auth.JoinRequest,
        response=JoinResponse,
        errors=(401, 422),
    )


class CustomerCredentials(BaseModel):
    token: str
    join_url: str
    short_code: str
    expires_at: datetime


class CreatedEscalation(BaseModel):
    escalation: Escalation
    customer: CustomerCredentials


class InviteView(BaseModel):
    join_url: str
    short_code: str
    expires_at: datetime


class RoleInviteView(InviteView):
    role: Literal["customer", "participant", "observer"]


class CreatedSession(BaseModel):
    escalation: Escalation
    invite: InviteView


class EscalationList(BaseModel):
    escalations: list[Escalation]


class EventList(BaseModel):
    events: list[EscalationEvent]


class QueueCounts(BaseModel):
    offers: list[Escalation]
    queued: list[Escalation]
    counts: dict[str, int]
    longest_wait_s: float


class ListEscalationsQuery(ApiModel):
    state: str | None = Field(default=None, max_length=200, description="states, comma-separated")
    limit: str | None = Field(default=None, max_length=4, description="1 to 500, default 50")
    customer_id: str | None = Field(default=None, max_length=200)


class EventsQuery(ApiModel):
    after: str | None = Field(default=None, max_length=12, description="only events after seq")
    token: str | None = Field(
        default=None, max_length=4096, description="session token (EventSource sends no headers)"
    )


class TokenQuery(ApiModel):
    token: str | None = Field(default=None, max_length=4096, description="session token")


IDEMPOTENCY = ("Idempotency-Key",)
ACTION_ERRORS = (404, 409, 422)


def describe_escalations() -> None:
    """The core escalation API (escalation/core/routes.py)."""
    describe(
        esc.create_escalation,
        summary="Request visual help: a bot, the site (API key), the widget (site key) or "
        "the customer's session token",
        tag="escalations",
        auth=("api_key", "site_key", "session"),
        body=CreateEscalation,
        response=CreatedEscalation,
        status=201,
        errors=(409, 422),
        headers=IDEMPOTENCY,
    )
    describe(
        esc.list_escalations,
        summary="Escalations of the organisation, newest first",
        tag="escalations",
        auth=("agent", "api_key"),
        query=ListEscalationsQuery,
        response=EscalationList,
        errors=(422,),
    )
    describe(
        esc.get_escalation,
        summary="One escalation (customers see fewer fields)",
        tag="escalations",
        auth=("agent", "api_key", "session"),
        query=TokenQuery,
        response=Escalation,
        errors=(404,),
    )
    describe(
        esc.list_events,
        summary="The escalation's events; with Accept: text/event-stream, live as SSE",
        tag="escalations",
        auth=("agent", "api_key", "session"),
        query=EventsQuery,
        response=EventList,
        errors=(404, 422),
    )
    actions = {
        esc.accept: ("Accept an offer or take a queued escalation", EmptyBody, ("agent",)),
        esc.decline: ("Decline an offer (it goes back to the queue)", ReasonBody, ("agent",)),
        esc.cancel: (
            "Cancel (agent, integration, or the customer while waiting)",
            ReasonBody,
            ("agent", "session", "api_key"),
        ),
        esc.transfer: ("Transfer to another agent or back to the queue", TransferBody, ("agent",)),
        esc.upgrade: ("Add visual modalities in the same session", UpgradeBody, ("agent",)),
        esc.wrap_up: ("End the session and write notes and disposition", WrapUpBody, ("agent",)),
        esc.complete: ("Complete after wrap-up", EmptyBody, ("agent",)),
        esc.media_connected: (
            "A session page reports that media flows",
            MediaConnectedBody,
            ("agent", "session"),
        ),
    }
    for handler, (summary, body, kinds) in actions.items():
        describe(
            handler,
            summary=summary,
            tag="escalations",
            auth=kinds,
            body=body,
            response=Escalation,
            errors=ACTION_ERRORS,
        )
    describe(
        esc.abandon,
        summary="The customer left while waiting (sendBeacon: token may be in ?token=)",
        tag="escalations",
        auth=("session",),
        query=TokenQuery,
        response=Escalation,
        errors=ACTION_ERRORS,
    )
    describe(
        esc.create_invite,
        summary="Invite someone into the escalation's session",
        tag="escalations",
        auth=("agent",),
        body=InviteBody,
        response=RoleInviteView,
        status=201,
        errors=ACTION_ERRORS,
        headers=IDEMPOTENCY,
    )
    describe(
        esc.create_session,
        summary="An agent's ad-hoc session (e.g. a phone call turned visual), already accepted",
        tag="escalations",
        auth=("agent",),
        body=CreateSession,
        response=CreatedSession,
        status=201,
        errors=(409, 422),
        headers=IDEMPOTENCY,
    )
    describe(
        esc.queue,
        summary="Offers for me, queued escalations I could take, and the queue summary",
        tag="agents",
        auth=("agent",),
        response=QueueCounts,
        errors=(404,),
    )


class SiteView(BaseModel):
    """A site as the admin API shows it: whether it has an identity secret, never the
    secret, except in the one answer that made it."""

    id: str
    tenant_id: str
    name: str
    site_key: str
    allowed_origins: list[str]
    identity_verification: bool
    identity_secret_set: bool
    identity_secret: str | None = Field(
        default=None, description="only in the answer that created or rotated it"
    )
    created_at: datetime


class SiteList(RootModel[list[SiteView]]):
    pass


class AgentViewList(RootModel[list[AgentView]]):
    pass


class AuditList(RootModel[list[AuditEvent]]):
    pass


def describe_admin() -> None:
    """The admin API (server/admin): sites, agents and the audit log."""
    describe(
        admin.list_sites,
        summary="The organisation's sites",
        tag="admin",
        auth=("admin",),
        response=SiteList,
    )
    describe(
        admin.create_site,
        summary="Add a site; its site key and identity secret are generated",
        tag="admin",
        auth=("admin",),
        body=SiteIn,
        response=SiteView,
        status=201,
        errors=(422,),
    )
    describe(
        admin.update_site,
        summary="Rename a site, change its origins or identity verification, rotate a key",
        tag="admin",
        auth=("admin",),
        body=SiteUpdate,
        response=SiteView,
        errors=(404, 422),
    )
    describe(
        admin.list_agents,
        summary="Every agent with skills, languages, capacity and presence",
        tag="admin",
        auth=("admin", "supervisor"),
        response=AgentViewList,
    )
    describe(
        admin.create_agent,
        summary="Add an agent, supervisor or admin",
        tag="admin",
        auth=("admin",),
        body=AgentIn,
        response=AgentView,
        status=201,
        errors=(409, 422),
    )
    describe(
        admin.update_agent,
        summary="Change an agent's name, role, skills, languages, capacity or password",
        tag="admin",
        auth=("admin",),
        body=AgentUpdate,
        response=AgentView,
        errors=(404, 409, 422),
    )
    describe(
        admin.list_audit,
        summary="Admin changes and accesses to customer data, newest first, filtered",
        tag="admin",
        auth=("admin",),
        query=AuditQuery,
        response=AuditList,
    )
    describe(
        tenant_settings.get_masking,
        summary="CSS selectors the widget masks and patterns the server masks",
        tag="admin",
        auth=("admin",),
        response=tenant_settings.MaskingSettings,
    )
    describe(
        tenant_settings.put_masking,
        summary="Set the organisation's masking selectors and patterns",
        tag="admin",
        auth=("admin",),
        body=tenant_settings.MaskingSettings,
        response=tenant_settings.MaskingSettings,
        errors=(422,),
    )
    describe(
        tenant_settings.get_turn,
        summary="The organisation's STUN/TURN servers (the secret is never shown)",
        tag="admin",
        auth=("admin",),
        response=TurnView,
    )
    describe(
        tenant_settings.put_turn,
        summary="Set the organisation's STUN/TURN servers and coturn shared secret",
        tag="admin",
        auth=("admin",),
        body=tenant_settings.TurnUpdate,
        response=TurnView,
        errors=(422,),
    )
    describe_retention()


class RetentionView(RetentionPolicy):
    defaults: dict[str, int] = Field(description="the periods an organisation starts with")


class PurgeReport(BaseModel):
    id: str
    started_at: datetime
    finished_at: datetime
    node: str = Field(description="the node that ran it")
    trigger: Literal["schedule", "admin"]
    removed: dict[str, int] = Field(
        description="count per kind: call_recordings, cobrowse_recordings, snapshots, "
        "escalations, conversations, consents, audit_entries, webhook_deliveries"
    )
    total: int
    policy: RetentionPolicy = Field(description="the periods the run applied")


class PurgeStatus(BaseModel):
    last: PurgeReport | None = Field(description="the organisation's last run, any node")
    interval_s: float = Field(description="how often nodes purge by themselves (0: never)")


def describe_retention() -> None:
    """Retention periods and the purge (server/retention/routes.py)."""
    describe(
        retention_routes.get_retention,
        summary="How many days each kind of customer data is kept, with the defaults",
        tag="admin",
        auth=("admin",),
        response=RetentionView,
    )
    describe(
        retention_routes.put_retention,
        summary="Set the organisation's retention periods (audited as retention.updated)",
        tag="admin",
        auth=("admin",),
        body=RetentionPolicy,
        response=RetentionView,
        errors=(422,),
    )
    describe(
        retention_routes.get_purge,
        summary="The last purge's report and how often purges run",
        tag="admin",
        auth=("admin",),
        response=PurgeStatus,
    )
    describe(
        retention_routes.post_purge,
        summary="Purge the organisation's expired data now (409 while another node purges)",
        tag="admin",
        auth=("admin",),
        response=PurgeReport,
        errors=(409,),
    )


class TurnView(BaseModel):
    stun_urls: list[str]
    turn_urls: list[str]
    ttl_s: int
    secret_set: bool


class RecordingsQuery(ApiModel):
    session_id: str | None = Field(default=None, max_length=100)


class VideoRecordings(BaseModel):
    recordings: list[dict[str, Any]] = Field(
        description="{id, session_id, started_at, duration_s, size_bytes, url}"
    )


class DemoVideos(BaseModel):
    videos: list[dict[str, Any]]


class CobrowseRecordings(BaseModel):
    recordings: list[dict[str, Any]]


class CobrowseEvents(RootModel[list[dict[str, Any]]]):
    """The masked rrweb events of a recorded session, in order."""


def describe_media() -> None:
    """Recordings, demo videos and snapshots (signaling/media_routes.py, cobrowse/api.py)."""
    describe(
        media_routes.list_recordings,
        summary="Call recordings (supervisors)",
        tag="recordings",
        auth=("supervisor",),
        query=RecordingsQuery,
        response=VideoRecordings,
        errors=(404,),
    )
    describe(
        media_routes.recording_file,
        summary="Download a call recording (WebM)",
        tag="recordings",
        auth=("supervisor",),
        content_type="video/webm",
        errors=(404,),
    )
    describe(
        media_routes.demo_videos,
        summary="The demo-video library agents can play",
        tag="recordings",
        auth=("agent",),
        response=DemoVideos,
    )
    describe(
        media_routes.snapshot_file,
        summary="A snapshot taken during a session (PNG)",
        tag="recordings",
        auth=("agent",),
        content_type="image/png",
        errors=(404,),
    )
    describe(
        cobrowse_api.recordings,
        summary="Co-browse recordings (supervisors)",
        tag="recordings",
        auth=("supervisor",),
        response=CobrowseRecordings,
    )
    describe(
        cobrowse_api.recording_events,
        summary="A co-browse recording's masked events, for replay (supervisors)",
        tag="recordings",
        auth=("supervisor",),
        response=CobrowseEvents,
        errors=(404,),
    )


class DataSearch(BaseModel):
    subject: dict[str, str]
    counts: dict[str, int] = Field(description="items found per kind")
    truncated: bool = Field(description="the subject index had more records than read")
    items: list[Item] = Field(description="``file``: the item's path in the export zip")


class ErasedKind(BaseModel):
    count: int
    ids: list[str]


class DataErasure(BaseModel):
    subject: dict[str, str]
    erased: dict[str, ErasedKind] = Field(
        description="escalations_anonymised, csat_comments, conversations, messages, "
        "callbacks, consents, webhook_deliveries, cobrowse_checkpoints, recordings, "
        "cobrowse_recordings, snapshots"
    )


def describe_data_requests() -> None:
    """Data subject requests (server/data_requests/routes.py): find, export, erase."""
    describe(
        subject_routes.search,
        summary="Everything kept about a customer (by customer id, e-mail and/or name)",
        tag="privacy",
        auth=("admin",),
        body=SubjectQuery,
        response=DataSearch,
        errors=(422,),
    )
    describe(
        subject_routes.export,
        summary="A customer's data as a zip (JSON and decrypted media), streamed",
        tag="privacy",
        auth=("admin",),
        body=SubjectQuery,
        content_type="application/zip",
        errors=(422,),
    )
    describe(
        subject_routes.erase_subject,
        summary="Erase a customer's data everywhere; escalations are anonymised for KPIs",
        tag="privacy",
        auth=("admin",),
        body=EraseBody,
        response=DataErasure,
        errors=(409, 422),
    )
