"""Admin API of retention: the organisation's periods (audited), the last purge's
report, and a purge now (admins only)."""

from __future__ import annotations

from aiohttp import web

from server.platform.audit import record_audit
from server.platform.auth.request import require_agent
from server.platform.errors import Conflict
from server.platform.jsonio import json_response
from server.platform.keys import CONFIG, STORE
from server.platform.validation import read_json
from server.retention.policy import (
    DEFAULT_POLICY,
    RETENTION,
    RetentionPolicy,
    load_policy,
)
from server.retention.purge import LAST_REPORT, PURGER, LeaseLost, Purger, purge_ctx


async def get_retention(request: web.Request) -> web.Response:
    admin = await require_agent(request, "admin")
    policy = await load_policy(request.app[STORE], admin.tenant_id)
    return json_response({**policy.model_dump(), "defaults": DEFAULT_POLICY.model_dump()})


async def put_retention(request: web.Request) -> web.Response:
    admin = await require_agent(request, "admin")
    body = await read_json(request, RetentionPolicy)
    store = request.app[STORE]
    before = await load_policy(store, admin.tenant_id)
    await store.put_setting(admin.tenant_id, RETENTION, body.model_dump())
    changes = {
        name: {"from": getattr(before, name), "to": value}
        for name, value in body.model_dump().items()
        if getattr(before, name) != value
    }
    await record_audit(request.app, admin, "retention.updated", "setting", RETENTION, changes)
    return json_response({**body.model_dump(), "defaults": DEFAULT_POLICY.model_dump()})


async def get_purge(request: web.Request) -> web.Response:
    admin = await require_agent(request, "admin")
    last = await request.app[STORE].get_setting(admin.tenant_id, LAST_REPORT)
    return json_response({"last": last, "interval_s": request.app[CONFIG].purge_interval_s})


async def post_purge(request: web.Request) -> web.Response:
    admin = await require_agent(request, "admin")
    try:
        reports = await request.app[PURGER].run([admin.tenant_id], trigger="admin", actor=admin)
    except LeaseLost:  # this node stalled past its lease; another node carries on
        reports = None
    if reports is None:
        raise Conflict("a purge is running on another node; try again in a moment")
    return json_response(reports[admin.tenant_id])


def setup(app: web.Application) -> None:
    app[PURGER] = Purger(app)
    app.cleanup_ctx.append(purge_ctx)
    app.router.add_get("/api/admin/settings/retention", get_retention)
    app.router.add_put("/api/admin/settings/retention", put_retention)
    app.router.add_get("/api/admin/retention/purge", get_purge)
    app.router.add_post("/api/admin/retention/purge", post_purge)
