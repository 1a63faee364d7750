"""Sites (site keys, allowed origins), agents (skills, languages, capacity, roles) and
the audit log. Every change is validated and recorded as an audit event."""

from __future__ import annotations

import secrets
from typing import Any

from aiohttp import web

from server.admin.schemas import AgentIn, AgentUpdate, SiteIn, SiteUpdate
from server.platform.access_audit import AuditQuery
from server.platform.audit import record_audit
from server.platform.auth.identity import new_identity_secret
from server.platform.auth.keys import PASSWORDS
from server.platform.auth.request import require_agent
from server.platform.errors import Conflict, NotFound
from server.platform.jsonio import json_response
from server.platform.keys import STORE
from server.platform.validation import parse_model, read_json
from store.base import DuplicateError
from store.models import DEFAULT_CAPACITY, Agent, Site

SECRET_CHANGED = "(changed)"  # how the audit log shows a secret


def new_site_key() -> str:
    return "sk_" + secrets.token_urlsafe(18)


async def list_sites(request: web.Request) -> web.Response:
    admin = await require_agent(request, "admin")
    sites = await request.app[STORE].list_sites(admin.tenant_id)
    return json_response([s.public() for s in sites])


def with_new_secret(site: Site) -> dict[str, object]:
    """The one answer that shows a freshly made identity secret (never listed again)."""
    return {**site.public(), "identity_secret": site.identity_secret}


async def create_site(request: web.Request) -> web.Response:
    admin = await require_agent(request, "admin")
    body = await read_json(request, SiteIn)
    site = Site(
        id="site_" + secrets.token_urlsafe(8),
        tenant_id=admin.tenant_id,
        name=body.name,
        site_key=new_site_key(),
        allowed_origins=body.allowed_origins,
        identity_verification=body.identity_verification,
        identity_secret=new_identity_secret(),
    )
    await request.app[STORE].put_site(site)
    audit = {**body.model_dump(), "identity_secret": SECRET_CHANGED}
    await record_audit(request.app, admin, "site.created", "site", site.id, audit)
    return json_response(with_new_secret(site), status=201)


async def update_site(request: web.Request) -> web.Response:
    admin = await require_agent(request, "admin")
    body = await read_json(request, SiteUpdate)
    store = request.app[STORE]
    site = await store.get_site(request.match_info["id"])
    if site is None or site.tenant_id != admin.tenant_id:
        raise NotFound("unknown site")
    changes: dict[str, Any] = body.model_dump(
        exclude_none=True, exclude={"rotate_key", "rotate_identity_secret"}
    )
    if body.rotate_key:
        changes["site_key"] = new_site_key()
    # turning verification on for a site without a secret makes one
    fresh = body.rotate_identity_secret or (
        bool(body.identity_verification) and site.identity_secret is None
    )
    if fresh:
        changes["identity_secret"] = new_identity_secret()
    updated = site.model_copy(update=changes)
    await store.put_site(updated)
    audit = dict(changes)
    if fresh:
        audit["identity_secret"] = SECRET_CHANGED
    await record_audit(request.app, admin, "site.updated", "site", site.id, audit)
    return json_response(with_new_secret(updated) if fresh else updated.public())


async def list_agents(request: web.Request) -> web.Response:
    admin = await require_agent(request, "admin", "supervisor")
    agents = await request.app[STORE].list_agents(admin.tenant_id)
    return json_response([a.public() for a in agents])


async def create_agent(request: web.Request) -> web.Response:
    admin = await require_agent(request, "admin")
    body = await read_json(request, AgentIn)
    agent = Agent(
        id="ag_" + secrets.token_urlsafe(8),
        tenant_id=admin.tenant_id,
        email=body.email.lower(),
        name=body.name,
        role=body.role,
        password_hash=request.app[PASSWORDS].hash(body.password),
        skills=sorted(set(body.skills)),
        languages=sorted(set(body.languages)),
        capacity={**DEFAULT_CAPACITY, **(body.capacity or {})},
    )
    try:
        await request.app[STORE].create_agent(agent)
    except DuplicateError as exc:
        raise Conflict(f"an agent with e-mail {body.email} exists") from exc
    await record_audit(request.app, admin, "agent.created", "agent", agent.id, body.model_dump())
    return json_response(agent.public(), status=201)


async def update_agent(request: web.Request) -> web.Response:
    admin = await require_agent(request, "admin")
    body = await read_json(request, AgentUpdate)
    store = request.app[STORE]
    agent = await store.get_agent(request.match_info["id"])
    if agent is None or agent.tenant_id != admin.tenant_id:
        raise NotFound("unknown agent")
    changes: dict[str, Any] = body.model_dump(exclude_none=True, exclude={"password", "capacity"})
    if body.capacity is not None:
        changes["capacity"] = {**agent.capacity, **body.capacity}
    if body.password is not None:
        changes["password_hash"] = request.app[PASSWORDS].hash(body.password)
    if agent.id == admin.agent_id and changes.get("role", "admin") != "admin":
        raise Conflict("you cannot take away your own admin role")
    updated = agent.model_copy(update=changes)
    await store.update_agent(updated)
    audit = {k: v for k, v in changes.items() if k != "password_hash"}
    if body.password is not None:
        audit["password"] = True
    await record_audit(request.app, admin, "agent.updated", "agent", agent.id, audit)
    return json_response(updated.public())


async def list_audit(request: web.Request) -> web.Response:
    admin = await require_agent(request, "admin")
    query = parse_model(AuditQuery, dict(request.query), strict=False)
    events = await request.app[STORE].query_audit(admin.tenant_id, query.as_filter())
    return json_response([e.model_dump(mode="json") for e in events])


def setup(app: web.Application) -> None:
    app.router.add_get("/api/admin/sites", list_sites)
    app.router.add_post("/api/admin/sites", create_site)
    app.router.add_put("/api/admin/sites/{id}", update_site)
    app.router.add_get("/api/admin/agents", list_agents)
    app.router.add_post("/api/admin/agents", create_agent)
    app.router.add_put("/api/admin/agents/{id}", update_agent)
    app.router.add_get("/api/admin/audit", list_audit)
