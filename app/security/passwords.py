"""argon2id (`app.security.argon2id`) in worker threads with bounded concurrency.

Each hash costs tens of MiB and milliseconds of CPU; running them on the event loop
would stall every other request, and running unboundedly many at once would
exhaust memory. A small pool of its own keeps both in check: by default it runs one
single-threaded hash per core but one, so the event loop always has a core, and its
threads run at a lower CPU priority, so a burst of logins slows other logins, not every
request the loop is serving.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import secrets
import sys
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

from app.config import Settings
from app.observability.metrics import HASH_QUEUE, HASH_SECONDS
from app.security.argon2id import Argon2Parameters, context_for, hash_password, verify_password

# Linux nice value of the hashing threads: the loop's thread (0) wins the CPU when both
# want it, and an idle machine still gives hashing all it has.
HASH_THREAD_NICE = 10
T = TypeVar("T")


def lower_priority() -> None:
    """On Linux, nice applies to the calling thread alone (and to threads it starts)."""
    if sys.platform == "linux":
        # A sandbox may refuse; hashing still works then, at normal priority.
        with contextlib.suppress(OSError):
            os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), HASH_THREAD_NICE)


def default_concurrency(threads: int, workers: int = 1) -> int:
    """Hashes that fit side by side on every core but one (each uses `threads`), shared by
    the `workers` processes: the event loops keep a core, so a login storm slows logins,
    not the other requests. Each hash in flight holds HASH_MEMORY_COST KiB."""
    return max(1, ((os.cpu_count() or 1) - 1) // (threads * workers))


class PasswordHasher:
    @classmethod
    def from_settings(cls, settings: Settings) -> PasswordHasher:
        return cls(
            memory_cost=settings.hash_memory_cost,
            time_cost=settings.hash_time_cost,
            parallelism=settings.hash_parallelism,
            threads=settings.hash_threads,
            concurrency=settings.hash_concurrency
            or default_concurrency(settings.hash_threads, settings.workers),
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
        self._concurrency = concurrency
        self._executor: ThreadPoolExecutor | None = None
        self._dummy_hash: str | None = None

    async def hash(self, password: str) -> str:
        return await self._run(self._hash_sync, password)

    async def verify(self, password: str, hashed: str) -> bool:
        return await self._run(self._verify_sync, password, hashed)

    def close(self) -> None:
        """Lets the pool's threads end once the hashes in flight are done."""
        if self._executor is not None:
            self._executor.shutdown(wait=False, cancel_futures=True)
            self._executor = None

    async def _run(self, function: Callable[..., T], *args: str) -> T:
        if self._executor is None:
            self._executor = ThreadPoolExecutor(
                max_workers=self._concurrency,
                thread_name_prefix="argon2",
                initializer=lower_priority,
            )
        # Measured with its wait for a thread: the queue is what a login storm grows.
        started = time.perf_counter()
        HASH_QUEUE.inc()
        try:
            return await asyncio.get_running_loop().run_in_executor(self._executor, function, *args)
        finally:
            HASH_QUEUE.dec()
            operation = "hash" if function == self._hash_sync else "verify"
            HASH_SECONDS.labels(operation=operation).observe(time.perf_counter() - started)

    def _hash_sync(self, password: str) -> str:
        return hash_password(self._parameters, password)

    async def verify_dummy(self, password: str) -> None:
        """Spend the time a real verify costs, so unknown users look like known ones."""
        if self._dummy_hash is None:
            self._dummy_hash = await self.hash(secrets.token_urlsafe(16))
        await self.verify(password, self._dummy_hash)

    def needs_update(self, hashed: str) -> bool:
        return bool(context_for(self._parameters).needs_update(hashed))

    def _verify_sync(self, password: str, hashed: str) -> bool:
        return verify_password(self._parameters, password, hashed)
