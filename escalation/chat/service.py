"""The text channel: who may read and write a conversation, and posting messages.

Used by the REST endpoints and the ``/chat`` Socket.IO namespace alike, so both apply
the same rules; every stored message is pushed to the conversation's room on every
node through the Socket.IO manager.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Any, Literal

from aiohttp import web

from escalation.chat.attachments import parse_attachment
from server.platform.auth.keys import TOKENS
from server.platform.auth.principals import (
    AgentPrincipal,
    Principal,
    SessionPrincipal,
    SitePrincipal,
)
from server.platform.errors import Conflict, Forbidden, NotFound, Unprocessable
from server.platform.keys import CHAT_BOT, CONFIG, SIO, STORE
from store.chat_models import ChatMessage, Conversation, SenderKind
from store.models import Session, utcnow

CHAT_NAMESPACE = "/chat"


def conversation_room(conversation_id: str) -> str:
    return f"conversation:{conversation_id}"


@dataclass(frozen=True)
class Participant:
    kind: Literal["customer", "agent", "observer"]
    id: str
    name: str

    @property
    def sender(self) -> SenderKind:
        return "customer" if self.kind == "customer" else "agent"

    def public(self) -> dict[str, str]:
        return {"id": self.id, "name": self.name, "kind": self.kind}


def conversation_view(conversation: Conversation) -> dict[str, Any]:
    return conversation.model_dump(mode="json")


def message_view(message: ChatMessage) -> dict[str, Any]:
    return message.model_dump(mode="json", exclude_none=True)


class ChatService:
    def __init__(self, app: web.Application) -> None:
        self.app = app

    async def create_conversation(
        self, site: SitePrincipal, context: dict[str, Any], language: str | None
    ) -> tuple[Conversation, str]:
        """A conversation, the session it lives in, and the customer's session token."""
        store = self.app[STORE]
        session = Session(id="s_" + secrets.token_urlsafe(12), tenant_id=site.tenant_id)
        await store.create_session(session)
        conversation = Conversation(
            id="c_" + secrets.token_urlsafe(12),
            tenant_id=site.tenant_id,
            site_id=site.site.id,
            session_id=session.id,
            language=language,
            context=context,
        )
        await store.create_conversation(conversation)
        token = self.app[TOKENS].issue_session(
            session_id=session.id,
            tenant_id=site.tenant_id,
            role="customer",
            participant_id="p_" + secrets.token_urlsafe(9),
            name=str(context.get("customer", {}).get("name") or "Customer")
            if isinstance(context.get("customer"), dict)
            else "Customer",
        )
        return conversation, token.token

    async def get(self, conversation_id: str) -> Conversation:
        conversation = await self.app[STORE].get_conversation(conversation_id)
        if conversation is None:
            raise NotFound("unknown conversation")
        return conversation

    async def history(
        self, conversation: Conversation, after_seq: int = 0, limit: int = 500
    ) -> list[ChatMessage]:
        return await self.app[STORE].list_messages(conversation.id, after_seq, limit)

    async def participant(self, principal: Principal, conversation: Conversation) -> Participant:
        """Who the caller is in this conversation, or Forbidden."""
        if isinstance(principal, SessionPrincipal):
            if principal.session_id != conversation.session_id or principal.role != "customer":
                raise Forbidden("this token is for another conversation")
            return Participant("customer", principal.participant_id, principal.name)
        if isinstance(principal, AgentPrincipal):
            if principal.tenant_id != conversation.tenant_id:
                raise Forbidden("conversation of another organisation")
            if conversation.agent_id == principal.agent_id:
                return Participant("agent", principal.agent_id, principal.name)
            session = await self.app[STORE].get_session(conversation.session_id)
            if session is not None and principal.agent_id in session.agent_ids:
                return Participant("agent", principal.agent_id, principal.name)
            if principal.is_supervisor:
                return Participant("observer", principal.agent_id, principal.name)
            raise Forbidden("you are not assigned to this conversation")
        raise Forbidden("join with an agent or a session token")

    async def post(
        self,
        conversation: Conversation,
        who: Participant,
        *,
        text: str,
        attachment: tuple[str, str] | None = None,
        client_id: str | None = None,
        skip_sid: str | None = None,
    ) -> ChatMessage:
        """Validate, store with the next seq, push to the room, let the bot answer."""
        config = self.app[CONFIG]
        if who.kind == "observer":
            raise Forbidden("observers cannot write")
        if conversation.state == "closed":
            raise Conflict("the conversation is closed")
        text = text.strip()
        if len(text) > config.chat_max_text_chars:
            raise Unprocessable(f"messages are limited to {config.chat_max_text_chars} characters")
        image = None
        if attachment is not None:
            image = parse_attachment(attachment[0], attachment[1], config.chat_max_attachment_bytes)
        if not text and image is None:
            raise Unprocessable("send text or an image")
        message = await self.publish(
            ChatMessage(
                id="m_" + secrets.token_urlsafe(9),
                conversation_id=conversation.id,
                seq=0,
                sender=who.sender,
                sender_id=who.id,
                sender_name=who.name,
                text=text,
                attachment=image,
                client_id=client_id,
            ),
            skip_sid=skip_sid,
        )
        bot = self.app.get(CHAT_BOT)
        if bot is not None and who.kind == "customer" and conversation.state == "bot":
            await bot.on_customer_message(conversation, message)
        return message

    async def publish(self, message: ChatMessage, skip_sid: str | None = None) -> ChatMessage:
        """Store a message (from anyone, the bot and the system included) and push it."""
        stored = await self.app[STORE].append_message(message)
        await self.app[SIO].emit(
            "message",
            message_view(stored),
            room=conversation_room(stored.conversation_id),
            namespace=CHAT_NAMESPACE,
            skip_sid=skip_sid,
        )
        return stored

    async def system(
        self, conversation: Conversation, event: str, data: dict[str, Any] | None = None
    ) -> ChatMessage:
        """A system fact in the transcript (the page shows it in the reader's language)."""
        return await self.publish(
            ChatMessage(
                id="m_" + secrets.token_urlsafe(9),
                conversation_id=conversation.id,
                seq=0,
                sender="system",
                sender_id="system",
                sender_name="coview",
                event=event,
                data=data or {},
            )
        )

    async def set_state(self, conversation: Conversation, **changes: Any) -> Conversation:
        updated = conversation.model_copy(update={**changes, "updated_at": utcnow()})
        await self.app[STORE].update_conversation(updated)
        await self.app[SIO].emit(
            "conversation",
            conversation_view(updated),
            room=conversation_room(updated.id),
            namespace=CHAT_NAMESPACE,
        )
        return updated
