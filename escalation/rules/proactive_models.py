"""Proactive rules: when the widget invites a hesitating shopper to visual help (or,
for a "watch" rule, shows the visitor to agents so one can invite them). They live in
the tenant's rules document beside the display rules and share its calendar."""

from __future__ import annotations

import re
from typing import Literal

from pydantic import Field, field_validator

from server.platform.validation import ApiModel

InviteModality = Literal["chat", "video", "cobrowse"]
RULE_ID = r"^[a-z0-9][a-z0-9_-]{0,39}$"
SIGNAL = r"^[a-z0-9][a-z0-9_.-]{0,49}$"
LANG = r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})?$"
# What the widget needs to evaluate a rule locally (never the staffing thresholds).
PUBLIC_FIELDS = {
    "id",
    "action",
    "page",
    "min_time_on_page_s",
    "min_funnel_time_s",
    "min_visits",
    "min_cart_total",
    "min_cart_items",
    "tiers",
    "languages",
    "signal",
    "modalities",
    "cap_minutes",
    "once_per_session",
}


class ProactiveRule(ApiModel):
    """Every condition given must hold (a field left out, null or 0, means none)."""

    id: str = Field(pattern=RULE_ID, examples=["checkout-hesitation"])
    name: str = Field(min_length=1, max_length=120)
    enabled: bool = True
    action: Literal["invite", "watch"] = "invite"
    page: str = Field(default="*", min_length=1, max_length=300, examples=["/demo/checkout*"])
    min_time_on_page_s: int = Field(default=0, ge=0, le=3_600)
    min_funnel_time_s: int = Field(
        default=0, ge=0, le=86_400, description="since the first checkout_step this session"
    )
    min_visits: int = Field(default=0, ge=0, le=100, description="visits to a matching page")
    min_cart_total: float | None = Field(default=None, ge=0, le=1e9)
    min_cart_items: int | None = Field(default=None, ge=0, le=10_000)
    tiers: list[str] | None = Field(default=None, max_length=20)
    languages: list[str] | None = Field(default=None, max_length=20)
    signal: str | None = Field(
        default=None, pattern=SIGNAL, description='coview.signal(name), e.g. "payment_failed"'
    )
    skill: str | None = Field(
        default=None, min_length=1, max_length=50, description="an available agent must have it"
    )
    max_wait_s: int = Field(default=120, ge=0, le=3_600, description="estimated wait at most")
    modalities: list[InviteModality] = Field(default=["video"], min_length=1, max_length=3)
    text: dict[str, str] = Field(
        default_factory=dict, description="invitation text by language; default: the widget's"
    )
    cap_minutes: int = Field(
        default=60, ge=0, le=43_200, description="at most one invitation per N minutes"
    )
    once_per_session: bool = True

    @field_validator("modalities")
    @classmethod
    def _unique_modalities(cls, value: list[str]) -> list[str]:
        return list(dict.fromkeys(value))

    @field_validator("text")
    @classmethod
    def _texts(cls, value: dict[str, str]) -> dict[str, str]:
        if len(value) > 20:
            raise ValueError("at most 20 languages")
        for lang, text in value.items():
            if not re.fullmatch(LANG, lang):
                raise ValueError(f"invalid language {lang!r}")
            if not 1 <= len(text.strip()) <= 300:
                raise ValueError(f"{lang}: the text is 1 to 300 characters")
        return value

    def public(self, lang: str) -> dict[str, object]:
        """What the widget gets: the conditions it checks and the text in ``lang``."""
        view = self.model_dump(mode="json", include=PUBLIC_FIELDS)
        view["text"] = self.text.get(lang) or self.text.get(lang.split("-")[0])
        return view


def unique_ids(rules: list[ProactiveRule]) -> list[ProactiveRule]:
    ids = [r.id for r in rules]
    if len(ids) != len(set(ids)):
        raise ValueError("each proactive rule id may appear once")
    return rules


def demo_proactive_rules() -> list[ProactiveRule]:
    """The demo shop's rule: a shopper who lingers on checkout with a cart over 300 €
    is offered a video call or co-browsing, while a sales agent can answer soon."""
    return [
        ProactiveRule(
            id="checkout-hesitation",
            name="Checkout hesitation over 300 €",
            page="/demo/checkout*",
            min_time_on_page_s=20,
            min_cart_total=300,
            skill="sales",
            max_wait_s=120,
            modalities=["video", "cobrowse"],
            text={
                "en": "Questions before you pay? An expert can guide you through checkout now.",
                "es": "¿Dudas antes de pagar? Un experto puede guiarte ahora en el pago.",
                "pt": "Dúvidas antes de pagar? Um especialista pode guiar você agora.",
            },
            cap_minutes=30,
        ),
        ProactiveRule(
            id="watch-checkout",
            name="Shoppers on checkout",
            action="watch",
            page="/demo/checkout*",
            min_time_on_page_s=5,
        ),
    ]
