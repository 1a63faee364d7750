"""The privacy part of the store: consent records (append-only, per session)."""

from __future__ import annotations

from typing import Protocol

from store.privacy_models import ConsentRecord


class PrivacyStore(Protocol):
    async def append_consent(self, record: ConsentRecord) -> None: ...

    async def list_consents(self, session_id: str) -> list[ConsentRecord]:
        """A session's consent records, oldest first."""
        ...

    async def delete_consents(self, session_id: str) -> int:
        """Erase a session's consent records; how many there were."""
        ...
