"""HTTP for what the server peer makes: recordings (supervisors), snapshots (the
session's agents and supervisors) and the demo-video library (agents).

| method and path | who | result |
|---|---|---|
| `GET /api/recordings?session_id=` | supervisor, admin | `{recordings: [recording]}` |
| `GET /api/recordings/{id}/file` | supervisor, admin, or its link | the WebM file |
| `GET /api/demo-videos` | agent | `{videos: [{name, size}]}` |
| `GET /api/sessions/{id}/snapshots/{name}` | its agent, supervisor, or its link | the PNG |

`recording`: `{id, session_id, peer_id, role, started_at, ended_at, duration_s, size,
video_frames, audio_frames, url}`; one file per recorded participant. ``url`` is a
signed link that expires (``server/privacy/media_access.py``). Files are stored
encrypted; they are decrypted as they are sent.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from aiohttp import web

from media.library import SAFE_ID, MediaLibrary, RecordingInfo
from server.platform.access_audit import record_access
from server.platform.auth.principals import AgentPrincipal
from server.platform.auth.request import require_agent
from server.platform.errors import Forbidden, NotFound
from server.platform.jsonio import json_response
from server.platform.keys import STORE
from server.privacy.media_access import access_kind, send_file, signed_url, viewer_of
from signaling.keys import SESSION_NS


def _library(request: web.Request) -> MediaLibrary:
    return request.app[SESSION_NS].media.library


async def _session_tenant(request: web.Request, session_id: str) -> str | None:
    session = await request.app[STORE].get_session(session_id)
    return session.tenant_id if session is not None else None


def _public(request: web.Request, agent: AgentPrincipal, info: RecordingInfo) -> dict[str, Any]:
    path = f"/api/recordings/{info.id}/file"
    return {**info.public(), "url": signed_url(request.app, agent, path, f"recording:{info.id}")}


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
            visible.append(_public(request, agent, info))
    target = ("session", session_id) if session_id else ("recordings", "*")
    await record_access(request.app, agent, "recording.listed", *target, {"count": len(visible)})
    return json_response({"recordings": visible})


async def recording_file(request: web.Request) -> web.StreamResponse:
    recording_id = request.match_info["recording_id"]
    viewer = await viewer_of(request, f"recording:{recording_id}", "supervisor", "admin")
    library = _library(request)
    info = library.get_recording(recording_id)
    if info is None or await _session_tenant(request, info.session_id) != viewer.tenant_id:
        raise NotFound("unknown recording")
    path = library.recording_path(info.session_id, info.id)
    details = {"session_id": info.session_id, "via_link": viewer.via_link}
    action = f"recording.{access_kind(request)}"
    await record_access(request.app, viewer, action, "recording", info.id, details)
    return await send_file(request, path, content_type="video/webm", filename=f"{info.id}.webm")


async def demo_videos(request: web.Request) -> web.Response:
    await require_agent(request)
    return json_response({"videos": _library(request).demo_videos()})


async def snapshot_file(request: web.Request) -> web.StreamResponse:
    session_id, name = request.match_info["session_id"], request.match_info["name"]
    viewer = await viewer_of(request, f"snapshot:{session_id}/{name}")
    session = (
        await request.app[STORE].get_session(session_id) if SAFE_ID.match(session_id) else None
    )
    if session is None or session.tenant_id != viewer.tenant_id:
        raise NotFound("unknown session")
    if not viewer.via_link:
        agent = await require_agent(request)
        if agent.agent_id not in session.agent_ids and not agent.is_supervisor:
            raise Forbidden("you are not assigned to this session")
    path: Path | None = _library(request).snapshot_path(session_id, name)
    if path is None or not path.is_file():  # noqa: ASYNC240 (a stat; the body is read in a thread)
        raise NotFound("unknown snapshot")
    details = {"session_id": session_id, "via_link": viewer.via_link}
    await record_access(request.app, viewer, "snapshot.viewed", "snapshot", name, details)
    return await send_file(request, path, content_type="image/png")


def setup(app: web.Application) -> None:
    app.router.add_get("/api/recordings", list_recordings)
    app.router.add_get("/api/recordings/{recording_id}/file", recording_file)
    app.router.add_get("/api/demo-videos", demo_videos)
    app.router.add_get("/api/sessions/{session_id}/snapshots/{name}", snapshot_file)
