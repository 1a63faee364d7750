"""How escalations begin: a bot's, a site's or a customer's request (identity checked,
eligibility decided, queued and routed in the creating write), an agent's own session,
and the customer's credentials for it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from aiohttp import web

from escalation.core.change import Change, actor_of, new_id, queue_deadlines
from escalation.core.keys import ELIGIBILITY
from escalation.core.router import Router
from escalation.core.schemas import CreateEscalation, CreateSession
from escalation.core.writer import EscalationWriter
from escalation.routing.policy import capacity_of
from server.platform.auth.identity import caller_policy, verified_id, verify_context
from server.platform.auth.invites import issue_invite
from server.platform.auth.keys import TOKENS
from server.platform.auth.principals import AgentPrincipal, ApiKeyPrincipal, Principal
from server.platform.auth.tokens import IssuedToken
from server.platform.config import Config
from server.platform.errors import Conflict, Forbidden, NotFound, Unprocessable
from store.escalation_models import Escalation, LoadChange
from store.models import Agent, Invite, Session, utcnow


@dataclass(frozen=True)
class Created:
    escalation: Escalation
    customer_token: IssuedToken
    invite: Invite


class Creation:
    def __init__(
        self, app: web.Application, writer: EscalationWriter, router: Router, config: Config
    ) -> None:
        self.app = app
        self.writer = writer
        self.router = router
        self.config = config

    async def create(
        self,
        principal: Principal,
        body: CreateEscalation,
        escalation_id: str | None = None,
        session: Session | None = None,
        *,
        identity_checked: bool = False,
    ) -> Created:
        """A bot's, a site's or a customer's request: eligible → queued and routed at
        once; otherwise ineligible with the reason and an alternative. A chat hands over
        its own ``session``, so the customer's token keeps working for the call.
        ``identity_checked``: the context's customer went through
        ``identity.verify_context`` already (a chat's, when it started)."""
        if isinstance(principal, AgentPrincipal):
            raise Forbidden("agents start sessions with POST /api/sessions")
        if not identity_checked:
            body = await self._verify_identity(principal, body)
        trigger = body.trigger or ("bot" if isinstance(principal, ApiKeyPrincipal) else "customer")
        if trigger == "agent":
            raise Unprocessable("trigger agent is for POST /api/sessions")
        tenant_id = principal.tenant_id
        eligibility = await self.app[ELIGIBILITY](self.writer.store, tenant_id, body)
        esc_id = escalation_id or new_id("esc_")
        own_session = session is None
        if session is None:
            session = Session(id=new_id("s_"), tenant_id=tenant_id, escalation_id=esc_id)
        else:
            session = session.model_copy(update={"escalation_id": esc_id})
        customer = body.context.customer
        now = utcnow()
        esc = Escalation(
            id=esc_id,
            tenant_id=tenant_id,
            channel=body.channel,
            trigger=trigger,
            modalities=list(body.modalities),
            session_id=session.id,
            conversation_id=body.conversation_id,
            context=body.context,
            skills=list(body.skills),
            language=body.language or (customer.language if customer else None),
            priority=body.priority,
            customer_id=verified_id(customer),
            created_by=actor_of(principal),
            created_at=now,
            updated_at=now,
        )
        requested = ("requested", {"trigger": trigger, "modalities": list(body.modalities)})
        if eligibility.ok:
            change = Change(
                events=[requested, ("queued", {})],
                state="queued",
                fields={"queued_at": now},
                set_deadlines=queue_deadlines(
                    esc_id, body.skills, self.config.queue_timeout_s, self.config.skill_relax_s
                ),
                new_session=session,
            )
        else:
            reason = {"reason": eligibility.reason, "alternative": eligibility.alternative}
            change = Change(
                events=[requested, ("ineligible", reason)],
                state="ineligible",
                fields=reason,
                # a session of its own ends with it; a chat's session outlives it
                new_session=session.model_copy(update={"ended_at": now})
                if own_session
                else session,
            )
        with self.router.routing_new(tenant_id):
            if eligibility.ok:
                created = await self.router.enqueue(esc, change, actor_of(principal))
            else:
                created = await self.router.create(esc, change, actor_of(principal))
        return await self._customer_access(principal, created, session)

    async def customer_access(self, principal: Principal, esc: Escalation) -> Created:
        """A fresh customer token and invite for ``esc`` (its creator's retry after the
        node that created it died before answering)."""
        session = await self.writer.store.get_session(esc.session_id)
        if session is None:
            raise NotFound("the escalation's session is gone")
        return await self._customer_access(principal, esc, session)

    async def _customer_access(
        self, principal: Principal, esc: Escalation, session: Session
    ) -> Created:
        customer = esc.context.customer
        token = self.app[TOKENS].issue_session(
            session_id=session.id,
            tenant_id=esc.tenant_id,
            role="customer",
            participant_id=new_id("p_"),
            name=(customer.name if customer and customer.name else "Customer"),
        )
        invite = await issue_invite(
            self.writer.store, self.config, session, "customer", actor_of(principal)
        )
        return Created(esc, token, invite)

    async def _verify_identity(
        self, principal: Principal, body: CreateEscalation
    ) -> CreateEscalation:
        """Customer claims as the caller may make them; a browser on a site that requires
        verification cannot choose its own priority either."""
        store = self.writer.store
        context = await verify_context(store, principal, body.context)
        update: dict[str, Any] = {"context": context}
        policy = await caller_policy(store, principal)
        if policy is not None and policy.required:
            update["priority"] = 0
        return body.model_copy(update=update)

    async def create_adhoc(
        self, principal: AgentPrincipal, agent: Agent, body: CreateSession
    ) -> tuple[Escalation, Invite]:
        """An agent's own session (a call turned visual): trigger agent, accepted by them."""
        store = self.writer.store
        esc_id = new_id("esc_")
        session = Session(
            id=new_id("s_"),
            tenant_id=principal.tenant_id,
            escalation_id=esc_id,
            agent_ids=[agent.id],
        )
        context = await verify_context(store, principal, body.context)
        customer = context.customer
        now = utcnow()
        esc = Escalation(
            id=esc_id,
            tenant_id=principal.tenant_id,
            channel=body.channel,
            trigger="agent",
            modalities=list(body.modalities),
            session_id=session.id,
            conversation_id=body.conversation_id,
            context=context,
            language=body.language,
            customer_id=verified_id(customer),
            created_by=actor_of(principal),
            created_at=now,
            updated_at=now,
            agent_id=agent.id,
        )
        change = Change(
            events=[
                ("requested", {"trigger": "agent", "modalities": list(body.modalities)}),
                ("accepted", {"agent_id": agent.id, "wait_s": 0.0}),
            ],
            state="accepted",
            loads=(LoadChange(agent.id, 1, esc.units, capacity_of(agent)),),
            new_session=session,  # written with the escalation, or not at all
        )
        result, created, _ = await self.writer.write(esc, change, actor_of(principal))
        if result != "ok":
            raise Conflict("you have no free capacity for these modalities")
        invite = await issue_invite(store, self.config, session, "customer", agent.id)
        return created, invite
