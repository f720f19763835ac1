"""argon2id through passlib, run in worker threads with bounded concurrency.

Each hash costs tens of MiB and milliseconds of CPU; running them on the event loop
would stall every other request, and running unboundedly many at once would
exhaust memory. A small capacity limiter keeps both in check.
"""

from __future__ import annotations

import os
import secrets

import anyio
from passlib.context import CryptContext

from app.config import Settings


def default_concurrency(parallelism: int) -> int:
    """Hashes that fit side by side on this machine's cores (each uses `parallelism`)."""
    return max(1, (os.cpu_count() or 1) // parallelism)


class PasswordHasher:
    @classmethod
    def from_settings(cls, settings: Settings) -> PasswordHasher:
        return cls(
            memory_cost=settings.hash_memory_cost,
            time_cost=settings.hash_time_cost,
            parallelism=settings.hash_parallelism,
            concurrency=settings.hash_concurrency or default_concurrency(settings.hash_parallelism),
        )

    def __init__(
        self, *, memory_cost: int, time_cost: int, parallelism: int, concurrency: int
    ) -> None:
        self._context = CryptContext(
            schemes=["argon2"],
            argon2__type="ID",
            argon2__memory_cost=memory_cost,
            argon2__rounds=time_cost,
            argon2__parallelism=parallelism,
        )
        self._limiter = anyio.CapacityLimiter(concurrency)
        self._dummy_hash: str | None = None

    async def hash(self, password: str) -> str:
        return await anyio.to_thread.run_sync(self._context.hash, password, limiter=self._limiter)

    async def verify(self, password: str, hashed: str) -> bool:
        return await anyio.to_thread.run_sync(
            self._verify_sync, password, hashed, limiter=self._limiter
        )

    async def verify_dummy(self, password: str) -> None:
        """Spend the time a real verify costs, so unknown users look like known ones."""
        if self._dummy_hash is None:
            self._dummy_hash = await self.hash(secrets.token_urlsafe(16))
        await self.verify(password, self._dummy_hash)

    def needs_update(self, hashed: str) -> bool:
        return bool(self._context.needs_update(hashed))

    def _verify_sync(self, password: str, hashed: str) -> bool:
        try:
            return bool(self._context.verify(password, hashed))
        except (ValueError, TypeError):
            # A malformed stored hash is a failed login, not a crash.
            return False
