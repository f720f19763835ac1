"""argon2id through passlib, in helper processes with bounded concurrency.

Each hash costs tens of MiB and milliseconds of CPU; running them on the event loop
would stall every other request, and running unboundedly many at once would exhaust
memory. A pool of `concurrency` helper processes at the lowest CPU priority runs them
(`app.security.hash_pool`), each hash on `threads` threads, by default on every core but
the loop's: a burst of logins slows other logins, not every request the loop is serving.
"""

from __future__ import annotations

import os
import secrets

from app.config import Settings
from app.security.argon2_helper import (
    Argon2Parameters,
    context_for,
    hash_password,
    verify_password,
)
from app.security.hash_pool import HashPool, shared_pool


def default_concurrency(threads: int) -> int:
    """Hashes that fit side by side on every core but one (each uses `threads`): the event
    loop keeps a core, so a login storm slows logins, not the other requests."""
    return max(1, ((os.cpu_count() or 1) - 1) // threads)


class PasswordHasher:
    @classmethod
    def from_settings(cls, settings: Settings) -> PasswordHasher:
        return cls(
            memory_cost=settings.hash_memory_cost,
            time_cost=settings.hash_time_cost,
            parallelism=settings.hash_parallelism,
            threads=settings.hash_threads,
            concurrency=settings.hash_concurrency or default_concurrency(settings.hash_threads),
        )

    def __init__(
        self,
        *,
        memory_cost: int,
        time_cost: int,
        parallelism: int,
        concurrency: int,
        threads: int = 1,
    ) -> None:
        self._parameters = Argon2Parameters(memory_cost, time_cost, parallelism, threads)
        self._pool: HashPool = shared_pool(concurrency)
        self._dummy_hash: str | None = None

    async def hash(self, password: str) -> str:
        return await self._pool.run(hash_password, self._parameters, password)

    async def verify(self, password: str, hashed: str) -> bool:
        return await self._pool.run(verify_password, self._parameters, password, hashed)

    async def verify_dummy(self, password: str) -> None:
        """Spend the time a real verify costs, so unknown users look like known ones."""
        if self._dummy_hash is None:
            self._dummy_hash = await self.hash(secrets.token_urlsafe(16))
        await self.verify(password, self._dummy_hash)

    def needs_update(self, hashed: str) -> bool:
        """Read from the hash's own parameters: no hashing, so it stays in this process."""
        return bool(context_for(self._parameters).needs_update(hashed))
