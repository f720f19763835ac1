"""The argon2 helper processes: out of the server's process, at the lowest CPU priority,
replaced when one dies, and gone when their server is killed."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from app.security.argon2_helper import HELPER_NICE
from app.security.hash_pool import HashPool, shared_pool
from app.security.passwords import PasswordHasher

PROJECT = Path(__file__).resolve().parents[2]
linux_only = pytest.mark.skipif(
    sys.platform != "linux", reason="per-thread nice and /proc are Linux's"
)


def _hasher() -> PasswordHasher:
    return PasswordHasher(memory_cost=1024, time_cost=1, parallelism=1, concurrency=2)


def _alive(pid: int) -> bool:
    """Running, not a zombie waiting for a parent's wait()."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def _wait_until_gone(pids: list[int], limit: float = 20.0) -> list[int]:
    """The pids still alive after up to `limit` s (a liveness check, not a timing one)."""
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        left = [pid for pid in pids if _alive(pid)]
        if not left:
            return []
        time.sleep(0.05)
    return [pid for pid in pids if _alive(pid)]


async def test_hashes_run_outside_the_server_process() -> None:
    pool = shared_pool(2)
    assert await pool.run(os.getpid) != os.getpid()


async def test_hashers_of_one_size_share_one_pool() -> None:
    assert shared_pool(2) is shared_pool(2)
    assert shared_pool(2) is not shared_pool(3)
    hashed = await _hasher().hash("shared")
    assert await _hasher().verify("shared", hashed)


@linux_only
async def test_helpers_run_at_the_lowest_priority() -> None:
    pool = shared_pool(2)
    await _hasher().hash("start the helpers")
    answered = set(await asyncio.gather(*(pool.run(os.getpid) for _ in range(8))))
    assert answered <= set(pool.helper_pids())
    for pid in answered:  # each has run its initializer: it has done work
        assert os.getpriority(os.PRIO_PROCESS, pid) == HELPER_NICE
    # The server itself keeps its normal priority.
    assert os.getpriority(os.PRIO_PROCESS, threading.get_native_id()) == 0


async def test_a_killed_helper_is_replaced_and_no_call_fails() -> None:
    pool = HashPool(1)
    try:
        first = await pool.run(os.getpid)
        os.kill(first, signal.SIGKILL)
        assert _wait_until_gone([first]) == []
        second = await pool.run(os.getpid)
        assert second != first
        assert await pool.run(os.getpid) == second
    finally:
        pool.shutdown()


async def test_a_pool_shut_down_starts_again_when_used() -> None:
    pool = HashPool(1)
    first = await pool.run(os.getpid)
    pool.shutdown()
    assert _wait_until_gone([first]) == []
    assert await pool.run(os.getpid) != first
    pool.shutdown()


_SERVER = """
import asyncio, multiprocessing.forkserver as forkserver, os, sys
from app.security.hash_pool import shared_pool
from app.security.passwords import PasswordHasher

async def main() -> None:
    hasher = PasswordHasher(memory_cost=1024, time_cost=1, parallelism=1, concurrency=2)
    await asyncio.gather(hasher.hash("a"), hasher.hash("b"))
    helpers = shared_pool(2).helper_pids()
    print(" ".join(map(str, [forkserver._forkserver._forkserver_pid, *helpers])), flush=True)
    await asyncio.sleep(3600)

asyncio.run(main())
"""


@linux_only
def test_helpers_end_when_their_server_is_killed() -> None:
    """SIGKILL gives the server no chance to clean up: the helpers see it end, and then
    the forkserver sees its pipe close."""
    with subprocess.Popen(
        [sys.executable, "-c", _SERVER], cwd=PROJECT, stdout=subprocess.PIPE, text=True
    ) as server:
        try:
            assert server.stdout is not None
            pids = [int(pid) for pid in server.stdout.readline().split()]
            assert len(pids) >= 2, pids
            assert all(_alive(pid) for pid in pids)
        finally:
            server.kill()
    assert _wait_until_gone(pids) == []
