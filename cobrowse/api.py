"""Supervisors' co-browse recordings API (list, download as one event array), each
supervisor seeing only their organisation's sessions."""

from __future__ import annotations

from aiohttp import web

from cobrowse.recording import list_recordings, read_events
from media.keys import SEALER
from server.platform.access_audit import record_access
from server.platform.auth.principals import AgentPrincipal
from server.platform.auth.request import require_agent
from server.platform.errors import NotFound
from server.platform.jsonio import json_response
from server.platform.keys import CONFIG, STORE
from server.privacy.media_access import access_kind


async def _ours(request: web.Request, supervisor: AgentPrincipal, session_id: str) -> bool:
    session = await request.app[STORE].get_session(session_id)
    return session is not None and session.tenant_id == supervisor.tenant_id


async def recordings(request: web.Request) -> web.Response:
    supervisor = await require_agent(request, "supervisor", "admin")
    found = list_recordings(request.app[CONFIG].data_dir)
    ours = [r.public() for r in found if await _ours(request, supervisor, r.session_id)]
    count = {"count": len(ours)}
    await record_access(request.app, supervisor, "cobrowse_recording.listed", "*", "*", count)
    return json_response({"recordings": ours})


async def recording_events(request: web.Request) -> web.Response:
    supervisor = await require_agent(request, "supervisor", "admin")
    session_id = request.match_info["session_id"]
    body = read_events(
        request.app[CONFIG].data_dir, session_id, request.app[SEALER]
    )  # 404 when none / bad id
    if not await _ours(request, supervisor, session_id):
        raise NotFound("no recording for this session")
    action = f"cobrowse_recording.{access_kind(request)}"
    await record_access(request.app, supervisor, action, "session", session_id)
    return web.Response(
        body=body, content_type="application/json", headers={"Cache-Control": "no-store"}
    )


def setup(app: web.Application) -> None:
    app.router.add_get("/api/cobrowse/recordings", recordings)
    app.router.add_get("/api/cobrowse/recordings/{session_id}/events", recording_events)
