"""REST side of the text channel: start a conversation, read and post messages."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from aiohttp import web
from pydantic import AfterValidator, BaseModel, Field, ValidationError

from escalation.chat.bridge import ChatBridge
from escalation.chat.external_bot import (
    BOT_REPLY,
    EXTERNAL_BOT,
    SETTING,
    ExternalBot,
    ExternalBotConfig,
    external_bot_ctx,
    load_config,
)
from escalation.chat.service import ChatService, conversation_view, message_view
from escalation.core.keys import ESCALATION_EVENTS
from server.platform.audit import record_audit
from server.platform.auth.identity import verified_customer
from server.platform.auth.principals import (
    AgentPrincipal,
    ApiKeyPrincipal,
    SessionPrincipal,
    SitePrincipal,
)
from server.platform.auth.request import require, require_agent
from server.platform.client_ip import client_ip
from server.platform.errors import NotFound, Unprocessable
from server.platform.jsonio import json_response
from server.platform.keys import CHAT_BOT, CONFIG, DEADLINE_HANDLERS, OUTBOUND, RATE_LIMITER, STORE
from server.platform.openapi import api
from server.platform.untrusted import page_url_of
from server.platform.validation import ApiModel, field_errors, parse_model, read_json
from store.chat_models import ChatMessage, Conversation
from store.escalation_models import BotInfo
from store.values import HeaderSafe, check_web_url, is_page_url

CHAT_SERVICE = web.AppKey("chat_service", ChatService)
CHAT_BRIDGE = web.AppKey("chat_bridge", ChatBridge)


def _context_page(value: dict[str, Any]) -> dict[str, Any]:
    url = page_url_of(value)
    if url and not is_page_url(url):  # the agent sees it as a link
        raise ValueError("page.url must be an http:// or https:// URL (or a /path)")
    return value


class NewConversation(ApiModel):
    context: Annotated[dict[str, Any], AfterValidator(_context_page)] = Field(default_factory=dict)
    language: str | None = Field(default=None, pattern=r"^[a-z]{2}$")


class AttachmentIn(ApiModel):
    name: HeaderSafe = Field(default="image", max_length=200)
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
        request.app[CONFIG].conversation_rate, "conversation", client_ip(request)
    )
    body = await read_json(request, NewConversation)
    context = await verified_customer(request.app[STORE], site, body.context)
    conversation, token = await request.app[CHAT_SERVICE].create_conversation(
        site, context, body.language
    )
    return json_response(
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
    return json_response(
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
    return json_response(message_view(message), status=201)


class ExternalBotReply(ApiModel):
    text: str = Field(default="", max_length=2_000)
    handoff: bool = False
    intent: str | None = Field(default=None, max_length=200)
    confidence: float | None = Field(default=None, ge=0, le=1)
    modalities: list[Literal["video", "screen", "cobrowse"]] = Field(default_factory=list)


class BotReplied(BaseModel):
    message: ChatMessage | None
    conversation: Conversation


@api(
    summary="A tenant's own bot answers a customer message (and may hand off to a person)",
    tag="chat",
    auth=("api_key",),
    body=ExternalBotReply,
    response=BotReplied,
    errors=(404, 409, 422),
)
async def bot_reply(request: web.Request) -> web.Response:
    key = await require(request, ApiKeyPrincipal)
    service = request.app[CHAT_SERVICE]
    conversation = await service.get(request.match_info["id"])
    if conversation.tenant_id != key.tenant_id:
        raise NotFound("unknown conversation")
    body = await read_json(request, ExternalBotReply)
    if not body.text and not body.handoff:
        raise Unprocessable("send text, handoff, or both")
    config = await load_config(request.app[STORE], key.tenant_id)
    bot = BotInfo(
        intent=body.intent, confidence=body.confidence, name=config.name if config else "Bot"
    )
    message = await request.app[CHAT_BRIDGE].bot_reply(
        conversation,
        text=body.text,
        handoff=body.handoff,
        bot=bot,
        modalities=list(body.modalities),
    )
    updated = await service.get(conversation.id)
    return json_response(
        {
            "message": message_view(message) if message else None,
            "conversation": conversation_view(updated),
        }
    )


class ExternalBotUpdate(ApiModel):
    enabled: bool
    url: Annotated[str, AfterValidator(check_web_url)] = Field(min_length=8, max_length=2_000)
    timeout_s: float = Field(default=8.0, ge=0.2, le=60)
    name: str = Field(default="Bot", min_length=1, max_length=80)
    rotate_secret: bool = False


@api(
    summary="The tenant's external bot (URL, timeout, signing secret)",
    tag="admin",
    auth=("admin",),
    response=ExternalBotConfig,
    errors=(404,),
)
async def get_external_bot(request: web.Request) -> web.Response:
    admin = await require_agent(request, "admin")
    raw = await request.app[STORE].get_setting(admin.tenant_id, SETTING)
    if raw is None:
        raise NotFound("no external bot is configured")
    return json_response(ExternalBotConfig.model_validate(raw).public())


@api(
    summary="Configure the tenant's external bot; the built-in bot answers when disabled",
    tag="admin",
    auth=("admin",),
    body=ExternalBotUpdate,
    response=ExternalBotConfig,
    errors=(422,),
)
async def put_external_bot(request: web.Request) -> web.Response:
    admin = await require_agent(request, "admin")
    body = await read_json(request, ExternalBotUpdate)
    request.app[OUTBOUND].check_saved(body.url)
    store = request.app[STORE]
    current = await store.get_setting(admin.tenant_id, SETTING)
    values = body.model_dump(exclude={"rotate_secret"})
    if current and not body.rotate_secret:
        values["secret"] = current["secret"]
    try:
        config = ExternalBotConfig.model_validate(values)
    except ValidationError as exc:
        raise Unprocessable("the external bot is not valid", errors=field_errors(exc)) from exc
    await store.put_setting(admin.tenant_id, SETTING, config.model_dump())
    changes = body.model_dump(exclude={"rotate_secret"})
    if body.rotate_secret or current is None:
        changes["secret"] = True
    await record_audit(request.app, admin, "external_bot.updated", "setting", SETTING, changes)
    return json_response(config.public())


def setup(app: web.Application) -> None:
    """After ``escalation.setup``: the bot and the hand-off ride on escalations."""
    service = ChatService(app)
    bridge = ChatBridge(app, service)
    app[CHAT_SERVICE] = service
    app[CHAT_BRIDGE] = bridge
    app[CHAT_BOT] = bridge
    app[ESCALATION_EVENTS].subscribe(bridge.observe)
    app[DEADLINE_HANDLERS][BOT_REPLY] = bridge.on_bot_deadline
    app.router.add_post("/api/conversations", create_conversation)
    app.router.add_get("/api/conversations/{id}/messages", list_messages)
    app.router.add_post("/api/conversations/{id}/messages", post_message)
    app.router.add_post("/api/conversations/{id}/bot-reply", bot_reply)
    app.router.add_get("/api/admin/external-bot", get_external_bot)
    app.router.add_put("/api/admin/external-bot", put_external_bot)
    app[EXTERNAL_BOT] = ExternalBot(app[CONFIG].base_url, app)
    app.cleanup_ctx.append(external_bot_ctx)
