"""Records of the text channel: conversations and their messages."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import Field

from store.models import Record, utcnow

ConversationState = Literal["bot", "waiting", "agent", "closed"]
SenderKind = Literal["customer", "bot", "agent", "system"]


class Attachment(Record):
    """An image sent in the chat, inlined as a data URL (size-limited on the way in)."""

    name: str
    content_type: str
    data_url: str
    size: int


class Conversation(Record):
    id: str
    tenant_id: str
    site_id: str | None = None
    session_id: str  # the room: customers hold a session token for it
    escalation_id: str | None = None
    state: ConversationState = "bot"
    agent_id: str | None = None
    agent_name: str | None = None
    language: str | None = None
    context: dict[str, Any] = Field(default_factory=dict)
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)


class ChatMessage(Record):
    id: str
    conversation_id: str
    seq: int  # delivery order, 1, 2, 3... per conversation, assigned by the store
    sender: SenderKind
    sender_id: str
    sender_name: str
    text: str = ""
    attachment: Attachment | None = None
    client_id: str | None = None  # the sender's id for the message: a retry is not a duplicate
    event: str | None = None  # system messages: what happened (e.g. "agent_joined"), shown
    data: dict[str, Any] = Field(default_factory=dict)  # localised by the page, not the server
    at: datetime = Field(default_factory=utcnow)
