"""``POST /api/bot/messages`` (the built-in bot) and ``POST /api/bot/handoff`` (any
external bot hands its conversation to a person). Both escalate through the escalation
service with trigger ``bot``, the transcript, the intent and the confidence."""

from __future__ import annotations

import json
from typing import Any, Literal

from aiohttp import web
from pydantic import BaseModel, Field

from escalation.chat import bot
from escalation.core.creation import Created
from escalation.core.idempotency import idempotent
from escalation.core.schemas import LANGUAGE_PATTERN, CreateEscalation
from escalation.core.service import ESCALATIONS
from escalation.core.states import is_terminal
from escalation.rules.engine import HelpRequest, decide
from escalation.rules.service import load_rules
from server.platform.auth.identity import verify_context
from server.platform.auth.invites import join_url
from server.platform.auth.principals import ApiKeyPrincipal, SitePrincipal
from server.platform.auth.request import require
from server.platform.client_ip import client_ip
from server.platform.errors import NotFound, PayloadTooLarge
from server.platform.keys import CONFIG, RATE_LIMITER, STORE
from server.platform.openapi import api
from server.platform.validation import ApiModel, parse_model, read_json
from store.engagement_models import BotConversation, BotMessage
from store.escalation_models import BotInfo, Context, CustomerInfo, Escalation, TranscriptEntry
from store.models import Modality, utcnow

BOT_NAME = "coview bot"
TRANSCRIPT_KEPT = 50  # messages the bot remembers per conversation
LANGUAGE_HINT = r"^(es|en|pt)$"
MODALITIES: tuple[Modality, ...] = ("chat", "video", "screen", "cobrowse")


class BotMessageBody(ApiModel):
    conversation_id: str = Field(min_length=1, max_length=100)
    text: str = Field(min_length=1, max_length=2_000)
    language: str | None = Field(default=None, pattern=LANGUAGE_HINT)
    context: Context | None = None


class HandoffBody(ApiModel):
    conversation_id: str | None = Field(default=None, min_length=1, max_length=100)
    transcript: list[TranscriptEntry] = Field(default_factory=list, max_length=500)
    intent: str | None = Field(default=None, max_length=200)
    confidence: float | None = Field(default=None, ge=0, le=1)
    bot_name: str | None = Field(default=None, max_length=200)
    modalities: list[Modality] = Field(default=["chat", "video"], min_length=1, max_length=4)
    channel: Literal["chat", "voice", "web"] = "chat"
    language: str | None = Field(default=None, pattern=LANGUAGE_PATTERN)
    skills: list[str] = Field(default_factory=list, max_length=20)
    priority: int = Field(default=0, ge=-100, le=100)
    context: Context | None = None


class BotCustomerCredentials(BaseModel):
    token: str
    join_url: str
    short_code: str
    expires_at: str


class BotReply(BaseModel):
    reply: str
    language: str
    intent: str
    confidence: float
    escalation: Escalation | None = None
    customer: BotCustomerCredentials | None = Field(
        default=None, description="the customer's session credentials when it escalated"
    )


class HandoffResponse(BaseModel):
    escalation: Escalation
    customer: BotCustomerCredentials


def _credentials(request: web.Request, created: Created) -> dict[str, Any]:
    return {
        "token": created.customer_token.token,
        "join_url": join_url(request.app[CONFIG], created.invite),
        "short_code": created.invite.short_code,
        "expires_at": created.invite.expires_at.isoformat(),
    }


def _fit(request: web.Request, context: Context) -> Context:
    """Drop the oldest transcript lines until the context fits the size limit."""
    limit = request.app[CONFIG].max_context_bytes
    transcript = list(context.transcript)
    while True:
        fitted = context.model_copy(update={"transcript": transcript})
        size = len(json.dumps(fitted.model_dump(mode="json"), separators=(",", ":")).encode())
        if size <= limit:
            return fitted
        if not transcript:
            raise PayloadTooLarge(f"context is {size} bytes; the limit is {limit}")
        transcript = transcript[1:]


async def _offered(
    request: web.Request, tenant_id: str, context: Context, wanted: tuple[str, ...]
) -> list[Modality]:
    """The bot's suggested modalities that the page's rules offer (all of them when
    none is offered: the escalation then ends ineligible with the reason)."""
    rules = await load_rules(request.app[STORE], tenant_id)
    page = context.page.url if context.page and context.page.url else None
    offered = decide(rules, HelpRequest(page=page), utcnow()).modalities
    kept = [m for m in wanted if m in offered] or list(wanted)
    return [m for m in MODALITIES if m in kept]


def _entries(messages: list[BotMessage]) -> list[TranscriptEntry]:
    return [TranscriptEntry(role=m.role, text=m.text, at=m.at.isoformat()) for m in messages]


async def _conversation(
    request: web.Request, tenant_id: str, conversation_id: str
) -> BotConversation:
    found = await request.app[STORE].get_bot_conversation(conversation_id)
    if found is None:
        return BotConversation(id=conversation_id, tenant_id=tenant_id)
    if found.tenant_id != tenant_id:
        raise NotFound("unknown conversation")
    return found


@api(
    summary="Talk to the built-in bot (es/en/pt); it escalates when it should",
    description="Escalates on an explicit request for a person or for video, screen "
    "share or co-browsing, on an intent it cannot serve (payment problems) or after "
    "COVIEW_BOT_MAX_FAILURES messages it could not understand.",
    tag="bot",
    auth=("api_key", "site_key"),
    body=BotMessageBody,
    response=BotReply,
    errors=(404, 409, 422),
    headers=("Idempotency-Key",),
)
async def post_message(request: web.Request) -> web.Response:
    caller = await require(request, ApiKeyPrincipal, SitePrincipal)
    assert isinstance(caller, ApiKeyPrincipal | SitePrincipal)
    config = request.app[CONFIG]
    if isinstance(caller, SitePrincipal):
        await request.app[RATE_LIMITER].hit(
            config.bot_rate, "bot", f"{caller.site.id}:{client_ip(request)}"
        )
    body = await read_json(request, BotMessageBody)

    async def handler() -> tuple[int, dict[str, Any]]:
        conversation = await _conversation(request, caller.tenant_id, body.conversation_id)
        hint = body.language
        if hint is None and conversation.transcript and bot.detect_language(body.text)[1] == 0:
            hint = conversation.language  # "ok", "123": keep the conversation's language
        turn = bot.respond(
            body.text,
            language=hint,
            failed_before=conversation.failed,
            max_failures=config.bot_max_failures,
        )
        u = turn.understanding
        now = utcnow()
        said = BotMessage(
            role="customer", text=body.text, at=now, intent=u.intent, confidence=u.confidence
        )
        result: dict[str, Any] = {
            "language": u.language,
            "intent": u.intent,
            "confidence": u.confidence,
        }
        reply = turn.reply
        failed = turn.failed
        escalation_id = await _open_escalation(request, caller.tenant_id, conversation)
        if escalation_id is not None:
            reply = bot.already_escalated_reply(u.language)
        elif turn.escalate:
            transcript = [
                *conversation.transcript,
                said,
                BotMessage(role="bot", text=reply, at=now),
            ]
            created = await _escalate_once(request, caller, body, conversation, transcript, turn)
            if created is None:  # a concurrent message of this conversation escalated it
                reply = bot.already_escalated_reply(u.language)
            else:
                result["escalation"] = created.escalation.public()
                result["customer"] = _credentials(request, created)
                if created.escalation.state == "ineligible":
                    reply = bot.unavailable_reply(u.language, created.escalation.alternative)
                else:
                    escalation_id = created.escalation.id
                failed = 0
        messages = [*conversation.transcript, said, BotMessage(role="bot", text=reply, at=now)]
        await request.app[STORE].put_bot_conversation(
            conversation.model_copy(
                update={
                    "language": u.language,
                    "transcript": messages[-TRANSCRIPT_KEPT:],
                    "failed": failed,
                    "escalation_id": escalation_id,
                    "updated_at": now,
                }
            )
        )
        return 200, {"reply": reply, **result}

    return await idempotent(request, caller, "bot-messages", handler)


def _reservation(tenant_id: str, conversation_id: str) -> str:
    return f"{tenant_id}:bot-escalation:{conversation_id}"


async def _open_escalation(
    request: web.Request, tenant_id: str, conversation: BotConversation
) -> str | None:
    """The conversation's escalation while it is still open; once it has ended, the bot
    talks again and may escalate anew."""
    if conversation.escalation_id is None:
        return None
    store = request.app[STORE]
    esc = await store.get_escalation(conversation.escalation_id)
    if esc is not None and not is_terminal(esc.state):
        return esc.id
    await store.release_idempotent(_reservation(tenant_id, conversation.id))
    return None


async def _escalate_once(
    request: web.Request,
    caller: ApiKeyPrincipal | SitePrincipal,
    body: BotMessageBody,
    conversation: BotConversation,
    transcript: list[BotMessage],
    turn: bot.BotTurn,
) -> Created | None:
    """Escalate unless another message of the conversation already did (on any node):
    the conversation's escalation is reserved atomically in the store first. None when
    someone else holds the reservation; an ineligible result frees it for a later try."""
    store = request.app[STORE]
    key = _reservation(caller.tenant_id, conversation.id)
    ttl = float(request.app[CONFIG].idempotency_ttl_s)
    if await store.begin_idempotent(key, "bot", ttl) is not None:
        return None
    try:
        created = await _escalate(request, caller, body, conversation, transcript, turn)
    except BaseException:
        await store.release_idempotent(key)
        raise
    if created.escalation.state == "ineligible":
        await store.release_idempotent(key)
    else:
        await store.finish_idempotent(key, 201, created.escalation.id, ttl)
    return created


async def _escalate(
    request: web.Request,
    caller: ApiKeyPrincipal | SitePrincipal,
    body: BotMessageBody,
    conversation: BotConversation,
    transcript: list[BotMessage],
    turn: bot.BotTurn,
) -> Created:
    u = turn.understanding
    # verified before the rules narrow the modalities by the customer's tier
    given = await verify_context(request.app[STORE], caller, body.context or Context())
    customer = given.customer or CustomerInfo()
    context = given.model_copy(
        update={
            "transcript": [*given.transcript, *_entries(transcript)],
            "bot": BotInfo(intent=u.intent, confidence=u.confidence, name=BOT_NAME),
            "customer": customer.model_copy(update={"language": customer.language or u.language}),
            "attributes": {**given.attributes, "bot_reason": turn.reason},
        }
    )
    create = CreateEscalation(
        trigger="bot",
        channel="chat",
        modalities=await _offered(request, caller.tenant_id, context, turn.modalities),
        context=_fit(request, context),
        conversation_id=conversation.id,
        language=u.language,
    )
    return await request.app[ESCALATIONS].create(caller, create, identity_checked=True)


@api(
    summary="Hand an external bot's conversation to a person (transcript, intent, confidence)",
    tag="bot",
    auth=("api_key",),
    body=HandoffBody,
    response=HandoffResponse,
    status=201,
    errors=(409, 413, 422),
    headers=("Idempotency-Key",),
)
async def post_handoff(request: web.Request) -> web.Response:
    caller = await require(request, ApiKeyPrincipal)
    body = await read_json(request, HandoffBody)
    given = body.context or Context()
    bot_info = BotInfo(intent=body.intent, confidence=body.confidence, name=body.bot_name)
    context = given.model_copy(
        update={"transcript": [*given.transcript, *body.transcript], "bot": bot_info}
    )
    limit = request.app[CONFIG].max_context_bytes
    size = len(json.dumps(context.model_dump(mode="json"), separators=(",", ":")).encode())
    if size > limit:
        raise PayloadTooLarge(f"context is {size} bytes; the limit is {limit}")
    # Validated like a direct POST /api/escalations: bad skills or language are a 422.
    create = parse_model(
        CreateEscalation,
        {
            "trigger": "bot",
            "channel": body.channel,
            "modalities": body.modalities,
            "context": context,
            "conversation_id": body.conversation_id,
            "language": body.language,
            "skills": body.skills,
            "priority": body.priority,
        },
    )

    async def handler() -> tuple[int, dict[str, Any]]:
        created = await request.app[ESCALATIONS].create(caller, create)
        return 201, {
            "escalation": created.escalation.public(),
            "customer": _credentials(request, created),
        }

    return await idempotent(request, caller, "bot-handoff", handler)


def setup(app: web.Application) -> None:
    app.router.add_post("/api/bot/messages", post_message)
    app.router.add_post("/api/bot/handoff", post_handoff)
