"""Records kept in the store. Pydantic models so that they validate on the way in and
serialise the same way for both backends."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

Role = Literal["agent", "supervisor", "admin"]
Presence = Literal["offline", "available", "away"]
ParticipantRole = Literal["customer", "participant", "observer"]
Modality = Literal["chat", "video", "screen", "cobrowse"]

DEFAULT_CAPACITY: dict[str, int] = {"chat": 4, "cobrowse": 2, "video": 1}


def utcnow() -> datetime:
    return datetime.now(UTC)


class Record(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Tenant(Record):
    id: str
    name: str
    created_at: datetime = Field(default_factory=utcnow)


class Site(Record):
    id: str
    tenant_id: str
    name: str
    site_key: str
    allowed_origins: list[str] = Field(default_factory=list)
    # Customer identity verification (escalation/identity.py). A record written before
    # the setting existed reads as False, so sites created earlier keep working.
    identity_verification: bool = False
    identity_secret: str | None = None  # HMAC/JWT key shared with the site's backend
    created_at: datetime = Field(default_factory=utcnow)

    def public(self) -> dict[str, object]:
        """What the admin API lists: never the identity secret, only whether it is set."""
        data = self.model_dump(mode="json", exclude={"identity_secret"})
        data["identity_secret_set"] = self.identity_secret is not None
        return data


class Agent(Record):
    id: str
    tenant_id: str
    email: str
    name: str
    role: Role = "agent"
    password_hash: str
    skills: list[str] = Field(default_factory=list)
    languages: list[str] = Field(default_factory=list)
    capacity: dict[str, int] = Field(default_factory=lambda: dict(DEFAULT_CAPACITY))
    presence: Presence = "offline"
    presence_changed_at: datetime = Field(default_factory=utcnow)
    created_at: datetime = Field(default_factory=utcnow)

    def public(self) -> dict[str, object]:
        """What an API client may see: everything but the password hash."""
        return self.model_dump(mode="json", exclude={"password_hash"})


class ApiKey(Record):
    id: str
    tenant_id: str
    name: str
    key_hash: str  # sha256 hex of the key; keys are random, so a plain hash suffices
    created_at: datetime = Field(default_factory=utcnow)


class Session(Record):
    """The room where media, screen share and co-browse happen."""

    id: str
    tenant_id: str
    escalation_id: str | None = None
    agent_ids: list[str] = Field(default_factory=list)  # agents assigned to it
    created_at: datetime = Field(default_factory=utcnow)
    ended_at: datetime | None = None


class Invite(Record):
    id: str  # the link token: random, single use
    short_code: str  # 6 digits, unique among live invites
    tenant_id: str
    session_id: str
    role: ParticipantRole
    created_by: str | None = None
    expires_at: datetime
    used_at: datetime | None = None


class Peer(Record):
    """A participant present in a session's signaling room."""

    id: str
    role: str
    name: str
    sid: str  # Socket.IO sid of its current connection (any node)
    joined_at: datetime = Field(default_factory=utcnow)
    # A supervisor's coaching mode (issue #25): "observe", "whisper" or "barge"; "" for
    # everyone else. Stored so a peer joining later learns it from the peer list.
    mode: str = ""

    def public(self) -> dict[str, str]:
        shown = {"id": self.id, "role": self.role, "name": self.name}
        if self.mode:
            shown["mode"] = self.mode
        return shown
