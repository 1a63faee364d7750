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

from aiohttp import web

from escalation.core.actions import Actions
from escalation.core.creation import Creation
from escalation.core.router import Router
from escalation.core.schemas import CreateEscalation, CreateSession
from escalation.core.timeouts import Timeouts
from escalation.core.writer import EscalationWriter
from escalation.routing.policy import LoadView
from server.platform.auth.principals import AgentPrincipal, Principal
from server.platform.config import Config
from server.platform.keys import CONFIG, STORE
from store.base import Store
from store.escalation_models import AgentLoad, Escalation
from store.models import Invite


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
        self._watching_loads = False
        # The service's API is its parts' (bound here, so each is written once).
        self.get = self.writer.get
        self.visible = self.writer.visible
        self.mutate = self.writer.mutate
        self.create = self.creation.create
        self.customer_access = self.creation.customer_access
        self.route = self.router.route
        self.pull = self.router.pull
        self.presence_changed = self.router.presence_changed
        self.accept = self.actions.accept
        self.decline = self.actions.decline
        self.cancel = self.actions.cancel
        self.abandon = self.actions.abandon
        self.transfer = self.actions.transfer
        self.upgrade = self.actions.upgrade
        self.wrap_up = self.actions.wrap_up
        self.complete = self.actions.complete
        self.record_fact = self.actions.record_fact
        self.on_deadline = self.timeouts.on_deadline

    @property
    def store(self) -> Store:
        return self.app[STORE]

    async def _read_loads(self, agent_ids: Sequence[str]) -> dict[str, AgentLoad]:
        if not self._watching_loads:  # the store is open once the view first reads
            self._watching_loads = True
            self.store.watch_agent_loads(self.writer.loads.seen)
        return await self.store.get_agent_loads(agent_ids)

    async def create_adhoc(
        self, principal: AgentPrincipal, body: CreateSession
    ) -> tuple[Escalation, Invite]:
        """An agent's own session (a call turned visual): trigger agent, accepted by them."""
        agent = await self.actions.agent(principal)
        return await self.creation.create_adhoc(principal, agent, body)


async def create_escalation(
    app: web.Application, principal: Principal, request: CreateEscalation
) -> tuple[Escalation, str]:
    """Create (eligibility checked, queued and routed) as ``POST /api/escalations`` does;
    the escalation and the customer's session token. For the bot and hand-off endpoints."""
    created = await app[ESCALATIONS].create(principal, request)
    return created.escalation, created.customer_token.token


ESCALATIONS = web.AppKey("escalations", EscalationService)
