"""The text channel: conversations, the rule bot, the external bot, attachments and the
hand-off that turns a conversation into an escalation carrying its transcript."""

from __future__ import annotations

from aiohttp import web

from escalation.chat import bot_routes, conversations


def setup(app: web.Application) -> None:
    conversations.setup(app)
    bot_routes.setup(app)
