"""Audit-log part of the store contract, on both backends."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from store.audit_models import AuditEvent, AuditFilter
from store.base import Store


def event(n: int, tenant: str = "t1") -> AuditEvent:
    return AuditEvent(
        id=f"e{n}",
        tenant_id=tenant,
        actor_id="ag_admin",
        actor_name="Admin",
        action="site.updated",
        target_type="site",
        target_id="site1",
        changes={"n": n},
    )


async def test_audit_is_listed_newest_first_per_tenant(store: Store) -> None:
    for n in range(5):
        await store.append_audit(event(n))
    await store.append_audit(event(99, tenant="t2"))
    assert [e.id for e in await store.list_audit("t1")] == ["e4", "e3", "e2", "e1", "e0"]
    assert [e.id for e in await store.list_audit("t1", limit=2)] == ["e4", "e3"]
    assert [e.changes for e in await store.list_audit("t2")] == [{"n": 99}]
    assert await store.list_audit("t3") == []


async def test_settings_documents_round_trip_per_tenant(store: Store) -> None:
    assert await store.get_setting("t1", "external_bot") is None
    await store.put_setting("t1", "external_bot", {"url": "http://127.0.0.1:1", "timeout_s": 5})
    await store.put_setting("t2", "external_bot", {"url": "other"})
    assert await store.get_setting("t1", "external_bot") == {
        "url": "http://127.0.0.1:1",
        "timeout_s": 5,
    }
    await store.put_setting("t1", "external_bot", {"url": "new"})
    assert await store.get_setting("t1", "external_bot") == {"url": "new"}


async def test_audit_filters_by_actor_action_family_and_time(store: Store) -> None:
    t0 = datetime(2026, 3, 1, tzinfo=UTC)
    rows = [
        ("a1", "ag_sofia", "recording.replayed", t0),
        ("a2", "ag_sofia", "recording.listed", t0 + timedelta(seconds=0.5)),
        ("a3", "ag_admin", "recording.downloaded", t0 + timedelta(hours=1)),
        ("a4", "ag_sofia", "recordings_x.other", t0 + timedelta(hours=2)),
        ("a5", "ag_sofia", "session.observed", t0 + timedelta(days=1)),
    ]
    for id_, actor, action, at in rows:
        await store.append_audit(
            event(0).model_copy(update={"id": id_, "actor_id": actor, "action": action, "at": at})
        )
    await store.append_audit(event(9, tenant="t2"))

    async def ids(**where: Any) -> list[str]:
        return [e.id for e in await store.query_audit("t1", AuditFilter(**where))]

    assert await ids() == ["a5", "a4", "a3", "a2", "a1"]
    assert await ids(actor_id="ag_admin") == ["a3"]
    assert await ids(action="recording") == ["a3", "a2", "a1"]  # the family, not a prefix
    assert await ids(action="recording.listed") == ["a2"]
    assert await ids(action="recording_") == []  # no LIKE wildcards from the caller
    assert await ids(since=t0 + timedelta(seconds=0.25), until=t0 + timedelta(days=1)) == [
        "a4",
        "a3",
        "a2",
    ]
    assert await ids(actor_id="ag_sofia", action="session", since=t0) == ["a5"]
    assert await ids(limit=2) == ["a5", "a4"]
    assert await store.query_audit("t3", AuditFilter()) == []
