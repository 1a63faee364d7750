"""Privacy part of the store contract (consent records), on both backends."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from pydantic import ValidationError

from store.base import Store
from store.privacy_models import MAX_CONSENT_TEXT, ConsentDecision, ConsentKind, ConsentRecord

T0 = datetime(2026, 1, 1, tzinfo=UTC)


def consent(
    n: int,
    session: str = "s1",
    kind: ConsentKind = "recording",
    decision: ConsentDecision = "granted",
) -> ConsentRecord:
    return ConsentRecord(
        id=f"c{n}",
        tenant_id="t1",
        session_id=session,
        participant_id="cus_1",
        participant_role="customer",
        kind=kind,
        decision=decision,
        text=f"¿Grabamos la llamada? {n}",
        lang="es",
        at=T0 + timedelta(seconds=n),
    )


async def test_consents_are_listed_per_session_oldest_first(store: Store) -> None:
    await store.append_consent(consent(1, kind="camera"))
    await store.append_consent(consent(2, session="s2"))
    await store.append_consent(consent(3))
    await store.append_consent(consent(4, decision="withdrawn"))
    assert [c.id for c in await store.list_consents("s1")] == ["c1", "c3", "c4"]
    listed = await store.list_consents("s1")
    assert listed[0] == consent(1, kind="camera")  # text, language and time round-trip
    assert [c.decision for c in listed] == ["granted", "granted", "withdrawn"]
    assert [c.id for c in await store.list_consents("s2")] == ["c2"]
    assert await store.list_consents("s3") == []


async def test_deleting_a_sessions_consents_leaves_the_others(store: Store) -> None:
    await store.append_consent(consent(1))
    await store.append_consent(consent(2))
    await store.append_consent(consent(3, session="s2"))
    assert await store.delete_consents("s1") == 2
    assert await store.list_consents("s1") == []
    assert await store.delete_consents("s1") == 0
    assert [c.id for c in await store.list_consents("s2")] == ["c3"]


def test_a_consent_text_is_bounded_and_its_kind_checked() -> None:
    with pytest.raises(ValidationError):
        ConsentRecord.model_validate(
            {**consent(1).model_dump(), "text": "x" * (MAX_CONSENT_TEXT + 1)}
        )
    with pytest.raises(ValidationError):
        ConsentRecord.model_validate({**consent(1).model_dump(), "kind": "microphone"})
