"""One contract, both stores: every test here runs on SQLite and on a real Redis."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest

from store.base import DuplicateError, Store
from store.models import Agent, ApiKey, Invite, Peer, Session, Site, Tenant, utcnow


def make_agent(agent_id: str = "ag_1", email: str = "one@example.com") -> Agent:
    return Agent(id=agent_id, tenant_id="t1", email=email, name="One", password_hash="h")


def make_invite(invite_id: str, code: str, ttl_s: float = 60) -> Invite:
    return Invite(
        id=invite_id,
        short_code=code,
        tenant_id="t1",
        session_id="s1",
        role="customer",
        expires_at=utcnow() + timedelta(seconds=ttl_s),
    )


async def test_store_answers_ping(store: Store) -> None:
    await store.ping()


async def test_tenant_and_sites_round_trip(store: Store) -> None:
    tenant = Tenant(id="t1", name="Shop")
    await store.put_tenant(tenant)
    site = Site(
        id="site1", tenant_id="t1", name="Web", site_key="k1", allowed_origins=["https://a"]
    )
    await store.put_site(site)
    assert await store.get_tenant("t1") == tenant
    assert await store.get_site("site1") == site
    assert await store.get_site_by_key("k1") == site
    assert await store.list_sites("t1") == [site]
    assert await store.get_site_by_key("nope") is None


async def test_site_identity_settings_round_trip(store: Store) -> None:
    site = Site(
        id="site1",
        tenant_id="t1",
        name="Web",
        site_key="k1",
        identity_verification=True,
        identity_secret="cvid_secret",
    )
    await store.put_site(site)
    assert await store.get_site_by_key("k1") == site
    rotated = site.model_copy(update={"identity_secret": "cvid_other"})
    await store.put_site(rotated)
    assert await store.get_site("site1") == rotated


async def test_changing_a_site_key_retires_the_old_one(store: Store) -> None:
    site = Site(id="site1", tenant_id="t1", name="Web", site_key="old")
    await store.put_site(site)
    await store.put_site(site.model_copy(update={"site_key": "new"}))
    assert await store.get_site_by_key("old") is None
    assert (await store.get_site_by_key("new")) is not None


async def test_agent_emails_are_unique_case_insensitively(store: Store) -> None:
    await store.create_agent(make_agent())
    with pytest.raises(DuplicateError):
        await store.create_agent(make_agent("ag_2", "ONE@example.com"))
    assert (await store.get_agent_by_email("One@Example.com")) is not None
    assert [a.id for a in await store.list_agents("t1")] == ["ag_1"]


async def test_presence_change_is_stored(store: Store) -> None:
    await store.create_agent(make_agent())
    at = utcnow()
    updated = await store.set_presence("ag_1", "available", at)
    assert updated is not None and updated.presence == "available"
    stored = await store.get_agent("ag_1")
    assert stored is not None and stored.presence == "available"
    assert await store.set_presence("ghost", "available", at) is None


async def test_api_keys_are_found_by_hash(store: Store) -> None:
    key = ApiKey(id="k", tenant_id="t1", name="bot", key_hash="abc")
    await store.put_api_key(key)
    assert await store.get_api_key("abc") == key
    assert await store.get_api_key("abd") is None


async def test_revoked_tokens_are_remembered(store: Store) -> None:
    assert not await store.is_token_revoked("j1")
    await store.revoke_token("j1", utcnow() + timedelta(minutes=5))
    assert await store.is_token_revoked("j1")
    assert not await store.is_token_revoked("j2")


async def test_sessions_round_trip_and_end(store: Store) -> None:
    session = Session(id="s1", tenant_id="t1", agent_ids=["ag_1"])
    await store.create_session(session)
    assert await store.get_session("s1") == session
    ended = session.model_copy(update={"ended_at": utcnow()})
    await store.update_session(ended)
    assert await store.get_session("s1") == ended
    with pytest.raises(DuplicateError):
        await store.create_session(session)


async def test_invite_is_consumed_exactly_once_under_concurrency(store: Store) -> None:
    await store.create_invite(make_invite("inv1", "123456"))
    now = utcnow()
    results = await asyncio.gather(
        *(store.consume_invite(invite_id="inv1", now=now) for _ in range(20))
    )
    winners = [r for r in results if r is not None]
    assert len(winners) == 1
    assert winners[0].used_at is not None and winners[0].session_id == "s1"


async def test_invite_by_short_code_then_code_is_free_again(store: Store) -> None:
    await store.create_invite(make_invite("inv1", "111111"))
    with pytest.raises(DuplicateError):
        await store.create_invite(make_invite("inv2", "111111"))
    used = await store.consume_invite(short_code="111111", now=utcnow())
    assert used is not None and used.id == "inv1"
    assert await store.consume_invite(short_code="111111", now=utcnow()) is None
    await store.create_invite(make_invite("inv3", "111111"))  # a used code may be reissued


async def test_expired_invite_cannot_be_consumed(store: Store) -> None:
    await store.create_invite(make_invite("inv1", "222222", ttl_s=0.05))
    await asyncio.sleep(0.1)
    assert await store.consume_invite(invite_id="inv1", now=utcnow()) is None
    assert await store.consume_invite(short_code="222222", now=utcnow()) is None


async def test_unknown_invite_is_none(store: Store) -> None:
    assert await store.consume_invite(invite_id="nope", now=utcnow()) is None
    assert await store.consume_invite(short_code="000000", now=utcnow()) is None


async def test_peers_join_replace_and_leave_only_by_their_own_connection(store: Store) -> None:
    await store.add_peer("s1", Peer(id="p1", role="customer", name="C", sid="sidA"))
    await store.add_peer("s1", Peer(id="ag", role="agent", name="A", sid="sidB"))
    assert [p.id for p in await store.list_peers("s1")] == ["p1", "ag"]
    # p1 reconnects: the new connection replaces the old one
    await store.add_peer("s1", Peer(id="p1", role="customer", name="C", sid="sidC"))
    assert not await store.remove_peer("s1", "p1", "sidA")  # the stale socket's disconnect
    assert {p.sid for p in await store.list_peers("s1")} == {"sidB", "sidC"}
    assert await store.remove_peer("s1", "p1", "sidC")
    assert [p.id for p in await store.list_peers("s1")] == ["ag"]
    assert await store.list_peers("other") == []


async def test_a_peers_coaching_mode_is_kept_and_replaced(store: Store) -> None:
    await store.add_peer("s1", Peer(id="sup", role="observer", name="S", sid="x", mode="whisper"))
    assert [p.mode for p in await store.list_peers("s1")] == ["whisper"]
    await store.add_peer("s1", Peer(id="sup", role="observer", name="S", sid="x", mode="barge"))
    (peer,) = await store.list_peers("s1")
    assert peer.mode == "barge" and peer.public()["mode"] == "barge"
