"""What a supervisor watches live: every agent's state and load, and the sessions in
progress (to join as an observer)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from aiohttp import web
from pydantic import BaseModel, RootModel

from escalation.routing.presence import presence_view
from server.platform.auth.request import require_agent
from server.platform.jsonio import json_response
from server.platform.keys import STORE
from server.platform.openapi import api
from store.escalation_models import Escalation, State
from store.models import Presence

IN_PROGRESS: list[State] = ["offered", "accepted", "connecting", "in_session", "wrap_up"]


class AgentState(BaseModel):
    id: str
    name: str
    role: str
    presence: Presence
    status: str  # presence, or "busy" when full in a unit it holds
    busy: bool
    full: list[str]  # the units held to capacity (an open offer does not count)
    offers: int  # offers waiting for the agent's answer
    load: dict[str, int]
    capacity: dict[str, int]
    skills: list[str]
    languages: list[str]
    presence_changed_at: datetime


class AgentStates(RootModel[list[AgentState]]):
    pass


class SessionInProgress(BaseModel):
    escalation: Escalation
    agent_name: str | None


class SessionsInProgress(RootModel[list[SessionInProgress]]):
    pass


async def agent_states(app: web.Application, tenant_id: str) -> list[dict[str, Any]]:
    store = app[STORE]
    agents = await store.list_agents(tenant_id)
    loads = await store.get_agent_loads([a.id for a in agents])
    return [
        {
            "id": a.id,
            "name": a.name,
            "role": a.role,
            "skills": a.skills,
            "languages": a.languages,
            "presence_changed_at": a.presence_changed_at.isoformat(),
            **presence_view(a, loads[a.id]),
        }
        for a in agents
    ]


@api(
    summary="Every agent's presence, derived busy state and load (supervisors)",
    tag="supervisor",
    auth=("supervisor",),
    response=AgentStates,
)
async def list_agent_states(request: web.Request) -> web.Response:
    supervisor = await require_agent(request, "supervisor", "admin")
    return json_response(await agent_states(request.app, supervisor.tenant_id))


@api(
    summary="Escalations offered or in progress, with their agents (supervisors)",
    tag="supervisor",
    auth=("supervisor",),
    response=SessionsInProgress,
)
async def list_sessions(request: web.Request) -> web.Response:
    supervisor = await require_agent(request, "supervisor", "admin")
    store = request.app[STORE]
    found = await store.list_escalations(supervisor.tenant_id, states=IN_PROGRESS, limit=500)
    names = {a.id: a.name for a in await store.list_agents(supervisor.tenant_id)}
    return json_response(
        [{"escalation": e.public(), "agent_name": names.get(e.agent_id or "")} for e in found]
    )


class Colleague(BaseModel):
    id: str
    name: str
    status: str
    skills: list[str]
    languages: list[str]


class Colleagues(RootModel[list[Colleague]]):
    pass


@api(
    summary="The other agents of my organisation and their state (to transfer to)",
    tag="agent",
    auth=("agent",),
    response=Colleagues,
)
async def list_colleagues(request: web.Request) -> web.Response:
    me = await require_agent(request)
    fields = ("id", "name", "status", "skills", "languages")
    return json_response(
        [
            {k: a[k] for k in fields}
            for a in await agent_states(request.app, me.tenant_id)
            if a["id"] != me.agent_id and a["role"] != "admin"
        ]
    )


def setup(app: web.Application) -> None:
    app.router.add_get("/api/agents/colleagues", list_colleagues)
    app.router.add_get("/api/supervisor/agents", list_agent_states)
    app.router.add_get("/api/supervisor/sessions", list_sessions)
