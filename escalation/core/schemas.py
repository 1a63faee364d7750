"""Request bodies of the escalation API (strict: unknown fields and wrong types are 422)."""

from __future__ import annotations

from pydantic import Field, field_validator, model_validator

from server.platform.validation import ApiModel
from store.escalation_models import Channel, Context, Trigger
from store.models import Modality, ParticipantRole

Skill = str
LANGUAGE_PATTERN = r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})?$"


def _unique(values: list[str]) -> list[str]:
    return list(dict.fromkeys(values))


class CreateEscalation(ApiModel):
    trigger: Trigger | None = None  # default: bot for API keys, customer for the widget
    channel: Channel = "web"
    modalities: list[Modality] = Field(min_length=1, max_length=4)
    context: Context = Field(default_factory=Context)
    conversation_id: str | None = Field(default=None, min_length=1, max_length=100)
    skills: list[Skill] = Field(default_factory=list, max_length=20)
    language: str | None = Field(default=None, pattern=LANGUAGE_PATTERN)
    priority: int = Field(default=0, ge=-100, le=100)

    @field_validator("modalities", "skills")
    @classmethod
    def dedupe(cls, values: list[str]) -> list[str]:
        return _unique(values)

    @field_validator("skills")
    @classmethod
    def short_skills(cls, values: list[str]) -> list[str]:
        if any(not 1 <= len(v) <= 50 for v in values):
            raise ValueError("each skill is 1 to 50 characters")
        return values


class CreateSession(ApiModel):
    """An agent's ad-hoc session (e.g. a phone call turned visual)."""

    modalities: list[Modality] = Field(min_length=1, max_length=4)
    context: Context = Field(default_factory=Context)
    channel: Channel = "voice"
    conversation_id: str | None = Field(default=None, min_length=1, max_length=100)
    language: str | None = Field(default=None, pattern=LANGUAGE_PATTERN)

    @field_validator("modalities")
    @classmethod
    def dedupe(cls, values: list[str]) -> list[str]:
        return _unique(values)


class ReasonBody(ApiModel):
    reason: str | None = Field(default=None, max_length=500)


class TransferBody(ApiModel):
    to_agent_id: str | None = Field(default=None, min_length=1, max_length=100)
    to_queue: bool = False
    note: str = Field(min_length=1, max_length=2_000)
    skills: list[Skill] | None = Field(default=None, max_length=20)

    @model_validator(mode="after")
    def one_target(self) -> TransferBody:
        if (self.to_agent_id is None) == (not self.to_queue):
            raise ValueError("send exactly one of to_agent_id or to_queue: true")
        return self


class UpgradeBody(ApiModel):
    modalities: list[Modality] = Field(min_length=1, max_length=4)
    trigger: Trigger = "agent"  # who asked for it: the agent, the customer, a bot

    @field_validator("modalities")
    @classmethod
    def dedupe(cls, values: list[str]) -> list[str]:
        return _unique(values)


class WrapUpBody(ApiModel):
    notes: str = Field(default="", max_length=10_000)
    disposition: str | None = Field(default=None, min_length=1, max_length=100)


class EmptyBody(ApiModel):
    pass


class InviteBody(ApiModel):
    role: ParticipantRole


class MediaConnectedBody(ApiModel):
    ms: int | None = Field(default=None, ge=0, le=3_600_000)  # client-measured, optional
    modality: Modality | None = None
