"""Privacy records: what a customer consented to, refused or withdrew, and when."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import Field

from store.models import Record, utcnow

# camera/screen/cobrowse: the modality itself; recording: the call's recording;
# cobrowse_recording: recording the co-browsed page; control: remote control of it.
ConsentKind = Literal["camera", "screen", "cobrowse", "control", "recording", "cobrowse_recording"]
ConsentDecision = Literal["granted", "refused", "withdrawn"]
CONSENT_KINDS: tuple[ConsentKind, ...] = (
    "camera",
    "screen",
    "cobrowse",
    "control",
    "recording",
    "cobrowse_recording",
)
MAX_CONSENT_TEXT = 4_000


class ConsentRecord(Record):
    """One answer of a participant to one prompt, with the exact text they were shown
    (as their browser rendered it) and its language. Append-only."""

    id: str
    tenant_id: str
    session_id: str
    participant_id: str
    participant_role: str
    kind: ConsentKind
    decision: ConsentDecision
    text: str = Field(default="", max_length=MAX_CONSENT_TEXT)
    lang: str = Field(default="", max_length=35)
    at: datetime = Field(default_factory=utcnow)
