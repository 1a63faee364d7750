"""A tenant's own bot answers the chat instead of the built-in one.

Each customer message is POSTed to the bot's URL, signed as Standard Webhooks
(``escalation/webhook_signing.py``); the bot answers through
``POST /api/conversations/{id}/bot-reply`` with an API key. If it does not answer within
its timeout, or its endpoint fails, the conversation goes to a person: never silence.
"""

from __future__ import annotations

import asyncio
import json
import logging
import secrets
import time
from typing import Annotated, Any
from urllib.parse import urlsplit

import aiohttp
from aiohttp import web
from pydantic import AfterValidator, BaseModel, Field

from escalation import webhook_signing
from store.base import Store
from store.chat_models import ChatMessage, Conversation

log = logging.getLogger("coview.external_bot")

SETTING = "external_bot"


def _http_url(value: str) -> str:
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValueError("the bot URL must be http(s)://host/path")
    return value


class ExternalBotConfig(BaseModel):
    enabled: bool = False
    url: Annotated[str, AfterValidator(_http_url)] = "http://127.0.0.1/"
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
    """Sends customer messages out and waits (bounded) for the reply."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url
        self._waiting: dict[str, asyncio.Task[None]] = {}
        self._posts: set[asyncio.Task[None]] = set()
        self._session: aiohttp.ClientSession | None = None

    @property
    def http(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession()
        return self._session

    async def close(self) -> None:
        for task in [*self._waiting.values(), *self._posts]:
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

    def send(
        self,
        config: ExternalBotConfig,
        conversation: Conversation,
        message: ChatMessage,
        on_silence: Any,
    ) -> None:
        """Forward in the background: the customer's message is stored already."""
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
        """POST the message; arm the timeout that hands off to a person if no reply comes.
        ``on_silence(reason)`` runs on a failed POST or when the timeout passes."""
        self.answered(conversation.id)  # a newer message restarts the wait
        self._waiting[conversation.id] = asyncio.create_task(
            self._wait(conversation.id, config.timeout_s, on_silence)
        )
        body = json.dumps(self.payload(conversation, message))
        msg_id = "msg_" + secrets.token_urlsafe(12)
        headers = webhook_signing.headers(config.secret, msg_id, int(time.time()), body)
        try:
            async with self.http.post(
                config.url,
                data=body,
                headers=headers,
                timeout=aiohttp.ClientTimeout(total=config.timeout_s),
            ) as response:
                if response.status >= 300:
                    raise RuntimeError(f"the bot answered HTTP {response.status}")
        except (aiohttp.ClientError, TimeoutError, RuntimeError) as exc:
            log.warning("external bot failed for %s: %s", conversation.id, exc)
            if self.answered(conversation.id):
                await on_silence("bot_failed")

    async def _wait(self, conversation_id: str, timeout_s: float, on_silence: Any) -> None:
        await asyncio.sleep(timeout_s)
        if self._waiting.pop(conversation_id, None) is not None:
            await on_silence("bot_timeout")

    def answered(self, conversation_id: str) -> bool:
        """Stop waiting for this conversation; True if something was being waited for."""
        task = self._waiting.pop(conversation_id, None)
        if task is None:
            return False
        if task is not asyncio.current_task():
            task.cancel()
        return True


async def external_bot_ctx(app: web.Application) -> Any:
    yield
    bot = app.get(EXTERNAL_BOT)
    if bot is not None:
        await bot.close()


EXTERNAL_BOT = web.AppKey("external_bot", ExternalBot)
