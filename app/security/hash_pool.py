"""The helper processes that run argon2 for this server process.

A hash in a thread of the server shares the loop's interpreter lock and its cores: at
normal priority it takes CPU the loop needs; at the lowest priority a starved thread can
hold the lock while the loop waits for it. In a process of its own, at nice 19, it
only takes what the loop leaves. One pool per size is shared by every `PasswordHasher`
of the process (tests build many); concurrent.futures shuts it down at exit.
"""

from __future__ import annotations

import asyncio
import functools
import multiprocessing
import os
import threading
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any, TypeVar

from app.security import argon2_helper

T = TypeVar("T")

_START_METHOD = "forkserver" if "forkserver" in multiprocessing.get_all_start_methods() else "spawn"


class HashPool:
    def __init__(self, size: int) -> None:
        self._size = size
        self._executor: ProcessPoolExecutor | None = None
        self._lock = threading.Lock()

    @property
    def size(self) -> int:
        return self._size

    async def run(self, function: Callable[..., T], *args: Any) -> T:
        """Runs `function(*args)` in a helper; a pool broken by a helper's death (the OOM
        killer, say) is replaced once, so one lost helper fails no login."""
        call = functools.partial(function, *args)
        loop = asyncio.get_running_loop()
        executor = self._current()
        try:
            return await loop.run_in_executor(executor, call)
        except BrokenProcessPool:
            self._discard(executor)
            return await loop.run_in_executor(self._current(), call)

    def helper_pids(self) -> list[int]:
        """The helpers running now (for tests and the benchmark's memory figures)."""
        executor = self._executor
        processes = getattr(executor, "_processes", None) or {}
        return [process.pid for process in processes.values() if process.pid is not None]

    def shutdown(self) -> None:
        with self._lock:
            executor, self._executor = self._executor, None
        if executor is not None:
            executor.shutdown(wait=True, cancel_futures=True)

    def _current(self) -> ProcessPoolExecutor:
        with self._lock:
            if self._executor is None:
                context = multiprocessing.get_context(_START_METHOD)
                if _START_METHOD == "forkserver":
                    # Helpers fork from a server that imported only the hashing module.
                    context.set_forkserver_preload([argon2_helper.__name__])
                self._executor = ProcessPoolExecutor(
                    max_workers=self._size,
                    mp_context=context,
                    initializer=argon2_helper.become_helper,
                    initargs=(os.getpid(),),
                )
            return self._executor

    def _discard(self, broken: ProcessPoolExecutor) -> None:
        with self._lock:
            if self._executor is broken:
                self._executor = None
        broken.shutdown(wait=False, cancel_futures=True)


_pools: dict[int, HashPool] = {}
_pools_lock = threading.Lock()


def shared_pool(size: int) -> HashPool:
    with _pools_lock:
        pool = _pools.get(size)
        if pool is None:
            pool = _pools[size] = HashPool(size)
        return pool
