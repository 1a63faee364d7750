"""Supervisors' co-browse recordings API (list, download as one event array)."""

from __future__ import annotations

from aiohttp import web

from cobrowse.recording import list_recordings, read_events
from server.auth.request import require_agent
from server.keys import CONFIG


async def recordings(request: web.Request) -> web.Response:
    await require_agent(request, "supervisor", "admin")
    found = list_recordings(request.app[CONFIG].data_dir)
    return web.json_response({"recordings": [r.public() for r in found]})


async def recording_events(request: web.Request) -> web.Response:
    await require_agent(request, "supervisor", "admin")
    body = read_events(request.app[CONFIG].data_dir, request.match_info["session_id"])
    return web.Response(body=body, content_type="application/json")


def setup(app: web.Application) -> None:
    app.router.add_get("/api/cobrowse/recordings", recordings)
    app.router.add_get("/api/cobrowse/recordings/{session_id}/events", recording_events)
