"""Help inside a live session: bringing a colleague with a skill, or an outside expert
with a link and code, into the call and the co-browse view as a participant."""

from __future__ import annotations

from aiohttp import web

from escalation.coaching import experts


def setup(app: web.Application) -> None:
    experts.setup(app)
