"""Shared by the data-subject-request tests: one customer's data of every kind, made the
way the product makes it (API where there is one, the store or the data dir where the
server peer or the co-browse socket would write it)."""

from __future__ import annotations

import base64
import os
from dataclasses import dataclass
from typing import Any

import aiohttp

from cobrowse.recording import Recorder
from escalation.integrations.webhooks import WEBHOOKS
from media.keys import SEALER
from media.library import RecordingInfo
from server.platform.keys import CONFIG, STORE
from signaling.keys import SESSION_NS
from store.callbacks import CallbackRequest
from store.chat_models import ChatMessage
from store.engagement_models import CsatAnswer, WebhookEndpoint
from tests.support.api import bearer
from tests.support.chat_helpers import start_conversation
from tests.support.escalations import api_key, body, create
from tests.support.harness import RunningServer
from tests.support.privacy_helpers import recorded

PNG = b"\x89PNG\r\n\x1a\n" + os.urandom(2_000)
COBROWSE_BATCH = b'[{"type":2,"data":{"node":"checkout"}}]'
LUCIA = {"id": "cust-dsr", "name": "Lucía Gómez", "email": "Lucia@Example.com", "tier": "gold"}


@dataclass
class CustomerData:
    escalation_id: str
    session_id: str
    conversation_id: str
    callback_id: str
    recording: RecordingInfo
    other_escalation_id: str  # another customer's: never touched


async def admin_post(
    http: aiohttp.ClientSession, node: RunningServer, token: str, action: str, payload: Any
) -> aiohttp.ClientResponse:
    async with http.post(
        f"{node.url}/api/admin/data-requests/{action}", json=payload, headers=bearer(token)
    ) as r:
        await r.read()
        return r


async def customer_data(http: aiohttp.ClientSession, node: RunningServer) -> CustomerData:
    store = node.app[STORE]
    secret = "whsec_" + base64.b64encode(os.urandom(24)).decode()
    await store.put_webhook(
        WebhookEndpoint(id="wh_dsr", tenant_id="demo", url="http://127.0.0.1:9/h", secret=secret)
    )
    node.app[WEBHOOKS].forget_endpoints("demo")
    context = body()["context"] | {"customer": LUCIA}
    created = await create(http, node, body(context=context))
    esc = created["escalation"]
    other = await create(http, node, body())  # Lucía (cust-1) of the default body: not ours
    async with http.post(
        f"{node.url}/api/sessions/{esc['session_id']}/consents",
        json={
            "kind": "camera",
            "decision": "granted",
            "text": "¿Activamos la cámara?",
            "lang": "es",
        },
        headers=bearer(created["customer"]["token"]),
    ) as r:
        assert r.status == 201, await r.text()
    async with http.post(
        f"{node.url}/api/escalations/{esc['id']}/cancel", json={}, headers=api_key()
    ) as r:
        assert r.status == 200, await r.text()
    session = await store.get_session(esc["session_id"])
    assert session is not None
    recording = await recorded(node, session)
    library = node.app[SESSION_NS].media.library
    snapshot = library.snapshot_path(session.id, "snap_1")
    assert snapshot is not None
    node.app[SEALER].write_bytes(snapshot, PNG)
    recorder = Recorder(node.app[CONFIG].data_dir, session.id, node.app[SEALER])
    recorder.write(COBROWSE_BATCH)
    recorder.close()
    await store.cobrowse_reset(session.id, 1, COBROWSE_BATCH, 0.0)
    await store.add_csat(
        CsatAnswer(escalation_id=esc["id"], tenant_id="demo", score=5, comment="Gracias, Lucía")
    )
    await store.create_callback(
        CallbackRequest(
            id="cb_" + os.urandom(4).hex(), tenant_id="demo", name="lucía gómez", phone="+34 600"
        )
    )
    conversation = await start_conversation(http, node, {"customer": {"name": LUCIA["name"]}})
    await store.append_message(
        ChatMessage(
            id="m1",
            conversation_id=conversation["conversation_id"],
            seq=0,
            sender="customer",
            sender_id="p",
            sender_name="Lucía",
            text="Mi pedido A-1001 no llega",
        )
    )
    callbacks = await store.list_callbacks("demo")
    return CustomerData(
        escalation_id=esc["id"],
        session_id=session.id,
        conversation_id=conversation["conversation_id"],
        callback_id=callbacks[-1].id,
        recording=recording,
        other_escalation_id=other["escalation"]["id"],
    )
