"""Attacks on the data-subject-request API: anyone but an admin of the organisation
(no token, an agent, a supervisor, the customer's own session token, the integration's
API key, the site key) is refused with a problem and nothing is found, exported or
erased; an admin of another organisation finds nothing; ids that could name a path
outside their folder never reach the file system."""

from __future__ import annotations

import secrets

import aiohttp

from server.platform.auth.keys import PASSWORDS
from server.platform.keys import CONFIG, STORE
from store.escalation_models import Context, CustomerInfo, Escalation, EscalationWrite
from store.models import Agent, Tenant
from tests.security.common import site_headers
from tests.support.api import bearer, customer_token, login, open_session, problem
from tests.support.dsr_helpers import LUCIA, admin_post, customer_data
from tests.support.escalations import API_KEY
from tests.support.harness import RunningServer

SUBJECT = {"email": LUCIA["email"]}


async def test_only_an_admin_may_search_export_or_erase(
    server: RunningServer, http: aiohttp.ClientSession
) -> None:
    data = await customer_data(http, server)
    session = await open_session(server)
    callers = {
        "nobody": {},
        "agent": bearer(await login(http, server, "ana@demo.coview")),
        "supervisor": bearer(await login(http, server, "sofia@demo.coview")),
        "customer": bearer(await customer_token(http, server, session)),
        "api key": bearer(API_KEY),
        "site key": site_headers(server),
    }
    for who, headers in callers.items():
        for action in ("search", "export", "erase"):
            async with http.post(
                f"{server.url}/api/admin/data-requests/{action}",
                json={**SUBJECT, "confirm": True} if action == "erase" else SUBJECT,
                headers=headers,
            ) as r:
                body = await problem(r, r.status)
                assert r.status in (401, 403), (who, action, body)
    esc = await server.app[STORE].get_escalation(data.escalation_id)
    assert esc is not None and esc.context.customer is not None
    admin = await login(http, server, "admin@demo.coview", "coview-admin")
    async with http.get(
        f"{server.url}/api/admin/audit", params={"action": "privacy"}, headers=bearer(admin)
    ) as r:
        assert await r.json() == []


async def test_an_admin_of_another_organisation_finds_and_erases_nothing(
    server: RunningServer, http: aiohttp.ClientSession
) -> None:
    data = await customer_data(http, server)
    store = server.app[STORE]
    await store.put_tenant(Tenant(id="rival", name="Rival"))
    password = "rival-password"
    await store.create_agent(
        Agent(
            id="ag_rival",
            tenant_id="rival",
            email="admin@rival.example",
            name="Rival admin",
            role="admin",
            password_hash=server.app[PASSWORDS].hash(password),
        )
    )
    rival = await login(http, server, "admin@rival.example", password)
    r = await admin_post(http, server, rival, "search", SUBJECT)
    assert r.status == 200 and (await r.json())["items"] == []
    r = await admin_post(http, server, rival, "erase", {**SUBJECT, "confirm": True})
    assert r.status == 200 and (await r.json())["erased"] == {}
    esc = await store.get_escalation(data.escalation_id)
    assert esc is not None and esc.context.customer is not None
    assert server.app[CONFIG].data_dir.joinpath("recordings", data.session_id).is_dir()


async def test_ids_that_name_other_folders_never_become_paths(
    server: RunningServer, http: aiohttp.ClientSession
) -> None:
    data_dir = server.app[CONFIG].data_dir
    victim = data_dir / "victim"
    victim.mkdir()
    (victim / "keep.png").write_bytes(b"not yours")
    (data_dir / "recordings").mkdir(exist_ok=True)
    for session_id in ("../victim", "../../victim", "..", "victim/../victim"):
        esc = Escalation(
            id="esc_" + secrets.token_hex(4),
            tenant_id="demo",
            channel="web",
            trigger="customer",
            modalities=["video"],
            session_id=session_id,
            state="cancelled",
            seq=1,
            context=Context(customer=CustomerInfo(email="mallory@example.com")),
        )
        assert (
            await server.app[STORE].write_escalation(
                EscalationWrite(escalation=esc, expected_seq=0, events=())
            )
            == "ok"
        )
    admin = await login(http, server, "admin@demo.coview", "coview-admin")
    subject = {"email": "mallory@example.com"}
    r = await admin_post(http, server, admin, "search", subject)
    items = (await r.json())["items"]
    assert {i["kind"] for i in items} == {"escalation"}  # no file, no consents looked up
    async with http.post(
        f"{server.url}/api/admin/data-requests/export", json=subject, headers=bearer(admin)
    ) as r:
        assert r.status == 200 and await r.read()
    r = await admin_post(http, server, admin, "erase", {**subject, "confirm": True})
    assert r.status == 200
    assert set((await r.json())["erased"]) == {"escalations_anonymised"}
    assert (victim / "keep.png").read_bytes() == b"not yours"
    for probe in ("../../etc", "../victim", "/", "*", "%2e%2e"):
        r = await admin_post(http, server, admin, "search", {"customer_id": probe})
        assert r.status == 200 and (await r.json())["items"] == []
