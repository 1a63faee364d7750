"""Data subject requests on both stores, over HTTP: an admin finds everything about a
customer, exports it as a streamed zip (media decrypted), and erases it everywhere
(escalations anonymised, the rest deleted, the recording's URL then 404); each request
is in the access audit; bad input is a problem and changes nothing."""

from __future__ import annotations

import io
import json
import zipfile
import zlib
from typing import Any, get_args

import aiohttp

from server.data_requests.subjects import ItemKind
from server.platform.keys import CONFIG, STORE
from tests.support.api import bearer, login, problem
from tests.support.dsr_helpers import COBROWSE_BATCH, LUCIA, PNG, admin_post, customer_data
from tests.support.harness import RunningServer
from tests.support.privacy_helpers import WEBM, http, listed_url, node

__all__ = ["http", "node"]
EVERY_KIND = set(get_args(ItemKind))
LUCIA_ALL = {"customer_id": LUCIA["id"], "email": "lucia@example.com", "name": LUCIA["name"]}


async def admin(http: aiohttp.ClientSession, node: RunningServer) -> str:
    return await login(http, node, "admin@demo.coview", "coview-admin")


async def kpis(http: aiohttp.ClientSession, node: RunningServer) -> Any:
    token = await login(http, node, "sofia@demo.coview")
    async with http.get(f"{node.url}/api/metrics", headers=bearer(token)) as r:
        assert r.status == 200, await r.text()
        found = await r.json()
    return {k: v for k, v in found.items() if k not in ("from", "to")}


async def search(http: aiohttp.ClientSession, node: RunningServer, **subject: str) -> Any:
    r = await admin_post(http, node, await admin(http, node), "search", subject)
    assert r.status == 200, await r.text()
    return await r.json()


async def test_search_finds_every_kind_by_id_email_or_name(
    node: RunningServer, http: aiohttp.ClientSession
) -> None:
    data = await customer_data(http, node)
    found = await search(http, node, **LUCIA_ALL)
    assert {i["kind"] for i in found["items"]} == EVERY_KIND
    ids = {(i["kind"], i["id"]) for i in found["items"]}
    assert ("escalation", data.escalation_id) in ids
    assert ("escalation", data.other_escalation_id) not in ids
    assert ("recording", data.recording.id) in ids
    assert ("callback", data.callback_id) in ids and ("consents", data.session_id) in ids
    assert found["counts"]["escalation"] == 1 and found["counts"]["webhook_delivery"] >= 2
    assert found["truncated"] is False

    by_id = await search(http, node, customer_id=" cust-dsr ")
    assert {i["kind"] for i in by_id["items"]} == EVERY_KIND - {"callback", "conversation"}
    by_email = await search(http, node, email="LUCIA@example.COM")
    assert {i["kind"] for i in by_email["items"]} == EVERY_KIND - {"callback", "conversation"}
    by_name = await search(http, node, name="lucía   GÓMEZ")
    assert ("conversation", data.conversation_id) in {
        (i["kind"], i["id"]) for i in by_name["items"]
    }
    assert {"escalation", "callback"} <= {i["kind"] for i in by_name["items"]}
    assert (await search(http, node, email="nobody@example.com"))["items"] == []


async def test_export_zip_holds_every_item_found_with_media_decrypted(
    node: RunningServer, http: aiohttp.ClientSession
) -> None:
    data = await customer_data(http, node)
    found = await search(http, node, **LUCIA_ALL)
    token = await admin(http, node)
    async with http.post(
        f"{node.url}/api/admin/data-requests/export", json=LUCIA_ALL, headers=bearer(token)
    ) as r:
        assert r.status == 200, await r.text()
        assert r.content_type == "application/zip"
        assert r.headers.get("Transfer-Encoding") == "chunked"  # streamed, no length known
        assert "attachment" in r.headers["Content-Disposition"]
        raw = await r.read()
    archive = zipfile.ZipFile(io.BytesIO(raw))
    assert archive.testzip() is None
    names = set(archive.namelist())
    assert {i["file"] for i in found["items"]} <= names
    sid = data.session_id
    assert archive.read(f"recordings/{sid}/{data.recording.id}.webm") == WEBM
    assert (
        json.loads(archive.read(f"recordings/{sid}/{data.recording.id}.json"))["duration_s"] == 10
    )
    assert archive.read(f"snapshots/{sid}/snap_1.png") == PNG
    (segment,) = [n for n in names if n.startswith(f"cobrowse/{sid}/")]
    assert zlib.decompress(archive.read(segment), 31).strip() == COBROWSE_BATCH
    escalation = json.loads(archive.read(f"escalations/{data.escalation_id}.json"))
    assert escalation["escalation"]["context"]["customer"]["email"] == LUCIA["email"]
    assert [e["type"] for e in escalation["events"]][-1] == "cancelled"
    conversation = json.loads(archive.read(f"conversations/{data.conversation_id}.json"))
    assert [m["text"] for m in conversation["messages"]] == ["Mi pedido A-1001 no llega"]
    consents = json.loads(archive.read(f"consents/{sid}.json"))
    assert consents[0]["text"] == "¿Activamos la cámara?"
    subject = json.loads(archive.read("subject.json"))
    assert subject["counts"] == found["counts"]


async def test_erase_removes_everything_and_keeps_kpi_counts(
    node: RunningServer, http: aiohttp.ClientSession
) -> None:
    data = await customer_data(http, node)
    store = node.app[STORE]
    url = await listed_url(http, node, data.recording.id)
    async with http.get(url) as r:
        assert r.status == 200
    states_before = await store.count_by_state("demo", ["cancelled", "queued"])
    kpis_before = await kpis(http, node)
    deliveries = await store.deliveries_for_escalation(data.escalation_id)
    token = await admin(http, node)

    r = await admin_post(http, node, token, "erase", {**LUCIA_ALL, "confirm": True})
    assert r.status == 200, await r.text()
    erased = (await r.json())["erased"]
    assert erased["escalations_anonymised"] == {"count": 1, "ids": [data.escalation_id]}
    assert erased["recordings"]["ids"] == [data.recording.id]
    assert erased["snapshots"]["ids"] == ["snap_1"]
    assert erased["cobrowse_recordings"]["count"] == 1
    assert erased["consents"]["count"] == 1
    assert erased["callbacks"]["ids"] == [data.callback_id]
    assert erased["conversations"]["ids"] == [data.conversation_id]
    assert erased["messages"]["count"] == 1
    assert erased["csat_comments"]["ids"] == [data.escalation_id]
    assert sorted(erased["webhook_deliveries"]["ids"]) == sorted(d.id for d in deliveries)
    assert erased["cobrowse_checkpoints"]["ids"] == [data.session_id]

    async with http.get(url) as r:  # the link it had is now a 404
        await problem(r, 404)
    esc = await store.get_escalation(data.escalation_id)
    assert esc is not None and esc.state == "cancelled" and esc.customer_id is None
    assert esc.context.customer is None and esc.context.transcript == []
    assert "cancelled" in esc.timestamps
    kept = json.dumps([e.data for e in await store.list_events(data.escalation_id)])
    assert "Lucía" not in kept and "cámara" not in kept and "modalities" in kept
    assert await store.count_by_state("demo", ["cancelled", "queued"]) == states_before
    assert await kpis(http, node) == kpis_before
    csat = await store.get_csat(data.escalation_id)
    assert csat is not None and csat.score == 5 and csat.comment == ""
    assert await store.list_consents(data.session_id) == []
    assert await store.get_conversation(data.conversation_id) is None
    assert await store.list_messages(data.conversation_id) == []
    assert await store.get_callback(data.callback_id) is None
    assert await store.deliveries_for_escalation(data.escalation_id) == []
    assert await store.cobrowse_checkpoint(data.session_id) is None
    data_dir = node.app[CONFIG].data_dir
    for folder in ("recordings", "cobrowse", "snapshots"):
        assert not (data_dir / folder / data.session_id).exists()
    assert (await search(http, node, **LUCIA_ALL))["items"] == []
    other = await store.get_escalation(data.other_escalation_id)
    assert other is not None and other.context.customer is not None  # another customer's


async def test_a_live_escalation_is_not_erased(
    node: RunningServer, http: aiohttp.ClientSession
) -> None:
    from tests.support.escalations import body, create

    live = await create(http, node, body(context={"customer": {"email": "live@example.com"}}))
    token = await admin(http, node)
    r = await admin_post(http, node, token, "erase", {"email": "live@example.com", "confirm": True})
    detail = (await problem(r, 409))["detail"]
    assert live["escalation"]["id"] in detail
    esc = await node.app[STORE].get_escalation(live["escalation"]["id"])
    assert esc is not None and esc.context.customer is not None


async def test_every_request_is_in_the_access_audit(
    node: RunningServer, http: aiohttp.ClientSession
) -> None:
    await customer_data(http, node)
    token = await admin(http, node)
    await search(http, node, email="lucia@example.com")
    async with http.post(
        f"{node.url}/api/admin/data-requests/export",
        json={"email": "lucia@example.com"},
        headers=bearer(token),
    ) as r:
        assert r.status == 200 and await r.read()
    r = await admin_post(
        http, node, token, "erase", {"email": "lucia@example.com", "confirm": True}
    )
    assert r.status == 200
    async with http.get(
        f"{node.url}/api/admin/audit", params={"action": "privacy"}, headers=bearer(token)
    ) as r:
        events = await r.json()
    assert [(e["action"], e["actor_id"], e["target_id"]) for e in events] == [
        ("privacy.erased", "ag_admin", "email=lucia@example.com"),
        ("privacy.exported", "ag_admin", "email=lucia@example.com"),
        ("privacy.searched", "ag_admin", "email=lucia@example.com"),
    ]
    assert events[0]["changes"]["subject"] == {"email": "lucia@example.com"}
    assert events[0]["changes"]["counts"]["escalations_anonymised"] == 1
    assert events[2]["changes"]["counts"]["escalation"] == 1


async def test_bad_requests_are_problems_and_change_nothing(
    node: RunningServer, http: aiohttp.ClientSession
) -> None:
    data = await customer_data(http, node)
    token = await admin(http, node)
    for action in ("search", "export", "erase"):
        for payload in ({}, {"email": 5}, {"email": ""}, {"name": "   "}, {"nick": "x"}, [1]):
            await problem(await admin_post(http, node, token, action, payload), 422)
        async with http.post(
            f"{node.url}/api/admin/data-requests/{action}",
            data=b"{not json",
            headers={**bearer(token), "Content-Type": "application/json"},
        ) as r:
            await problem(r, 400)
    unconfirmed = {**LUCIA_ALL, "confirm": False}
    await problem(await admin_post(http, node, token, "erase", unconfirmed), 422)
    await problem(await admin_post(http, node, token, "erase", LUCIA_ALL), 422)
    esc = await node.app[STORE].get_escalation(data.escalation_id)
    assert esc is not None and esc.context.customer is not None
    assert (await search(http, node, **LUCIA_ALL))["counts"]["recording"] == 1
