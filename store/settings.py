"""Per-organisation settings documents (external bot, TURN, ...): small JSON objects
that admins edit and every node reads."""

from __future__ import annotations

from typing import Any, Protocol


class SettingsStore(Protocol):
    async def get_setting(self, tenant_id: str, name: str) -> dict[str, Any] | None: ...
    async def put_setting(self, tenant_id: str, name: str, value: dict[str, Any]) -> None: ...
