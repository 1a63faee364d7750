"""HTTP for consent records.

- ``POST /api/sessions/{id}/consents`` (the session's customer or participant, with
  its session token) → 201 ``{consent}``.
- ``GET /api/sessions/{id}/consents`` (the session's agent, a supervisor or admin of
  its organisation) → ``{consents: [consent]}``, oldest first.

The widget posts the answers to its own prompts (camera, screen share, co-browse);
answers given over the call and co-browse sockets (recording, co-browse recording,
remote control) are recorded by those sockets.
"""

from __future__ import annotations

from typing import Any, Literal

from aiohttp import web
from pydantic import BaseModel, Field

from server.platform.auth.principals import AgentPrincipal, SessionPrincipal
from server.platform.auth.request import require
from server.platform.errors import Forbidden, NotFound
from server.platform.jsonio import json_response
from server.platform.keys import STORE
from server.platform.openapi import api
from server.platform.validation import ApiModel, read_json
from server.privacy.keys import CONSENTS
from store.privacy_models import MAX_CONSENT_TEXT, ConsentDecision, ConsentRecord


class ConsentBody(ApiModel):
    kind: Literal["camera", "screen", "cobrowse"]
    decision: ConsentDecision
    text: str = Field(min_length=1, max_length=MAX_CONSENT_TEXT)
    lang: str = Field(min_length=2, max_length=35)


class ConsentOut(BaseModel):
    consent: ConsentRecord


class ConsentList(BaseModel):
    consents: list[ConsentRecord]


def consent_view(record: ConsentRecord) -> dict[str, Any]:
    return record.model_dump(mode="json")


@api(
    summary="Keep the customer's answer to a consent prompt (the text shown, its language)",
    tag="privacy",
    auth=("session",),
    body=ConsentBody,
    response=ConsentOut,
    status=201,
)
async def post_consent(request: web.Request) -> web.Response:
    principal = await require(request, SessionPrincipal)
    session_id = request.match_info["session_id"]
    if principal.session_id != session_id:
        raise Forbidden("a session token only answers for its own session")
    if principal.role == "observer":
        raise Forbidden("an observer is not asked for consent")
    body = await read_json(request, ConsentBody)
    record = await request.app[CONSENTS].record(
        tenant_id=principal.tenant_id,
        session_id=session_id,
        participant_id=principal.participant_id,
        participant_role=principal.role,
        kind=body.kind,
        decision=body.decision,
        text=body.text,
        lang=body.lang,
    )
    return json_response({"consent": consent_view(record)}, status=201)


@api(
    summary="A session's consent records, oldest first",
    tag="privacy",
    auth=("agent", "supervisor", "admin"),
    response=ConsentList,
    errors=(404,),
)
async def list_consents(request: web.Request) -> web.Response:
    agent = await require(request, AgentPrincipal)
    session_id = request.match_info["session_id"]
    session = await request.app[STORE].get_session(session_id)
    if session is None or session.tenant_id != agent.tenant_id:
        raise NotFound("unknown session")
    if agent.agent_id not in session.agent_ids and agent.role == "agent":
        raise Forbidden("you are not assigned to this session")
    records = await request.app[STORE].list_consents(session_id)
    return json_response({"consents": [consent_view(r) for r in records]})


def setup(app: web.Application) -> None:
    app.router.add_post("/api/sessions/{session_id}/consents", post_consent)
    app.router.add_get("/api/sessions/{session_id}/consents", list_consents)
