"""Access to files about customers (call recordings, snapshots, co-browse recordings):
signed, expiring links, and the decrypted bytes streamed as they are read.

A link is a JWT of its own audience, signed with a key derived from the server secret,
naming one resource (``recording:<id>``, ``snapshot:<session>/<name>``), the agent it
was issued to and when it expires (``COVIEW_MEDIA_LINK_TTL_S``). It lets a ``<video>``
or a download fetch the file without the agent's bearer header, and nothing else.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

import jwt
from aiohttp import web

from media.crypto import DecryptError
from media.keys import SEALER
from server.platform.auth.principals import AgentPrincipal
from server.platform.auth.request import require_agent
from server.platform.errors import Forbidden, InternalError, NotFound, Unauthorized
from server.platform.keys import CONFIG
from server.platform.untrusted import content_disposition
from store.models import Role

AUDIENCE = "coview-media"
ALGORITHM = "HS256"


@dataclass(frozen=True)
class Viewer:
    """Who is fetching a file: from their bearer token or from the link issued to them."""

    agent_id: str
    name: str
    tenant_id: str
    via_link: bool


def _key(app: web.Application) -> bytes:
    secret = app[CONFIG].resolved_secret().encode()
    return hmac.new(secret, b"coview media links", hashlib.sha256).digest()


def signed_url(app: web.Application, agent: AgentPrincipal, path: str, resource: str) -> str:
    """``path`` with a link that lets ``agent`` fetch ``resource`` for a few minutes."""
    ttl = app[CONFIG].media_link_ttl_s
    claims = {
        "aud": AUDIENCE,
        "sub": agent.agent_id,
        "tid": agent.tenant_id,
        "name": agent.name,
        "res": resource,
        "exp": int(time.time()) + ttl,
    }
    token = jwt.encode(claims, _key(app), ALGORITHM)
    return f"{path}?link={quote(token)}"


def snapshot_url(app: web.Application, agent: AgentPrincipal, session_id: str, name: str) -> str:
    path = f"/api/sessions/{session_id}/snapshots/{name}"
    return signed_url(app, agent, path, f"snapshot:{session_id}/{name}")


async def viewer_of(request: web.Request, resource: str, *roles: Role) -> Viewer:
    """The caller: a valid link for ``resource``, else an agent with one of ``roles``."""
    link = request.query.get("link")
    if link is None:
        agent = await require_agent(request, *roles)
        return Viewer(agent.agent_id, agent.name, agent.tenant_id, via_link=False)
    try:
        claims = jwt.decode(
            link,
            _key(request.app),
            algorithms=[ALGORITHM],
            audience=AUDIENCE,
            options={"require": ["exp", "sub", "tid", "res"]},
        )
    except jwt.ExpiredSignatureError as exc:
        raise Unauthorized("this link has expired; list the recordings again") from exc
    except jwt.InvalidTokenError as exc:
        raise Unauthorized("invalid link") from exc
    if claims["res"] != resource:
        raise Forbidden("this link is for another file")
    return Viewer(str(claims["sub"]), str(claims.get("name", "")), str(claims["tid"]), True)


def access_kind(request: web.Request) -> str:
    """``downloaded`` when the client says it saves the file (``?download=1``), else
    ``replayed``: what the access audit calls this fetch."""
    return "downloaded" if request.query.get("download") == "1" else "replayed"


async def send_file(
    request: web.Request,
    path: Path,
    *,
    content_type: str,
    filename: str | None = None,
    unfinished_ok: bool = False,
) -> web.StreamResponse:
    """The file's plaintext, decrypted piece by piece as it is sent (never whole in
    memory). A file that fails to decrypt before anything is sent is a 500 problem;
    after, the connection is cut (the client sees a truncated body)."""
    pieces = request.app[SEALER].read(path, unfinished_ok=unfinished_ok)
    first = await _next(pieces)
    headers = {"Content-Type": content_type, "Cache-Control": "no-store"}
    if filename:
        headers["Content-Disposition"] = content_disposition(filename)
    response = web.StreamResponse(headers=headers)
    await response.prepare(request)
    piece = first
    while piece is not None:
        await response.write(piece)
        piece = await _next(pieces)
    await response.write_eof()
    return response


async def _next(pieces: Iterator[bytes]) -> bytes | None:
    try:
        return await asyncio.to_thread(next, pieces, None)
    except DecryptError as exc:
        raise InternalError(f"the file cannot be decrypted: {exc}") from exc
    except FileNotFoundError as exc:
        raise NotFound("the file is gone") from exc
