"""Socket.IO room names, in one place."""

from __future__ import annotations


def session_room(session_id: str) -> str:
    return f"session:{session_id}"


def agent_room(agent_id: str) -> str:
    return f"agent:{agent_id}"


def tenant_agents_room(tenant_id: str) -> str:
    return f"tenant:{tenant_id}:agents"


def tenant_supervisors_room(tenant_id: str) -> str:
    return f"tenant:{tenant_id}:supervisors"
