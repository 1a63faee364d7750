"""``/chat``: the text channel live. Join a conversation (history since a seq comes in
the ack, so a reconnect misses nothing), send messages, show typing."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from escalation.chat.bridge import ChatBridge
from escalation.chat.conversations import CHAT_BRIDGE, CHAT_SERVICE
from escalation.chat.service import (
    ChatService,
    Participant,
    conversation_room,
    conversation_view,
    message_view,
)
from server.platform.auth.principals import AgentPrincipal, SessionPrincipal
from server.platform.errors import Conflict, Forbidden, Unauthorized
from server.platform.validation import ApiModel, parse_model
from signaling.namespace import ProtocolNamespace, refuse
from store.values import HeaderSafe


class JoinConversation(ApiModel):
    conversation_id: str = Field(min_length=1, max_length=100)
    after_seq: int = Field(default=0, ge=0)


class Attachment(ApiModel):
    name: HeaderSafe = Field(default="image", max_length=200)
    data_url: str = Field(max_length=400_000)


class SendMessage(ApiModel):
    text: str = Field(default="", max_length=20_000)
    attachment: Attachment | None = None
    client_id: str | None = Field(default=None, max_length=64)


class Typing(ApiModel):
    typing: bool


class UpgradeRequest(ApiModel):
    modality: Literal["video", "screen", "cobrowse"]


class UpgradeAnswer(ApiModel):
    offer_id: str = Field(min_length=1, max_length=64)
    accept: bool


class ChatNamespace(ProtocolNamespace):
    def __init__(self, namespace: str, app: Any) -> None:
        super().__init__(namespace, app)

    @property
    def service(self) -> ChatService:
        return self.app[CHAT_SERVICE]

    @property
    def bridge(self) -> ChatBridge:
        return self.app[CHAT_BRIDGE]

    async def on_connect(self, sid: str, environ: dict[str, Any], auth: Any = None) -> None:
        try:
            principal = await self.authenticate(auth)
        except Unauthorized as exc:
            raise refuse(exc) from exc
        if not isinstance(principal, AgentPrincipal | SessionPrincipal):
            raise refuse(Unauthorized("chat with an agent or a session token"))
        await self.save_session(sid, {"principal": principal, "joined": {}})

    async def on_join(self, sid: str, data: Any) -> dict[str, Any]:
        msg = parse_model(JoinConversation, data)
        state = await self.get_session(sid)
        conversation = await self.service.get(msg.conversation_id)
        who = await self.service.participant(state["principal"], conversation)
        await self.enter_room(sid, conversation_room(conversation.id))
        state["joined"][conversation.id] = who
        await self.save_session(sid, state)
        history = await self.service.history(conversation, msg.after_seq)
        return {
            "conversation": conversation_view(conversation),
            "self": who.public(),
            "messages": [message_view(m) for m in history],
        }

    async def _member(self, sid: str, data: Any) -> tuple[str, Participant]:
        conversation_id = data.get("conversation_id") if isinstance(data, dict) else None
        joined: dict[str, Participant] = (await self.get_session(sid))["joined"]
        if not isinstance(conversation_id, str) or conversation_id not in joined:
            raise Conflict("join the conversation first")
        return conversation_id, joined[conversation_id]

    async def on_message(self, sid: str, data: Any) -> dict[str, Any]:
        conversation_id, who = await self._member(sid, data)
        assert isinstance(data, dict)
        msg = parse_model(SendMessage, {k: v for k, v in data.items() if k != "conversation_id"})
        conversation = await self.service.get(conversation_id)
        attachment = (msg.attachment.name, msg.attachment.data_url) if msg.attachment else None
        message = await self.service.post(
            conversation,
            who,
            text=msg.text,
            attachment=attachment,
            client_id=msg.client_id,
            skip_sid=sid,
        )
        return {"message": message_view(message)}

    async def on_typing(self, sid: str, data: Any) -> dict[str, Any]:
        conversation_id, who = await self._member(sid, data)
        assert isinstance(data, dict)
        msg = parse_model(Typing, {k: v for k, v in data.items() if k != "conversation_id"})
        await self.emit(
            "typing",
            {"conversation_id": conversation_id, "from": who.public(), "typing": msg.typing},
            room=conversation_room(conversation_id),
            skip_sid=sid,
        )
        return {}

    def _payload(self, data: Any) -> dict[str, Any]:
        assert isinstance(data, dict)
        return {k: v for k, v in data.items() if k != "conversation_id"}

    async def _customer(self, sid: str, data: Any) -> Any:
        conversation_id, who = await self._member(sid, data)
        if who.kind != "customer":
            raise Forbidden("only the customer can do this")
        return await self.service.get(conversation_id)

    async def on_request_agent(self, sid: str, data: Any) -> dict[str, Any]:
        """The customer asks for a person."""
        conversation = await self._customer(sid, data)
        esc = await self.bridge.request_agent(conversation)
        return {"escalation_id": esc.id if esc else conversation.escalation_id}

    async def on_upgrade_request(self, sid: str, data: Any) -> dict[str, Any]:
        """The customer asks to be shown ("can you show me?")."""
        conversation = await self._customer(sid, data)
        msg = parse_model(UpgradeRequest, self._payload(data))
        await self.bridge.request_upgrade(conversation, msg.modality)
        return {}

    async def on_offer_upgrade(self, sid: str, data: Any) -> dict[str, Any]:
        """The agent offers video, screen share or co-browse; the customer must consent."""
        conversation_id, who = await self._member(sid, data)
        principal = (await self.get_session(sid))["principal"]
        if who.kind != "agent" or not isinstance(principal, AgentPrincipal):
            raise Forbidden("only the agent can offer an upgrade")
        msg = parse_model(UpgradeRequest, self._payload(data))
        conversation = await self.service.get(conversation_id)
        offer = await self.bridge.offer_upgrade(conversation, principal, msg.modality)
        return {"offer_id": offer.id}

    async def on_upgrade_response(self, sid: str, data: Any) -> dict[str, Any]:
        conversation = await self._customer(sid, data)
        msg = parse_model(UpgradeAnswer, self._payload(data))
        await self.bridge.answer_upgrade(conversation, msg.offer_id, msg.accept)
        return {}
