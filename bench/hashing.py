"""argon2: the server's hash parameters, and the raw verify rate logins are judged against."""

from __future__ import annotations

import os
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import cast

from app.config import Settings
from app.security.argon2id import Argon2Parameters, verify_password
from app.security.passwords import PoolKind, default_concurrency
from bench.common import BenchError


@dataclass(frozen=True)
class HashParams:
    memory_cost: int
    time_cost: int
    parallelism: int
    threads: int
    concurrency: int
    pool: str = "process"

    @classmethod
    def configured(cls, workers: int) -> HashParams:
        """The server's defaults (production) for `workers` workers, unless this shell
        overrides them."""

        def value(name: str) -> int:
            default = Settings.model_fields[name].default
            return int(os.environ.get(name.upper(), default))

        threads = value("hash_threads")
        concurrency = os.environ.get("HASH_CONCURRENCY")
        default_pool = Settings.model_fields["hash_pool"].default
        pool = cast("PoolKind", os.environ.get("HASH_POOL", default_pool))
        return cls(
            memory_cost=value("hash_memory_cost"),
            time_cost=value("hash_time_cost"),
            parallelism=value("hash_parallelism"),
            threads=threads,
            concurrency=(
                int(concurrency) if concurrency else default_concurrency(threads, workers, pool)
            ),
            pool=pool,
        )

    def parameters(self) -> Argon2Parameters:
        """What the server's hashes are computed with (app/security/passwords.py)."""
        return Argon2Parameters(self.memory_cost, self.time_cost, self.parallelism, self.threads)


def argon2_rate(
    parameters: Argon2Parameters, hashed: str, password: str, threads: int, seconds: float
) -> float:
    deadline = time.monotonic() + seconds
    counts = [0] * threads

    def loop(slot: int) -> None:
        while time.monotonic() < deadline:
            if not verify_password(parameters, password, hashed):
                raise BenchError("argon2 verify failed")
            counts[slot] += 1

    started = time.monotonic()
    with ThreadPoolExecutor(threads) as pool:
        list(pool.map(loop, range(threads)))
    return sum(counts) / (time.monotonic() - started)
