"""REST side of the text channel: start a conversation, read and post messages."""

from __future__ import annotations

from typing import Any

from aiohttp import web
from pydantic import BaseModel, Field

from escalation.chat_bridge import ChatBridge
from escalation.chat_service import ChatService, conversation_view, message_view
from escalation.keys import ESCALATION_EVENTS
from escalation.openapi import api
from server.auth.principals import AgentPrincipal, SessionPrincipal, SitePrincipal
from server.auth.request import require
from server.keys import CHAT_BOT, CONFIG, RATE_LIMITER
from server.validation import ApiModel, parse_model, read_json
from store.chat_models import ChatMessage, Conversation

CHAT_SERVICE = web.AppKey("chat_service", ChatService)
CHAT_BRIDGE = web.AppKey("chat_bridge", ChatBridge)


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


class ConversationCreated(BaseModel):
    conversation_id: str
    session_id: str
    token: str
    conversation: Conversation


class History(BaseModel):
    conversation: Conversation
    messages: list[ChatMessage]


@api(
    summary="Start a web chat (the widget): the customer gets a session token for it",
    tag="chat",
    auth=("site_key",),
    body=NewConversation,
    response=ConversationCreated,
    status=201,
    errors=(422,),
)
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


@api(
    summary="A conversation and its messages after a sequence number",
    tag="chat",
    auth=("session", "agent"),
    query=HistoryQuery,
    response=History,
    errors=(404, 422),
)
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


@api(
    summary="Post a message (text and/or an image) to a conversation",
    tag="chat",
    auth=("session", "agent"),
    body=PostMessage,
    response=ChatMessage,
    status=201,
    errors=(404, 409, 413, 422),
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
    """After ``escalation.setup``: the bot and the hand-off ride on escalations."""
    service = ChatService(app)
    bridge = ChatBridge(app, service)
    app[CHAT_SERVICE] = service
    app[CHAT_BRIDGE] = bridge
    app[CHAT_BOT] = bridge
    app[ESCALATION_EVENTS].subscribe(bridge.observe)
    app.router.add_post("/api/conversations", create_conversation)
    app.router.add_get("/api/conversations/{id}/messages", list_messages)
    app.router.add_post("/api/conversations/{id}/messages", post_message)
