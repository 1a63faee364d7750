"""Co-browse recordings: only with the customer's consent, masked, for supervisors."""

from __future__ import annotations

import json

import aiohttp

from server.platform.auth.keys import PASSWORDS
from server.platform.keys import STORE
from store.audit_models import AuditFilter
from store.models import Agent, Tenant
from tests.api.test_cobrowse_relay import CARD, SNAPSHOT, Setup, cb, text_event
from tests.support.api import bearer, login, problem

__all__ = ["cb"]


async def test_nothing_is_recorded_without_consent(cb: Setup) -> None:
    customer = await cb.customer()
    await customer.send_events(1, SNAPSHOT, full=True)
    await customer.next("ack")
    sofia = await login(cb.http, cb.server, "sofia@demo.coview")
    async with cb.http.get(f"{cb.server.url}/api/cobrowse/recordings", headers=bearer(sofia)) as r:
        assert (await r.json()) == {"recordings": []}
    async with cb.http.get(
        f"{cb.server.url}/api/cobrowse/recordings/{cb.session.id}/events", headers=bearer(sofia)
    ) as r:
        await problem(r, 404)


async def test_consented_recording_stores_the_masked_stream_for_supervisors(cb: Setup) -> None:
    customer = await cb.customer()
    await customer.send({"t": "recording-consent", "granted": True})
    await customer.next("snapshot-request")
    await customer.send_events(1, SNAPSHOT, full=True)
    await customer.send_events(2, [text_event(CARD)])
    await customer.acked(2)
    await customer.send({"t": "recording-consent", "granted": False})
    await customer.send_events(3, [text_event("after consent withdrawn")])
    await customer.acked(3)

    sofia = await login(cb.http, cb.server, "sofia@demo.coview")
    async with cb.http.get(f"{cb.server.url}/api/cobrowse/recordings", headers=bearer(sofia)) as r:
        listed = (await r.json())["recordings"]
    assert [(x["session_id"], x["segments"]) for x in listed] == [(cb.session.id, 1)]
    async with cb.http.get(
        f"{cb.server.url}/api/cobrowse/recordings/{cb.session.id}/events", headers=bearer(sofia)
    ) as r:
        raw = await r.read()
    events = json.loads(raw)
    assert events[: len(SNAPSHOT)] == SNAPSHOT and len(events) == len(SNAPSHOT) + 1
    audit = await cb.server.app[STORE].query_audit("demo", AuditFilter(action="cobrowse_recording"))
    assert [(a.action, a.actor_id, a.target_id) for a in audit] == [
        ("cobrowse_recording.replayed", "ag_sofia", cb.session.id),
        ("cobrowse_recording.listed", "ag_sofia", "*"),
    ]
    segment = next((cb.server.config.data_dir / "cobrowse" / cb.session.id).iterdir())
    at_rest = segment.read_bytes()
    assert at_rest[:2] != b"\x1f\x8b"  # sealed: not even the gzip header shows
    assert b"4539" not in raw and b"withdrawn" not in raw
    kinds = [f[1] for f in cb.facts.facts]
    assert kinds == [
        "consent",
        "cobrowse_recording_started",
        "consent",
        "cobrowse_recording_stopped",
    ]
    consents = await cb.server.app[STORE].list_consents(cb.session.id)
    assert [(c.kind, c.decision) for c in consents] == [
        ("cobrowse_recording", "granted"),
        ("cobrowse_recording", "withdrawn"),
    ]

    ana = await login(cb.http, cb.server)
    async with cb.http.get(f"{cb.server.url}/api/cobrowse/recordings", headers=bearer(ana)) as r:
        await problem(r, 403)
    async with (
        aiohttp.ClientSession() as anonymous,
        anonymous.get(f"{cb.server.url}/api/cobrowse/recordings/{cb.session.id}/events") as r,
    ):
        await problem(r, 401)
    async with cb.http.get(
        f"{cb.server.url}/api/cobrowse/recordings/..%2Fsecret/events", headers=bearer(sofia)
    ) as r:
        await problem(r, 404)


async def test_supervisors_of_another_organisation_see_none_of_them(cb: Setup) -> None:
    customer = await cb.customer()
    await customer.send({"t": "recording-consent", "granted": True})
    await customer.next("snapshot-request")
    await customer.send_events(1, SNAPSHOT, full=True)
    await customer.acked(1)
    store = cb.server.app[STORE]
    await store.put_tenant(Tenant(id="acme", name="Acme"))
    await store.create_agent(
        Agent(
            id="ag_acme_sup",
            tenant_id="acme",
            email="sup@acme.test",
            name="Acme supervisor",
            role="supervisor",
            password_hash=cb.server.app[PASSWORDS].hash("acme-password"),
        )
    )
    other = await login(cb.http, cb.server, "sup@acme.test", "acme-password")
    async with cb.http.get(f"{cb.server.url}/api/cobrowse/recordings", headers=bearer(other)) as r:
        assert (await r.json()) == {"recordings": []}
    async with cb.http.get(
        f"{cb.server.url}/api/cobrowse/recordings/{cb.session.id}/events", headers=bearer(other)
    ) as r:
        await problem(r, 404)


async def test_a_withdrawal_in_one_tab_stops_the_recording_of_the_others(cb: Setup) -> None:
    first = await cb.customer()
    await first.send({"t": "recording-consent", "granted": True})
    await first.next("snapshot-request")
    await first.send_events(1, SNAPSHOT, full=True)
    await first.acked(1)
    second = await cb.customer()  # the customer opens another page of the shop
    await first.next("paused")
    await second.send({"t": "recording-consent", "granted": False})
    await second.send_events(1, [text_event("in the second tab, not recorded")], full=True)
    await second.acked(1)
    await first.send({"t": "resume"})  # back to the first tab, consent withdrawn meanwhile
    await first.next("snapshot-request")
    await first.send_events(2, [text_event("back in the first tab")], full=True)
    await first.acked(2)

    sofia = await login(cb.http, cb.server, "sofia@demo.coview")
    async with cb.http.get(
        f"{cb.server.url}/api/cobrowse/recordings/{cb.session.id}/events", headers=bearer(sofia)
    ) as r:
        raw = await r.read()
    assert json.loads(raw) == SNAPSHOT
