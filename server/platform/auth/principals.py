"""The kinds of caller a request or a socket can authenticate as."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from store.models import Agent, ParticipantRole, Role, Site


@dataclass(frozen=True)
class AgentPrincipal:
    agent_id: str
    tenant_id: str
    role: Role
    name: str
    jti: str
    expires_at: datetime
    # The record authentication read at the start of the request, so that handlers
    # need not read it again; None where the principal was built otherwise.
    agent: Agent | None = field(default=None, compare=False, repr=False)

    @property
    def is_supervisor(self) -> bool:
        return self.role in ("supervisor", "admin")


@dataclass(frozen=True)
class SessionPrincipal:
    """A customer, third party or observer holding a session token."""

    session_id: str
    tenant_id: str
    role: ParticipantRole
    participant_id: str
    name: str
    jti: str


@dataclass(frozen=True)
class ApiKeyPrincipal:
    key_id: str
    tenant_id: str
    name: str


@dataclass(frozen=True)
class SitePrincipal:
    site: Site

    @property
    def tenant_id(self) -> str:
        return self.site.tenant_id


Principal = AgentPrincipal | SessionPrincipal | ApiKeyPrincipal | SitePrincipal
