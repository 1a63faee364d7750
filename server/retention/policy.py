"""Per-organisation retention periods (days), kept as the ``retention`` settings
document (``store/settings.py``) and edited in /admin. A missing document means the
defaults below (docs/privacy.md, How long)."""

from __future__ import annotations

from typing import Any

from pydantic import Field, ValidationInfo, field_validator

from server.platform.validation import ApiModel
from store.base import Store

RETENTION = "retention"  # the settings document's name
MAX_DAYS = 3_650  # ten years
COVERED_BY_CONSENTS = ("call_recordings_days", "cobrowse_recordings_days", "transcripts_days")


class RetentionPolicy(ApiModel):
    call_recordings_days: int = Field(default=90, ge=1, le=MAX_DAYS)
    cobrowse_recordings_days: int = Field(default=90, ge=1, le=MAX_DAYS)  # and snapshots
    transcripts_days: int = Field(default=365, ge=1, le=MAX_DAYS)  # escalations, chats
    # consent records prove what the recordings and transcripts were made under
    # validated even when left out: a body that only lengthens a period it covers must
    # not store a policy that no longer loads
    consents_days: int = Field(default=1_825, ge=1, le=MAX_DAYS, validate_default=True)
    audit_days: int = Field(default=730, ge=30, le=MAX_DAYS)  # a log erased at once proves nothing
    webhook_deliveries_days: int = Field(default=14, ge=1, le=MAX_DAYS)

    @field_validator("consents_days")
    @classmethod
    def _consents_outlive_what_they_cover(cls, value: int, info: ValidationInfo) -> int:
        # the fields above are validated first: those that passed are in info.data
        covered = [info.data.get(name, 0) for name in COVERED_BY_CONSENTS]
        longest = max(covered)
        if value < longest:
            raise ValueError(
                f"consents_days must be at least {longest}: consent records prove what "
                "the recordings and transcripts they cover were made under"
            )
        return value


DEFAULT_POLICY = RetentionPolicy()


async def load_policy(store: Store, tenant_id: str) -> RetentionPolicy:
    raw: dict[str, Any] | None = await store.get_setting(tenant_id, RETENTION)
    return DEFAULT_POLICY if raw is None else RetentionPolicy.model_validate(raw)
