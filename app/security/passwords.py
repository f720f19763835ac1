"""argon2id (`app.security.argon2id`) in a pool of its own with bounded concurrency.

Each hash costs tens of MiB and milliseconds of CPU; running them on the event loop
would stall every other request, and running unboundedly many at once would
exhaust memory. A small pool of its own keeps both in check, at a lower CPU priority, so
a burst of logins slows other logins, not every request the loop is serving.

By default (HASH_POOL=process) the pool is processes (`app.security.hash_processes`) at
nice 19, one single-threaded hash per core: with no interpreter lock to share they fill
the cores the loop leaves idle and give way the moment it wakes. HASH_POOL=thread keeps
threads at nice 10, one per core but one, since a thread shares the loop's lock.
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
from typing import Any, Literal

from app.config import Settings
from app.observability.metrics import HASH_QUEUE, HASH_SECONDS
from app.security.argon2id import Argon2Parameters, context_for, hash_password, verify_password
from app.security.hash_processes import ProcessHashPool

# Linux nice value of the hashing threads: the loop's thread (0) wins the CPU when both
# want it, and an idle machine still gives hashing all it has.
HASH_THREAD_NICE = 10
# The hashing processes': the lowest, since they hold nothing the loop waits for.
HASH_PROCESS_NICE = 19
PoolKind = Literal["process", "thread"]


def lower_priority() -> None:
    """HASH_THREAD_NICE steps below the server. On Linux, nice applies to the calling thread
    alone (and to threads it starts)."""
    if sys.platform == "linux":
        # A sandbox may refuse; hashing still works then, at normal priority.
        with contextlib.suppress(OSError):
            thread = threading.get_native_id()
            own = os.getpriority(os.PRIO_PROCESS, thread)
            os.setpriority(os.PRIO_PROCESS, thread, min(19, own + HASH_THREAD_NICE))


def default_concurrency(threads: int, workers: int = 1, pool: PoolKind = "thread") -> int:
    """Hashes that fit side by side on the cores (each uses `threads`), shared by the
    `workers` processes. Processes take every core: they give way to the loops. Threads
    leave the event loops a core, so a login storm slows logins, not the other requests.
    Each hash in flight holds HASH_MEMORY_COST KiB."""
    cores = os.cpu_count() or 1
    return max(1, (cores if pool == "process" else cores - 1) // (threads * workers))


class PasswordHasher:
    @classmethod
    def from_settings(cls, settings: Settings) -> PasswordHasher:
        return cls(
            memory_cost=settings.hash_memory_cost,
            time_cost=settings.hash_time_cost,
            parallelism=settings.hash_parallelism,
            threads=settings.hash_threads,
            concurrency=settings.hash_concurrency
            or default_concurrency(settings.hash_threads, settings.workers, settings.hash_pool),
            pool=settings.hash_pool,
        )

    def __init__(
        self,
        *,
        memory_cost: int,
        time_cost: int,
        parallelism: int,
        concurrency: int,
        threads: int = 1,
        pool: PoolKind = "thread",
    ) -> None:
        self._parameters = Argon2Parameters(memory_cost, time_cost, parallelism, threads)
        self._concurrency = concurrency
        self._pool_kind = pool
        self._executor: ThreadPoolExecutor | None = None
        self._processes: ProcessHashPool | None = None
        self._dummy_hash: str | None = None

    @property
    def pool_kind(self) -> PoolKind:
        return self._pool_kind

    @property
    def process_ids(self) -> list[int]:
        """The hashing processes running now (none with HASH_POOL=thread)."""
        return [] if self._processes is None else self._processes.pids

    async def hash(self, password: str) -> str:
        hashed: str = await self._run("hash", self._hash_sync, password)
        return hashed

    async def verify(self, password: str, hashed: str) -> bool:
        return bool(await self._run("verify", self._verify_sync, password, hashed))

    async def start(self) -> None:
        """Starts the hashing processes with the server, so the first logins do not wait
        for them (threads start with the first hashes)."""
        if self._pool_kind == "process":
            self._process_pool().start()

    def close(self) -> None:
        """Ends the hashing processes; lets the threads end once their hashes are done."""
        if self._executor is not None:
            self._executor.shutdown(wait=False, cancel_futures=True)
            self._executor = None
        if self._processes is not None:
            self._processes.close()
            self._processes = None

    def _process_pool(self) -> ProcessHashPool:
        if self._processes is None:
            self._processes = ProcessHashPool(
                self._parameters, self._concurrency, HASH_PROCESS_NICE
            )
        return self._processes

    async def _run(self, operation: str, function: Callable[..., Any], *args: str) -> Any:
        # Measured with its wait for a thread or process: what a login storm grows.
        started = time.perf_counter()
        HASH_QUEUE.inc()
        try:
            if self._pool_kind == "process":
                return await self._process_pool().run([operation, *args])
            if self._executor is None:
                self._executor = ThreadPoolExecutor(
                    max_workers=self._concurrency,
                    thread_name_prefix="argon2",
                    initializer=lower_priority,
                )
            return await asyncio.get_running_loop().run_in_executor(self._executor, function, *args)
        finally:
            HASH_QUEUE.dec()
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
