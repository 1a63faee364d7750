"""Attack: shorten another organisation's retention, or purge its data, or read its
purge report, from outside it: with a customer's session token, an agent's or a
supervisor's token, a forged token, or an admin token of another organisation. Each is
refused (or reaches only the caller's own organisation) and changes nothing."""

from __future__ import annotations

import os
from datetime import timedelta

import aiohttp

from server.platform.auth.keys import PASSWORDS
from server.platform.keys import STORE
from server.retention.purge import PURGER
from store.models import Agent, Tenant, utcnow
from tests.support.api import bearer, customer_token, login, open_session, problem
from tests.support.harness import RunningServer
from tests.support.retention_helpers import purge_now, seed, set_policy

FORGED = (
    "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJhZ19hZG1pbiIsInJvbGUiOiJhZG1pbiJ9."
    "c2lnbmVkLWJ5LW5vYm9keQ"
)


async def other_admin(server: RunningServer, http: aiohttp.ClientSession) -> str:
    store = server.app[STORE]
    await store.put_tenant(Tenant(id="acme", name="Acme"))
    await store.create_agent(
        Agent(
            id="ag_acme",
            tenant_id="acme",
            email="root@acme.test",
            name="Acme admin",
            role="admin",
            password_hash=server.app[PASSWORDS].hash("acme-password"),
        )
    )
    return await login(http, server, "root@acme.test", "acme-password")


async def test_no_one_outside_the_organisations_admins_reaches_its_retention(
    server: RunningServer, http: aiohttp.ClientSession
) -> None:
    seeded = await seed(server)
    server.app[PURGER].clock = lambda: utcnow() + timedelta(days=4000)
    customer = await customer_token(http, server, await open_session(server))
    tokens = {
        "customer": customer,
        "agent": await login(http, server, "ana@demo.coview"),
        "supervisor": await login(http, server, "sofia@demo.coview"),
    }
    for token in tokens.values():
        await problem(await set_policy(http, server, token, audit_days=30), 403)
        await problem(await purge_now(http, server, token), 403)
    await problem(await set_policy(http, server, FORGED, audit_days=30), 401)
    await problem(await purge_now(http, server, FORGED), 401)
    assert await server.app[STORE].get_setting("demo", "retention") is None
    assert os.path.exists(seeded.files["call_recordings"][0])  # noqa: ASYNC240

    # another organisation's admin sets and purges only their own organisation
    acme = await other_admin(server, http)
    response = await set_policy(http, server, acme, call_recordings_days=1, consents_days=365)
    assert response.status == 200
    assert await server.app[STORE].get_setting("demo", "retention") is None
    response = await purge_now(http, server, acme)
    assert response.status == 200
    acme_report = await response.json()
    assert acme_report["removed"]["audit_entries"] == 1  # acme's own policy change
    assert acme_report["total"] == 1  # and nothing of demo's
    assert os.path.exists(seeded.files["call_recordings"][0])  # noqa: ASYNC240
    assert await server.app[STORE].get_escalation(seeded.escalations[0]) is not None
    async with http.get(f"{server.url}/api/admin/retention/purge", headers=bearer(acme)) as r:
        assert (await r.json())["last"] == acme_report  # their own report, not demo's
    admin = await login(http, server, server.config.admin_email, server.config.admin_password)
    async with http.get(f"{server.url}/api/admin/retention/purge", headers=bearer(admin)) as r:
        assert (await r.json())["last"] is None
