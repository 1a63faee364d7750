"""``/agent``: the console's live feed. Agents join their own room and their
organisation's; supervisors also join the supervisors' room. Raise hand: signaling/help.py."""

from __future__ import annotations

from typing import Any

from server.platform.auth.principals import AgentPrincipal
from server.platform.errors import Unauthorized
from server.platform.keys import AGENT_SNAPSHOT, STORE
from signaling.help import HelpEvents, open_help_requests
from signaling.namespace import refuse
from signaling.rooms import agent_room, tenant_agents_room, tenant_supervisors_room


class AgentNamespace(HelpEvents):
    async def on_connect(self, sid: str, environ: dict[str, Any], auth: Any = None) -> None:
        try:
            principal = await self.authenticate(auth)
        except Unauthorized as exc:
            raise refuse(exc) from exc
        if not isinstance(principal, AgentPrincipal):
            raise refuse(Unauthorized("the agent feed needs an agent access token"))
        await self.save_session(sid, {"principal": principal})
        await self.enter_room(sid, agent_room(principal.agent_id))
        await self.enter_room(sid, tenant_agents_room(principal.tenant_id))
        if principal.is_supervisor:
            await self.enter_room(sid, tenant_supervisors_room(principal.tenant_id))
            # after joining the room, so a request sent meanwhile is in one or the other
            opened = await open_help_requests(self.app[STORE], principal.tenant_id)
            await self.emit("help-open", {"requests": opened}, to=sid)
        snapshot = self.app.get(AGENT_SNAPSHOT)
        if snapshot is not None:  # the escalation package: presence, queue, offers
            for event, payload in await snapshot(principal.agent_id):
                await self.emit(event, payload, to=sid)
            return
        agent = await self.app[STORE].get_agent(principal.agent_id)
        if agent is not None:
            await self.emit("presence", {"status": agent.presence}, to=sid)
