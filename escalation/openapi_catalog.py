"""OpenAPI descriptions of handlers that other packages define (their request models
are reused; the response shapes are declared here)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel

from escalation.openapi import describe
from server.auth import routes as auth
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
