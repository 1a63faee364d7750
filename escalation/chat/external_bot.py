"""A tenant's own bot answers the chat instead of the built-in one.

Each customer message is POSTed to the bot's URL, signed as Standard Webhooks
(``server/platform/signing.py``); the bot answers through
``POST /api/conversations/{id}/bot-reply`` with an API key. If it does not answer within
its timeout, or its endpoint fails, the conversation goes to a person: never silence.
The wait is a ``bot_reply`` deadline in the store, not a timer of the node that sent the
message: the reply may reach another node behind the load balancer, and the node that
sent it may die; whichever node claims the due deadline hands the conversation over.
"""

from __future__ import annotations

import asyncio
import json
import logging
import secrets
import time
from datetime import timedelta
from typing import Annotated, Any

import aiohttp
from aiohttp import web
from pydantic import AfterValidator, BaseModel, Field

from server.platform import signing as webhook_signing
from server.platform.keys import OUTBOUND, STORE
from server.platform.outbound import refusal_of
from store.base import Store
from store.chat_models import ChatMessage, Conversation
from store.escalation_models import Deadline, DeadlineKind
from store.models import utcnow
from store.values import check_web_url

log = logging.getLogger("coview.external_bot")

SETTING = "external_bot"
BOT_REPLY: DeadlineKind = "bot_reply"  # the deadline kind of the wait for a reply


class ExternalBotConfig(BaseModel):
    enabled: bool = False
    url: Annotated[str, AfterValidator(check_web_url)] = "https://bot.invalid/"
    secret: str = Field(default_factory=webhook_signing.new_secret)
    timeout_s: float = Field(default=8.0, ge=0.2, le=60)
    name: str = Field(default="Bot", min_length=1, max_length=80)

    def public(self) -> dict[str, Any]:
        return self.model_dump()


async def load_config(store: Store, tenant_id: str) -> ExternalBotConfig | None:
    raw = await store.get_setting(tenant_id, SETTING)
    if raw is None:
        return None
    config = ExternalBotConfig.model_validate(raw)
    return config if config.enabled else None


class ExternalBot:
    """Sends customer messages out; the store keeps the (bounded) wait for the reply."""

    def __init__(self, base_url: str, app: web.Application) -> None:
        self.base_url = base_url
        self.app = app
        self._posts: set[asyncio.Task[None]] = set()
        self._session: aiohttp.ClientSession | None = None

    @property
    def http(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            self._session = self.app[OUTBOUND].session()
        return self._session

    async def close(self) -> None:
        for task in self._posts:
            task.cancel()
        if self._session is not None:
            await self._session.close()

    def payload(self, conversation: Conversation, message: ChatMessage) -> dict[str, Any]:
        return {
            "type": "chat.message",
            "conversation_id": conversation.id,
            "language": conversation.language,
            "context": conversation.context,
            "message": {"seq": message.seq, "text": message.text, "at": message.at.isoformat()},
            "reply_url": f"{self.base_url}/api/conversations/{conversation.id}/bot-reply",
        }

    async def send(
        self,
        config: ExternalBotConfig,
        conversation: Conversation,
        message: ChatMessage,
        on_silence: Any,
    ) -> None:
        """Arm the wait (a newer message restarts it), then forward in the background:
        the customer's message is stored already. The wait is in the store before the
        message is acknowledged, so a node that dies right after still hands over."""
        due = utcnow() + timedelta(seconds=config.timeout_s)
        await self.app[STORE].put_deadline(
            Deadline(escalation_id=conversation.id, kind=BOT_REPLY, due=due)
        )
        task = asyncio.create_task(self.forward(config, conversation, message, on_silence))
        self._posts.add(task)
        task.add_done_callback(self._posts.discard)

    async def forward(
        self,
        config: ExternalBotConfig,
        conversation: Conversation,
        message: ChatMessage,
        on_silence: Any,
    ) -> None:
        """POST the message; ``on_silence(reason)`` runs when the POST fails (the
        timeout is the deadline's, armed by ``send``)."""
        body = json.dumps(self.payload(conversation, message))
        msg_id = "msg_" + secrets.token_urlsafe(12)
        headers = webhook_signing.headers(config.secret, msg_id, int(time.time()), body)
        try:
            self.app[OUTBOUND].check_request(config.url)
            async with self.http.post(
                config.url,
                data=body,
                headers=headers,
                timeout=aiohttp.ClientTimeout(total=config.timeout_s),
                allow_redirects=False,  # a redirect could point anywhere: not followed
            ) as response:
                if response.status >= 300:
                    raise RuntimeError(f"the bot answered HTTP {response.status}")
        except (aiohttp.ClientError, TimeoutError, RuntimeError, OSError) as exc:
            refused = refusal_of(exc)
            if refused is not None:
                log.warning("external bot refused for %s: %s", conversation.id, refused.reason)
            else:
                log.warning("external bot failed for %s: %s", conversation.id, exc)
            if await self.answered(conversation.id):
                await on_silence("bot_failed")

    async def answered(self, conversation_id: str) -> bool:
        """Stop waiting for this conversation, on any node; True if a wait was armed."""
        return await self.app[STORE].clear_deadline(conversation_id, BOT_REPLY)


async def external_bot_ctx(app: web.Application) -> Any:
    yield
    bot = app.get(EXTERNAL_BOT)
    if bot is not None:
        await bot.close()


EXTERNAL_BOT = web.AppKey("external_bot", ExternalBot)
