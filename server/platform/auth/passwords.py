"""Agent passwords, hashed with Argon2id (argon2-cffi)."""

from __future__ import annotations

import asyncio

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

# Hash verified when the e-mail is unknown, so a miss costs as much as a wrong password.
_DUMMY_PASSWORD = "not-a-real-password"


class Passwords:
    def __init__(self, memory_kib: int = 65_536) -> None:
        self._hasher = PasswordHasher(memory_cost=memory_kib)
        self._dummy_hash = self._hasher.hash(_DUMMY_PASSWORD)

    def hash(self, password: str) -> str:
        return self._hasher.hash(password)

    async def verify(self, password_hash: str | None, password: str) -> bool:
        """Check off the event loop: Argon2 is deliberately slow."""
        target = password_hash or self._dummy_hash
        try:
            ok = await asyncio.to_thread(self._hasher.verify, target, password)
        except (VerificationError, InvalidHashError):
            return False
        return bool(ok) and password_hash is not None
