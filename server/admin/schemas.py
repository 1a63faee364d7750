"""Admin request bodies: every field validated, so a bad value is named in the 422."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlsplit

from pydantic import AfterValidator, Field, field_validator

from server.platform.validation import ApiModel
from store.models import Role

Skill = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9_-]{0,31}$")]
Language = Annotated[str, Field(pattern=r"^[a-z]{2}$")]
CAPACITY_KEYS = ("chat", "cobrowse", "video")


def _origin(value: str) -> str:
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValueError("an origin is scheme://host[:port], e.g. https://shop.example")
    if parts.path not in ("", "/") or parts.query or parts.fragment or "@" in parts.netloc:
        raise ValueError("an origin has no path, query or credentials")
    return f"{parts.scheme}://{parts.netloc.lower()}"


Origin = Annotated[str, Field(max_length=200), AfterValidator(_origin)]


def _capacity(value: dict[str, int]) -> dict[str, int]:
    unknown = set(value) - set(CAPACITY_KEYS)
    if unknown:
        raise ValueError(f"capacity keys are {', '.join(CAPACITY_KEYS)}")
    if any(not 0 <= n <= 20 for n in value.values()):
        raise ValueError("each capacity is between 0 and 20")
    return value


class SiteIn(ApiModel):
    name: str = Field(min_length=1, max_length=100)
    allowed_origins: list[Origin] = Field(default_factory=list, max_length=50)
    identity_verification: bool = True  # new sites verify customer identity


class SiteUpdate(ApiModel):
    name: str | None = Field(default=None, min_length=1, max_length=100)
    allowed_origins: list[Origin] | None = Field(default=None, max_length=50)
    identity_verification: bool | None = None
    rotate_key: bool = False
    rotate_identity_secret: bool = False


class AgentIn(ApiModel):
    email: str = Field(pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$", max_length=254)
    name: str = Field(min_length=1, max_length=100)
    role: Role = "agent"
    password: str = Field(min_length=8, max_length=200)
    skills: list[Skill] = Field(default_factory=list, max_length=30)
    languages: list[Language] = Field(default_factory=list, max_length=10)
    capacity: Annotated[dict[str, int], AfterValidator(_capacity)] | None = None


class AgentUpdate(ApiModel):
    name: str | None = Field(default=None, min_length=1, max_length=100)
    role: Role | None = None
    password: str | None = Field(default=None, min_length=8, max_length=200)
    skills: list[Skill] | None = Field(default=None, max_length=30)
    languages: list[Language] | None = Field(default=None, max_length=10)
    capacity: Annotated[dict[str, int], AfterValidator(_capacity)] | None = None

    @field_validator("skills", "languages")
    @classmethod
    def _unique(cls, value: list[str] | None) -> list[str] | None:
        return None if value is None else sorted(set(value))
