"""The escalation service: the one object the API, the chat and the deadline worker
talk to (``app[ESCALATIONS]``). It composes the parts, each with one job:

- ``writer``: the one way to change an escalation (decide, check, compare-and-set,
  publish), ``escalation/core/writer.py``; the decisions themselves are in ``change.py``;
- ``router``: offers, pulls and withdrawals (``router.py``);
- ``creation``: requests becoming escalations (``creation.py``);
- ``actions``: what agents and customers do to one (``actions.py``);
- ``timeouts``: what a due deadline does (``timeouts.py``).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from aiohttp import web

from escalation.core.actions import Actions
from escalation.core.change import Decide
from escalation.core.creation import Created, Creation
from escalation.core.router import Router
from escalation.core.schemas import CreateEscalation, CreateSession, TransferBody, UpgradeBody
from escalation.core.timeouts import Timeouts
from escalation.core.writer import EscalationWriter
from escalation.routing.policy import LoadView
from server.platform.auth.principals import AgentPrincipal, Principal, SessionPrincipal
from server.platform.config import Config
from server.platform.keys import CONFIG, STORE
from store.base import Store
from store.escalation_models import AgentLoad, ClaimedDeadline, Escalation
from store.models import Agent, Invite, Session


class EscalationService:
    def __init__(self, app: web.Application) -> None:
        self.app = app
        self.config: Config = app[CONFIG]
        loads = LoadView(self._read_loads, self.config.agent_cache_s)
        self.writer = EscalationWriter(app, loads)
        self.router = Router(self.writer, self.config)
        self.creation = Creation(app, self.writer, self.router, self.config)
        self.actions = Actions(self.writer, self.router, self.config)
        self.timeouts = Timeouts(self.writer, self.router)

    @property
    def store(self) -> Store:
        return self.app[STORE]

    async def _read_loads(self, agent_ids: Sequence[str]) -> dict[str, AgentLoad]:
        return await self.store.get_agent_loads(agent_ids)

    # reading and the one way to change ------------------------------------------------
    async def get(self, escalation_id: str) -> Escalation:
        return await self.writer.get(escalation_id)

    async def visible(self, principal: Principal, escalation_id: str) -> Escalation:
        return await self.writer.visible(principal, escalation_id)

    async def mutate(self, escalation_id: str, actor: str, decide: Decide) -> Escalation | None:
        return await self.writer.mutate(escalation_id, actor, decide)

    # creating -------------------------------------------------------------------------
    async def create(
        self,
        principal: Principal,
        body: CreateEscalation,
        escalation_id: str | None = None,
        session: Session | None = None,
        *,
        identity_checked: bool = False,
    ) -> Created:
        return await self.creation.create(
            principal, body, escalation_id, session, identity_checked=identity_checked
        )

    async def customer_access(self, principal: Principal, esc: Escalation) -> Created:
        return await self.creation.customer_access(principal, esc)

    async def create_adhoc(
        self, principal: AgentPrincipal, body: CreateSession
    ) -> tuple[Escalation, Invite]:
        agent = await self.actions.agent(principal)
        return await self.creation.create_adhoc(principal, agent, body)

    # routing --------------------------------------------------------------------------
    async def route(self, escalation_id: str) -> Escalation | None:
        return await self.router.route(escalation_id)

    async def pull(self, agent_id: str) -> None:
        await self.router.pull(agent_id)

    async def presence_changed(self, agent: Agent) -> None:
        await self.router.presence_changed(agent)

    # actions --------------------------------------------------------------------------
    async def accept(self, principal: AgentPrincipal, escalation_id: str) -> Escalation:
        return await self.actions.accept(principal, escalation_id)

    async def decline(
        self, principal: AgentPrincipal, escalation_id: str, reason: str | None
    ) -> Escalation:
        return await self.actions.decline(principal, escalation_id, reason)

    async def cancel(
        self, principal: Principal, escalation_id: str, reason: str | None
    ) -> Escalation:
        return await self.actions.cancel(principal, escalation_id, reason)

    async def abandon(self, principal: SessionPrincipal, escalation_id: str) -> Escalation:
        return await self.actions.abandon(principal, escalation_id)

    async def transfer(
        self, principal: AgentPrincipal, escalation_id: str, body: TransferBody
    ) -> Escalation:
        return await self.actions.transfer(principal, escalation_id, body)

    async def upgrade(
        self, principal: AgentPrincipal, escalation_id: str, body: UpgradeBody
    ) -> Escalation:
        return await self.actions.upgrade(principal, escalation_id, body)

    async def wrap_up(
        self, principal: AgentPrincipal, escalation_id: str, notes: str, disposition: str | None
    ) -> Escalation:
        return await self.actions.wrap_up(principal, escalation_id, notes, disposition)

    async def complete(self, principal: AgentPrincipal, escalation_id: str) -> Escalation:
        return await self.actions.complete(principal, escalation_id)

    async def record_fact(
        self, escalation_id: str, type_: str, actor: str, data: dict[str, Any]
    ) -> Escalation | None:
        return await self.actions.record_fact(escalation_id, type_, actor, data)

    # deadlines ------------------------------------------------------------------------
    async def on_deadline(self, claim: ClaimedDeadline, now: datetime | None = None) -> None:
        await self.timeouts.on_deadline(claim, now)


async def create_escalation(
    app: web.Application, principal: Principal, request: CreateEscalation
) -> tuple[Escalation, str]:
    """Create (eligibility checked, queued and routed) as ``POST /api/escalations`` does;
    the escalation and the customer's session token. For the bot and hand-off endpoints."""
    created = await app[ESCALATIONS].create(principal, request)
    return created.escalation, created.customer_token.token


ESCALATIONS = web.AppKey("escalations", EscalationService)
