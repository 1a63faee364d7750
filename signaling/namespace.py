"""A Socket.IO namespace whose events are the protocol: ``on_<event>`` handlers
(hyphens become underscores) take one payload and return the ack's fields.

Every client→server event gets an ack: ``{ok: true, ...}`` or
``{ok: false, error: {code, message}}``; a handler raising a CoviewError changes
nothing and acks the error.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from typing import Any

import socketio
from aiohttp import web
from socketio.exceptions import ConnectionRefusedError as SocketRefused

from server.platform.auth.keys import AUTH
from server.platform.auth.principals import AgentPrincipal, Principal
from server.platform.errors import (
    BadRequest,
    CoviewError,
    InternalError,
    NotFound,
    StoreUnavailable,
    Unauthorized,
)
from signaling.packet import REFUSED_EVENT, RefusedPayload
from store.outage import STORE_OUTAGES

log = logging.getLogger("coview.signaling")

LIFECYCLE_EVENTS = {"connect", "disconnect"}


def refuse(error: CoviewError) -> SocketRefused:
    """The connect_error a browser client sees: ``data`` is ``{code, message}``."""
    detail = error.ack()["error"]
    return SocketRefused(detail["message"], detail)


class ProtocolNamespace(socketio.AsyncNamespace):  # type: ignore[misc]
    def __init__(self, namespace: str, app: web.Application) -> None:
        super().__init__(namespace)
        self.app = app

    async def trigger_event(self, event: str, *args: Any) -> Any:
        if event in LIFECYCLE_EVENTS:
            try:
                return await super().trigger_event(event, *args)
            except STORE_OUTAGES as exc:
                if event != "connect":
                    raise
                raise refuse(StoreUnavailable.caused_by(exc)) from exc
        sid, *payload = args
        handler = getattr(self, "on_" + event.replace("-", "_"), None)
        try:
            if event == REFUSED_EVENT and payload and isinstance(payload[0], RefusedPayload):
                raise payload[0].error
            if handler is None:
                raise NotFound(f"unknown event {event!r}")
            if len(payload) > 1:
                raise BadRequest("send one payload object")
            result = await handler(sid, payload[0] if payload else None)
        except CoviewError as exc:
            return exc.ack()
        except STORE_OUTAGES as exc:
            log.warning("store unavailable handling %s on %s: %r", event, self.namespace, exc)
            return StoreUnavailable.caused_by(exc).ack()
        except Exception:
            log.exception("error handling %s on %s", event, self.namespace)
            return InternalError("unexpected error; it has been logged").ack()
        return {"ok": True, **(result or {})}

    async def authenticate(self, auth: Any) -> Principal:
        token = auth.get("token") if isinstance(auth, dict) else None
        if not isinstance(token, str) or not token:
            raise Unauthorized("send auth: {token}")
        principal = await self.app[AUTH].from_bearer(token)
        if isinstance(principal, AgentPrincipal):
            # a socket outlives the agent record read now: its handlers read their own
            principal = replace(principal, agent=None)
        return principal

    async def principal(self, sid: str) -> Principal:
        session = await self.get_session(sid)
        principal: Principal = session["principal"]
        return principal
