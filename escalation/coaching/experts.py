"""Bring in an expert (issue #25): the agent holding a live escalation invites an
available colleague (who gets an ``expert-offer`` on their feed, like an escalation
offer) or an outside expert by e-mail (who gets the link and the 6-digit code to join).
Either joins the call as ``participant`` through an ordinary single-use invite."""

from __future__ import annotations

from typing import Any

from aiohttp import web
from pydantic import Field, model_validator

from escalation.core.actions import require_holder
from escalation.core.keys import AGENT_NOTICES
from escalation.core.service import ESCALATIONS
from escalation.core.states import is_terminal
from escalation.kpis.supervisor import agent_states
from server.platform.auth.invites import invite_view, issue_invite
from server.platform.auth.request import require_agent
from server.platform.errors import Conflict, NotFound, Unprocessable
from server.platform.jsonio import json_response
from server.platform.keys import CONFIG, SESSION_EVENTS, STORE
from server.platform.openapi import api
from server.platform.validation import ApiModel, read_json

EMAIL = r"^[^@\s<>\"']{1,64}@[^@\s<>\"']{1,190}\.[A-Za-z]{2,24}$"


class ExpertBody(ApiModel):
    agent_id: str | None = Field(default=None, min_length=1, max_length=100)
    email: str | None = Field(default=None, pattern=EMAIL, max_length=254)
    skill: str | None = Field(default=None, min_length=1, max_length=50)

    @model_validator(mode="after")
    def exactly_one(self) -> ExpertBody:
        if (self.agent_id is None) == (self.email is None):
            raise ValueError("name exactly one of agent_id (a colleague) or email (outside)")
        return self


@api(
    summary="Bring an expert into the call: an available colleague or an outside e-mail",
    tag="agent",
    auth=("agent",),
    body=ExpertBody,
    status=201,
    errors=(400, 401, 403, 404, 409, 422),
    description="A colleague gets an `expert-offer` on `/agent` with a single-use invite; "
    "an outside expert's answer carries `join_url` and `short_code` to pass on.",
)
async def invite_expert(request: web.Request) -> web.Response:
    principal = await require_agent(request)
    body = await read_json(request, ExpertBody)
    service = request.app[ESCALATIONS]
    esc = await service.visible(principal, request.match_info["id"])
    require_holder(esc, principal)
    store = request.app[STORE]
    session = await store.get_session(esc.session_id)
    if session is None or session.ended_at is not None or is_terminal(esc.state):
        raise Unprocessable("the escalation's session has ended")
    config = request.app[CONFIG]
    if body.agent_id is not None:
        states = {a["id"]: a for a in await agent_states(request.app, principal.tenant_id)}
        colleague = states.get(body.agent_id)
        if colleague is None or colleague["role"] == "admin" or body.agent_id == principal.agent_id:
            raise NotFound("no such colleague")
        if body.skill is not None and body.skill not in colleague["skills"]:
            raise Unprocessable(f"{colleague['name']} does not have the skill {body.skill!r}")
        if colleague["status"] != "available":
            raise Conflict(f"{colleague['name']} is not available")
        invite = await issue_invite(store, config, session, "participant", principal.agent_id)
        ctx = esc.context
        offer: dict[str, Any] = {
            "escalation_id": esc.id,
            "session_id": session.id,
            "invite": invite.id,
            "expires_at": invite.expires_at.isoformat(),
            "from": {"id": principal.agent_id, "name": principal.name},
            "skill": body.skill,
            "context": {
                "customer": ctx.customer.name if ctx.customer else None,
                "page": ctx.page.title if ctx.page else None,
                "language": esc.language,
            },
        }
        await request.app[AGENT_NOTICES].publish(body.agent_id, "expert-offer", offer)
        await request.app[SESSION_EVENTS].record(
            session.id, "expert_invited", principal.agent_id, {"agent_id": body.agent_id}
        )
        invited = {"id": body.agent_id, "name": colleague["name"]}
        return json_response({"invited": invited}, status=201)
    invite = await issue_invite(store, config, session, "participant", principal.agent_id)
    # No e-mail leaves coview itself: the agent sends the link and code (mailto in the
    # console); the address is not stored.
    await request.app[SESSION_EVENTS].record(
        session.id, "expert_invited", principal.agent_id, {"outside": True}
    )
    return json_response({"email": body.email, **invite_view(config, invite)}, status=201)


def setup(app: web.Application) -> None:
    app.router.add_post("/api/escalations/{id}/experts", invite_expert)
