"""HTTP for what the server peer makes: recordings (supervisors), snapshots (the
session's agents and supervisors) and the demo-video library (agents).

| method and path | who | result |
|---|---|---|
| `GET /api/recordings?session_id=` | supervisor, admin | `{recordings: [recording]}` |
| `GET /api/recordings/{id}/file` | supervisor, admin | the WebM file |
| `GET /api/demo-videos` | agent | `{videos: [{name, size}]}` |
| `GET /api/sessions/{id}/snapshots/{name}` | the session's agent, supervisor | the PNG |

`recording`: `{id, session_id, peer_id, role, started_at, ended_at, duration_s, size,
video_frames, audio_frames, url}`; one file per recorded participant.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from aiohttp import web

from media.library import SAFE_ID, MediaLibrary, RecordingInfo
from server.auth.principals import AgentPrincipal
from server.auth.request import require_agent
from server.errors import Forbidden, NotFound
from server.jsonio import json_response
from server.keys import STORE
from server.untrusted import content_disposition
from signaling.keys import SESSION_NS


def _library(request: web.Request) -> MediaLibrary:
    return request.app[SESSION_NS].media.library


async def _session_tenant(request: web.Request, session_id: str) -> str | None:
    session = await request.app[STORE].get_session(session_id)
    return session.tenant_id if session is not None else None


def _public(info: RecordingInfo) -> dict[str, Any]:
    return {**info.public(), "url": f"/api/recordings/{info.id}/file"}


async def list_recordings(request: web.Request) -> web.Response:
    agent = await require_agent(request, "supervisor", "admin")
    session_id = request.query.get("session_id")
    if session_id is not None and not SAFE_ID.match(session_id):
        raise NotFound("unknown session")
    tenants: dict[str, str | None] = {}
    visible = []
    for info in _library(request).list_recordings(session_id):
        if info.session_id not in tenants:
            tenants[info.session_id] = await _session_tenant(request, info.session_id)
        if tenants[info.session_id] == agent.tenant_id:
            visible.append(_public(info))
    return json_response({"recordings": visible})


async def recording_file(request: web.Request) -> web.FileResponse:
    agent = await require_agent(request, "supervisor", "admin")
    library = _library(request)
    info = library.get_recording(request.match_info["recording_id"])
    if info is None or await _session_tenant(request, info.session_id) != agent.tenant_id:
        raise NotFound("unknown recording")
    path = library.recording_path(info.session_id, info.id)
    return web.FileResponse(
        path,
        headers={
            "Content-Type": "video/webm",
            "Content-Disposition": content_disposition(f"{info.id}.webm"),
        },
    )


async def demo_videos(request: web.Request) -> web.Response:
    await require_agent(request)
    return json_response({"videos": _library(request).demo_videos()})


async def snapshot_file(request: web.Request) -> web.FileResponse:
    agent: AgentPrincipal = await require_agent(request)
    session_id = request.match_info["session_id"]
    session = (
        await request.app[STORE].get_session(session_id) if SAFE_ID.match(session_id) else None
    )
    if session is None or session.tenant_id != agent.tenant_id:
        raise NotFound("unknown session")
    if agent.agent_id not in session.agent_ids and not agent.is_supervisor:
        raise Forbidden("you are not assigned to this session")
    path: Path | None = _library(request).snapshot_path(session_id, request.match_info["name"])
    if path is None or not path.is_file():  # noqa: ASYNC240 (a stat; FileResponse reads async)
        raise NotFound("unknown snapshot")
    return web.FileResponse(path, headers={"Content-Type": "image/png"})


def setup(app: web.Application) -> None:
    app.router.add_get("/api/recordings", list_recordings)
    app.router.add_get("/api/recordings/{recording_id}/file", recording_file)
    app.router.add_get("/api/demo-videos", demo_videos)
    app.router.add_get("/api/sessions/{session_id}/snapshots/{name}", snapshot_file)
