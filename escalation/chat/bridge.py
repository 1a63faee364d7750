"""Where the text channel meets escalations: the built-in bot answers first, a hand-off
turns the conversation into an escalation carrying the transcript and context, and an
accepted upgrade offer turns it visual in the same session.

Escalation events flow back into the chat as system messages (an agent has joined, the
call is starting, the conversation ended), so the customer's window tells the story.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from aiohttp import web
from pydantic import ValidationError

from escalation.chat.bot import detect_language, respond
from escalation.chat.external_bot import EXTERNAL_BOT, load_config
from escalation.chat.service import ChatService
from escalation.core.schemas import CreateEscalation, UpgradeBody
from escalation.core.service import ESCALATIONS
from server.platform.auth.principals import AgentPrincipal, SitePrincipal
from server.platform.errors import Conflict, Forbidden, NotFound, Unprocessable
from server.platform.keys import CONFIG, STORE
from store.chat_models import ChatMessage, Conversation, UpgradeOffer
from store.escalation_models import (
    BotInfo,
    ClaimedDeadline,
    Context,
    Escalation,
    EscalationEvent,
    TranscriptEntry,
)

log = logging.getLogger("coview.chat")

VISUAL_MODALITIES = ("video", "screen", "cobrowse")
HANDOFF_RESERVATION_S = 30.0  # a node that dies mid hand-off frees it after this
EXPLICIT_VISUAL_INTENTS = {"video_call", "screen_share", "cobrowse"}
ENDED = {"completed", "cancelled", "abandoned", "expired", "failed"}


def transcript_of(messages: Sequence[ChatMessage]) -> list[TranscriptEntry]:
    entries = []
    for m in messages:
        if m.sender == "system":
            continue
        text = m.text or (f"[image: {m.attachment.name}]" if m.attachment else "")
        entries.append(TranscriptEntry(role=m.sender, text=text[:8_000], at=m.at.isoformat()))
    return entries


def context_of(
    conversation: Conversation,
    transcript: list[TranscriptEntry],
    bot: BotInfo | None,
    hint: dict[str, Any],
) -> Context:
    """The widget's page/cart/customer context plus the transcript; a part that does not
    validate is kept as a custom attribute rather than lost."""
    given = dict(conversation.context)
    known: dict[str, Any] = {}
    attributes: dict[str, Any] = dict(given.pop("attributes", {}) or {})
    for key in ("page", "cart", "customer"):
        if key in given:
            value = given.pop(key)
            try:
                Context.model_validate({key: value}, strict=False)
                known[key] = value
            except ValidationError:
                attributes[key] = value
    attributes.update(given)
    attributes.update(hint)
    return Context.model_validate(
        {**known, "transcript": transcript, "bot": bot, "attributes": attributes}, strict=False
    )


class ChatBridge:
    def __init__(self, app: web.Application, chat: ChatService) -> None:
        self.app = app
        self.chat = chat

    # the bot --------------------------------------------------------------------------
    async def on_customer_message(self, conversation: Conversation, message: ChatMessage) -> None:
        if not message.text:
            return
        external = await load_config(self.app[STORE], conversation.tenant_id)
        if external is not None:
            cid = conversation.id
            name = external.name

            async def silence(reason: str) -> None:
                await self.bot_silent(cid, name, reason)

            await self.app[EXTERNAL_BOT].send(external, conversation, message, silence)
            return
        # The page's language, unless the customer clearly writes in another one.
        detected, certainty = detect_language(message.text, conversation.language or "en")
        language = detected if certainty >= 0.6 else conversation.language
        turn = respond(
            message.text,
            language=language,
            failed_before=conversation.bot_failures,
            max_failures=self.app[CONFIG].bot_max_failures,
        )
        conversation = await self.chat.set_state(
            conversation, language=turn.understanding.language, bot_failures=turn.failed
        )
        await self.chat.publish(
            ChatMessage(
                id="m_" + secrets.token_urlsafe(9),
                conversation_id=conversation.id,
                seq=0,
                sender="bot",
                sender_id="bot",
                sender_name="coview bot",
                text=turn.reply,
                data={"intent": turn.understanding.intent},
            )
        )
        if turn.escalate:
            bot = BotInfo(
                intent=turn.understanding.intent,
                confidence=turn.understanding.confidence,
                name="coview bot",
            )
            # A chat goes to a person as a chat; only an explicit ask for video, screen
            # or co-browse starts it visual. The bot's other ideas are a hint for the agent.
            asked = turn.understanding.intent in EXPLICIT_VISUAL_INTENTS
            visual = [m for m in turn.modalities if m in VISUAL_MODALITIES]
            modalities = ["chat", *(visual if asked else [])]
            hint = {} if asked else {"suggested": visual}
            await self.handoff(conversation, "bot", modalities, bot, reason=turn.reason, hint=hint)

    async def bot_silent(self, conversation_id: str, bot_name: str, reason: str) -> None:
        """The tenant's bot failed or did not answer in time: a person takes over."""
        conversation = await self.app[STORE].get_conversation(conversation_id)
        if conversation is None or conversation.state != "bot":
            return
        await self.handoff(conversation, "bot", ["chat"], BotInfo(name=bot_name), reason=reason)

    async def on_bot_deadline(self, claim: ClaimedDeadline) -> None:
        """The tenant's bot let its wait run out, whichever node sent the message."""
        store = self.app[STORE]
        conversation = await store.get_conversation(claim.escalation_id)
        if conversation is not None:
            config = await load_config(store, conversation.tenant_id)
            name = config.name if config is not None else "Bot"
            await self.bot_silent(conversation.id, name, "bot_timeout")
        await store.drop_deadline(claim.escalation_id, claim.kind, claim.token)

    async def bot_reply(
        self,
        conversation: Conversation,
        *,
        text: str,
        handoff: bool,
        bot: BotInfo,
        modalities: list[str],
    ) -> ChatMessage | None:
        """What the tenant's bot answered through the reply API."""
        if conversation.state != "bot":
            raise Conflict("a person has this conversation now")
        await self.app[EXTERNAL_BOT].answered(conversation.id)
        message = None
        if text:
            message = await self.chat.publish(
                ChatMessage(
                    id="m_" + secrets.token_urlsafe(9),
                    conversation_id=conversation.id,
                    seq=0,
                    sender="bot",
                    sender_id="bot",
                    sender_name=bot.name or "Bot",
                    text=text,
                )
            )
        if handoff:
            await self.handoff(conversation, "bot", ["chat", *modalities], bot, reason="bot")
        return message

    # hand-off -------------------------------------------------------------------------
    async def handoff(
        self,
        conversation: Conversation,
        trigger: str,
        modalities: list[str],
        bot: BotInfo | None = None,
        reason: str | None = None,
        hint: dict[str, Any] | None = None,
    ) -> Escalation | None:
        """Queue the conversation for a person, with everything said so far."""
        # One hand-off at a time per conversation, on any node (two quick messages must
        # not queue two escalations): the others give way to the one holding this.
        store = self.app[STORE]
        reservation = f"chat-handoff:{conversation.id}"
        if await store.begin_idempotent(reservation, "", HANDOFF_RESERVATION_S) is not None:
            return None  # being handed off right now
        try:
            current = await store.get_conversation(conversation.id)
            if current is None or current.escalation_id is not None:
                return None  # already with (or waiting for) a person
            return await self._handoff(current, trigger, modalities, bot, reason, hint)
        finally:
            await store.release_idempotent(reservation)

    async def _handoff(
        self,
        conversation: Conversation,
        trigger: str,
        modalities: list[str],
        bot: BotInfo | None,
        reason: str | None,
        hint: dict[str, Any] | None,
    ) -> Escalation | None:
        store = self.app[STORE]
        site = await store.get_site(conversation.site_id or "")
        session = await store.get_session(conversation.session_id)
        if site is None or session is None:
            raise NotFound("the conversation's site or session is gone")
        transcript = transcript_of(await self.chat.history(conversation))
        body = CreateEscalation.model_validate(
            {
                "trigger": trigger,
                "channel": "chat",
                "modalities": list(dict.fromkeys(modalities)),
                "context": context_of(conversation, transcript, bot, hint or {}),
                "conversation_id": conversation.id,
                "language": conversation.language,
            },
            strict=False,
        )
        # the customer was verified when the conversation started (conversations.py)
        created = await self.app[ESCALATIONS].create(
            SitePrincipal(site), body, session=session, identity_checked=True
        )
        esc = created.escalation
        if esc.state == "ineligible":
            await self.chat.system(
                conversation,
                "ineligible",
                {
                    "reason": str(esc.model_dump().get("reason") or ""),
                    "alternative": str(esc.model_dump().get("alternative") or ""),
                },
            )
            return esc
        await self.chat.set_state(conversation, state="waiting", escalation_id=esc.id)
        await self.chat.system(conversation, "handoff", {"reason": reason or trigger})
        return esc

    async def request_agent(self, conversation: Conversation) -> Escalation | None:
        return await self.handoff(conversation, "customer", ["chat"], reason="requested")

    # upgrade in place -----------------------------------------------------------------
    async def request_upgrade(self, conversation: Conversation, modality: str) -> None:
        """The customer asks to be shown: with an agent, the agent is told; with the bot,
        the conversation goes to a person for that modality."""
        if conversation.agent_id is None:
            await self.handoff(conversation, "customer", ["chat", modality], reason="requested")
            return
        await self.chat.set_state(conversation, requested_modality=modality)
        await self.chat.system(conversation, "upgrade_requested", {"modality": modality})

    async def offer_upgrade(
        self, conversation: Conversation, agent: AgentPrincipal, modality: str
    ) -> UpgradeOffer:
        if conversation.agent_id != agent.agent_id:
            raise Forbidden("only the agent holding the conversation can offer an upgrade")
        if conversation.escalation_id is None:
            raise Conflict("the conversation has no escalation to upgrade")
        trigger = "customer" if conversation.requested_modality == modality else "agent"
        offer = UpgradeOffer(
            id="up_" + secrets.token_urlsafe(8),
            modality=modality,
            agent_id=agent.agent_id,
            agent_name=agent.name,
            trigger=trigger,
        )
        await self.chat.set_state(conversation, pending_offer=offer)
        await self.chat.system(
            conversation,
            "upgrade_offer",
            {"offer_id": offer.id, "modality": modality, "name": agent.name},
        )
        return offer

    async def answer_upgrade(self, conversation: Conversation, offer_id: str, accept: bool) -> None:
        offer = conversation.pending_offer
        if offer is None or offer.id != offer_id:
            raise NotFound("no such upgrade offer (it may have been answered already)")
        still_requested = (
            None
            if conversation.requested_modality == offer.modality
            else conversation.requested_modality
        )
        await self.chat.set_state(
            conversation, pending_offer=None, requested_modality=still_requested
        )
        if not accept:
            await self.chat.system(conversation, "upgrade_declined", {"modality": offer.modality})
            return
        agent = await self.app[STORE].get_agent(offer.agent_id)
        if agent is None or conversation.escalation_id is None:
            raise Conflict("the agent or the escalation is gone")
        holder = AgentPrincipal(
            agent_id=agent.id,
            tenant_id=agent.tenant_id,
            role=agent.role,
            name=agent.name,
            jti="chat-upgrade",
            expires_at=datetime.now(UTC),
            agent=agent,
        )
        try:
            await self.app[ESCALATIONS].upgrade(
                holder,
                conversation.escalation_id,
                UpgradeBody.model_validate(
                    {"modalities": [offer.modality], "trigger": offer.trigger}, strict=False
                ),
            )
        except Conflict as exc:
            if "already has" not in exc.detail:
                raise
            # Already upgraded (e.g. a second offer of the same thing): start it anyway.
            await self.chat.system(conversation, "upgrade_accepted", {"modality": offer.modality})

    # escalation events back into the chat ----------------------------------------------
    async def observe(self, escalation: Escalation, events: Sequence[EscalationEvent]) -> None:
        if escalation.conversation_id is None:
            return
        conversation = await self.app[STORE].get_conversation(escalation.conversation_id)
        if conversation is None:
            return
        for event in events:
            if event.type == "accepted":
                agent = await self.app[STORE].get_agent(str(event.data.get("agent_id", "")))
                name = agent.name if agent else ""
                conversation = await self.chat.set_state(
                    conversation,
                    state="agent",
                    agent_id=agent.id if agent else None,
                    agent_name=name,
                    escalation_id=escalation.id,
                )
                await self.chat.system(conversation, "agent_joined", {"name": name})
            elif event.type == "transferred":
                await self.chat.system(conversation, "transferred", {})
            elif event.type == "upgraded":
                added = [str(m) for m in event.data.get("added", [])]
                for modality in added:
                    await self.chat.system(
                        conversation,
                        "upgrade_accepted",
                        {"modality": modality, "session_id": escalation.session_id},
                    )
            elif event.type in ENDED and conversation.state != "closed":
                conversation = await self.chat.set_state(conversation, state="closed")
                await self.chat.system(conversation, "closed", {"state": event.type})


def check_modality(value: Any) -> str:
    if value not in VISUAL_MODALITIES:
        raise Unprocessable(f"modality must be one of {', '.join(VISUAL_MODALITIES)}")
    return str(value)
