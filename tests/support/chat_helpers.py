"""Helpers for text-channel tests: start a conversation as the widget does."""

from __future__ import annotations

from typing import Any

import aiohttp

from server.platform.keys import STORE
from tests.support.harness import RunningServer


async def start_conversation(
    http: aiohttp.ClientSession,
    server: RunningServer,
    context: dict[str, Any] | None = None,
    language: str = "es",
) -> dict[str, Any]:
    async with http.post(
        f"{server.url}/api/conversations",
        json={"context": context or {}, "language": language},
        headers={"X-Coview-Site-Key": server.config.demo_site_key, "Origin": server.url},
    ) as r:
        assert r.status == 201, await r.text()
        body: dict[str, Any] = await r.json()
        return body


async def assign(server: RunningServer, conversation_id: str, agent_id: str = "ag_ana") -> None:
    """Give the conversation to an agent, as accepting its escalation does."""
    store = server.app[STORE]
    conversation = await store.get_conversation(conversation_id)
    assert conversation is not None
    await store.update_conversation(
        conversation.model_copy(update={"agent_id": agent_id, "state": "agent"})
    )
