"""REST side of the text channel: start a conversation, read and post messages."""

from __future__ import annotations

from typing import Any

from aiohttp import web
from pydantic import Field

from escalation.chat_service import ChatService, conversation_view, message_view
from server.auth.principals import AgentPrincipal, SessionPrincipal, SitePrincipal
from server.auth.request import require
from server.keys import CONFIG, RATE_LIMITER
from server.validation import ApiModel, parse_model, read_json

CHAT_SERVICE = web.AppKey("chat_service", ChatService)


class NewConversation(ApiModel):
    context: dict[str, Any] = Field(default_factory=dict)
    language: str | None = Field(default=None, pattern=r"^[a-z]{2}$")


class AttachmentIn(ApiModel):
    name: str = Field(default="image", max_length=200)
    data_url: str = Field(max_length=2_000_000)


class PostMessage(ApiModel):
    text: str = Field(default="", max_length=20_000)
    attachment: AttachmentIn | None = None
    client_id: str | None = Field(default=None, max_length=64)


async def create_conversation(request: web.Request) -> web.Response:
    site = await require(request, SitePrincipal)
    await request.app[RATE_LIMITER].hit(
        request.app[CONFIG].conversation_rate, "conversation", str(request.remote)
    )
    body = await read_json(request, NewConversation)
    conversation, token = await request.app[CHAT_SERVICE].create_conversation(
        site, body.context, body.language
    )
    return web.json_response(
        {
            "conversation_id": conversation.id,
            "session_id": conversation.session_id,
            "token": token,
            "conversation": conversation_view(conversation),
        },
        status=201,
    )


class HistoryQuery(ApiModel):
    after_seq: int = Field(default=0, ge=0)
    limit: int = Field(default=500, ge=1, le=500)


async def list_messages(request: web.Request) -> web.Response:
    principal: AgentPrincipal | SessionPrincipal = await require(
        request, AgentPrincipal, SessionPrincipal
    )
    service = request.app[CHAT_SERVICE]
    conversation = await service.get(request.match_info["id"])
    await service.participant(principal, conversation)
    query = parse_model(HistoryQuery, dict(request.query), strict=False)
    messages = await service.history(conversation, query.after_seq, query.limit)
    return web.json_response(
        {
            "conversation": conversation_view(conversation),
            "messages": [message_view(m) for m in messages],
        }
    )


async def post_message(request: web.Request) -> web.Response:
    principal: AgentPrincipal | SessionPrincipal = await require(
        request, AgentPrincipal, SessionPrincipal
    )
    service = request.app[CHAT_SERVICE]
    conversation = await service.get(request.match_info["id"])
    who = await service.participant(principal, conversation)
    body = await read_json(request, PostMessage)
    attachment = (body.attachment.name, body.attachment.data_url) if body.attachment else None
    message = await service.post(
        conversation, who, text=body.text, attachment=attachment, client_id=body.client_id
    )
    return web.json_response(message_view(message), status=201)


def setup(app: web.Application) -> None:
    app[CHAT_SERVICE] = ChatService(app)
    app.router.add_post("/api/conversations", create_conversation)
    app.router.add_get("/api/conversations/{id}/messages", list_messages)
    app.router.add_post("/api/conversations/{id}/messages", post_message)
