"""Agents' loads as this node last knew them, kept current by the writes' announcements.

Routing, the console's presence and a freed agent's pull read agents' loads around
every change; from Redis that is a round trip each (three per escalation). Every write
of the ``agent-loads`` hash moves the agent's version on (``v``) and announces the
loads it left on the invalidation channel; the writing node also has them back in the
script's reply. This copy keeps the newest version it has seen of each agent, so a
late announcement cannot undo a newer change. Like the other local copies
(``store/redis/cache.py``) it is used only while the node is subscribed and dropped
when the subscription is lost: another node's change is seen after pub/sub delivery
(about a millisecond), at worst ``SILENT_S`` when a link dies without closing.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from store.escalation_models import AgentLoad


def agent_load(agent_id: str, data: dict[str, Any]) -> AgentLoad:
    """An ``agent-loads`` hash value as the AgentLoad it stands for (``v``: the count
    of writes that changed it)."""
    idle = data.pop("idle_since", None)
    version = int(data.pop("v", 0))
    offers = int(data.pop("offers", 0))
    offered = data.pop("offered", None)
    return AgentLoad(
        agent_id=agent_id,
        load={u: int(v) for u, v in data.items() if v},
        idle_since=None if idle is None else datetime.fromtimestamp(idle, UTC),
        version=version,
        offers=offers,
        offered={u: int(n) for u, n in offered.items() if n} if isinstance(offered, dict) else {},
    )


def loads_of(encoded: str) -> list[AgentLoad]:
    """A script's ``{agent id: hash value}`` JSON (an announcement or a reply)."""
    return [
        agent_load(agent_id, data if isinstance(data, dict) else {})
        for agent_id, data in json.loads(encoded).items()
    ]


class LoadCopy:
    def __init__(self) -> None:
        self._loads: dict[str, AgentLoad] = {}

    def known(self, agent_ids: Sequence[str]) -> dict[str, AgentLoad]:
        loads = self._loads
        return {a: loads[a] for a in agent_ids if a in loads}

    def offer(self, load: AgentLoad) -> bool:
        """Keep ``load`` unless what is held is as new; whether it was kept."""
        held = self._loads.get(load.agent_id)
        if held is not None and held.version >= load.version:
            return False
        self._loads[load.agent_id] = load
        return True

    def drop(self, agent_ids: Sequence[str]) -> None:
        for agent_id in agent_ids:
            self._loads.pop(agent_id, None)

    def clear(self) -> None:
        self._loads.clear()
