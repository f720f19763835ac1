"""HASH_POOL=process: argon2 in real processes of its own (`app.security.hash_worker`).

Every check looks at the real processes through /proc: their priority, their end with
the pool, with a killed owner, and what a login gets when one of them is killed mid-hash.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from app.errors import ServiceUnavailableError
from app.security.argon2id import Argon2Parameters
from app.security.hash_processes import ProcessHashPool
from app.security.passwords import HASH_PROCESS_NICE, PasswordHasher

pytestmark = pytest.mark.skipif(sys.platform != "linux", reason="reads /proc")

CHEAP = {"memory_cost": 1024, "time_cost": 1, "parallelism": 1}
# Long enough (hundreds of ms) that a kill lands while the hash is being computed.
SLOW = Argon2Parameters(memory_cost=8192, time_cost=40, parallelism=1)


def _processes(concurrency: int = 2) -> PasswordHasher:
    return PasswordHasher(**CHEAP, concurrency=concurrency, pool="process")


def _threads() -> PasswordHasher:
    return PasswordHasher(**CHEAP, concurrency=1, pool="thread")


def _alive(pid: int) -> bool:
    """Running, not a zombie waiting for its parent."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def _exists(pid: int) -> bool:
    """Any process with that id, a zombie included."""
    return os.path.exists(f"/proc/{pid}")


def _nice(pid: int) -> int:
    return int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[16])


def _hash_workers_of(parent: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            command = (entry / "cmdline").read_bytes()
        except OSError:
            continue
        if int(stat.rsplit(")", 1)[1].split()[1]) == parent and b"hash_worker" in command:
            found.append(int(entry.name))
    return found


def _wait_until_gone(pids: list[int]) -> list[int]:
    """The pids still alive after a generous wait (a loaded machine is slow to reap)."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and any(_alive(pid) for pid in pids):
        time.sleep(0.05)
    return [pid for pid in pids if _alive(pid)]


async def test_processes_and_threads_give_the_same_answers() -> None:
    processes, threads = _processes(), _threads()
    try:
        by_process = await processes.hash("correct horse")
        by_thread = await threads.hash("correct horse")
        assert by_process.startswith("$argon2id$v=19$m=1024,t=1,p=1$")
        for hashed in (by_process, by_thread):
            assert await processes.verify("correct horse", hashed)
            assert await threads.verify("correct horse", hashed)
            assert not await processes.verify("wrong horse", hashed)
        # What fails in a thread fails the same way in a process.
        for stored in ("", "not-a-hash", "$argon2id$garbage", "$2b$12$short"):
            assert not await processes.verify("anything", stored)
        assert not await processes.verify("\udc80 lone surrogate", by_process)
        with pytest.raises(ValueError, match="surrogates"):
            await processes.hash("\udc80")
        await processes.verify_dummy("nobody")
    finally:
        processes.close()
        threads.close()


async def test_refused_parameters_are_a_value_error_as_in_a_thread() -> None:
    hasher = PasswordHasher(
        memory_cost=4, time_cost=1, parallelism=1, concurrency=1, pool="process"
    )
    try:
        with pytest.raises(ValueError, match="argon2 refused"):
            await hasher.hash("pw")
    finally:
        hasher.close()


async def test_hashes_run_in_parallel_up_to_the_concurrency_then_queue() -> None:
    hasher = _processes(concurrency=2)
    try:
        hashed = await hasher.hash("pw")
        answers = await asyncio.gather(*(hasher.verify("pw", hashed) for _ in range(9)))
        assert answers == [True] * 9
        assert len(hasher.process_ids) == 2  # never more than the concurrency
        assert sorted(_hash_workers_of(os.getpid())) == sorted(hasher.process_ids)
    finally:
        hasher.close()


async def test_the_processes_run_at_the_lowest_priority() -> None:
    hasher = _processes()
    try:
        await hasher.start()
        pids = hasher.process_ids
        assert len(pids) == 2  # started with the server, one per hash at once
        # One hash each: both have set their priority before they answer.
        await asyncio.gather(hasher.hash("one"), hasher.hash("two"))
        assert sorted(hasher.process_ids) == sorted(pids)
        expected = min(19, os.getpriority(os.PRIO_PROCESS, 0) + HASH_PROCESS_NICE)
        assert [_nice(pid) for pid in pids] == [expected, expected]
        assert os.getpriority(os.PRIO_PROCESS, 0) != expected  # not this process
    finally:
        hasher.close()


async def test_close_ends_and_reaps_every_process() -> None:
    hasher = _processes()
    await hasher.start()
    await hasher.hash("pw")
    pids = hasher.process_ids
    assert pids
    assert all(_alive(pid) for pid in pids)
    hasher.close()
    # Reaped, not zombies: nothing of ours is left under this process.
    assert not any(_exists(pid) for pid in pids)
    assert _hash_workers_of(os.getpid()) == []
    # A closed hasher starts afresh when used again (a CLI command after the server).
    assert await hasher.verify("pw", await hasher.hash("pw"))
    hasher.close()


async def test_a_process_killed_mid_hash_is_replaced_and_the_login_still_answers() -> None:
    pool = ProcessHashPool(SLOW, 1, HASH_PROCESS_NICE)
    try:
        hashed = await pool.run(["hash", "pw"])
        [victim] = pool.pids
        verifying = asyncio.ensure_future(pool.run(["verify", "pw", hashed]))
        await asyncio.sleep(0)  # the request is written; the process is computing
        os.kill(victim, signal.SIGKILL)
        assert await verifying is True  # tried again on a fresh process
        [replacement] = pool.pids
        assert replacement != victim
        assert not _exists(victim)  # reaped
        assert await pool.run(["verify", "wrong", hashed]) is False  # the next one works
    finally:
        pool.close()


async def test_a_hash_whose_processes_keep_dying_is_a_coded_error_not_a_hang() -> None:
    pool = ProcessHashPool(SLOW, 1, HASH_PROCESS_NICE)
    try:
        hashed = await pool.run(["hash", "pw"])
        verifying = asyncio.ensure_future(pool.run(["verify", "pw", hashed]))
        killed: set[int] = set()
        while not verifying.done():
            for pid in set(pool.pids) - killed:
                os.kill(pid, signal.SIGKILL)
                killed.add(pid)
            await asyncio.sleep(0.01)
        with pytest.raises(ServiceUnavailableError) as raised:
            await verifying
        assert raised.value.code == "SERVICE_UNAVAILABLE"
        assert len(killed) == 2  # the first try and one more, no more
        assert await pool.run(["verify", "pw", hashed]) is True  # and then it works again
    finally:
        pool.close()


async def test_a_cancelled_request_leaves_its_process_to_finish_for_the_next() -> None:
    pool = ProcessHashPool(SLOW, 1, HASH_PROCESS_NICE)
    try:
        hashed = await pool.run(["hash", "pw"])
        [process] = pool.pids
        cancelled = asyncio.ensure_future(pool.run(["verify", "wrong", hashed]))
        await asyncio.sleep(0)
        cancelled.cancel()
        # The next request waits for the process, and gets its own answer, not the old one.
        assert await pool.run(["verify", "pw", hashed]) is True
        assert pool.pids == [process]
    finally:
        pool.close()


def test_the_processes_die_with_a_killed_owner(tmp_path: Path) -> None:
    """A server killed with SIGKILL runs no clean-up: its hashing processes end anyway."""
    owner = subprocess.Popen(
        [
            sys.executable,
            "-c",
            textwrap.dedent(
                """
                import asyncio, sys
                from app.security.passwords import PasswordHasher

                async def main():
                    hasher = PasswordHasher(memory_cost=1024, time_cost=1, parallelism=1,
                                            concurrency=2, pool="process")
                    await hasher.start()
                    await hasher.hash("pw")
                    print(*hasher.process_ids, flush=True)
                    await asyncio.sleep(3600)

                asyncio.run(main())
                """
            ),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert owner.stdout is not None
        pids = [int(pid) for pid in owner.stdout.readline().split()]
        assert len(pids) == 2
        assert all(_alive(pid) for pid in pids)
    finally:
        owner.kill()
        owner.wait()
        if owner.stdout is not None:
            owner.stdout.close()
    assert _wait_until_gone(pids) == []


async def test_a_working_directory_with_an_app_of_its_own_is_not_imported(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`python -m` would look in the working directory first: the server's own package wins."""
    (tmp_path / "app").mkdir()
    (tmp_path / "app" / "__init__.py").write_text("raise SystemExit('not this app')\n")
    monkeypatch.chdir(tmp_path)
    hasher = _processes(concurrency=1)
    try:
        assert await hasher.verify("pw", await hasher.hash("pw"))
    finally:
        hasher.close()


async def test_a_password_larger_than_a_pipe_goes_through_whole() -> None:
    """A request over the pipe's 64 KiB is written as the process reads it."""
    hasher = _processes(concurrency=1)
    huge = "é" * 300_000  # 600 kB of UTF-8, under MAX_PAYLOAD_SIZE
    try:
        hashed = await hasher.hash(huge)
        assert await hasher.verify(huge, hashed)
        assert not await hasher.verify(huge[:-1], hashed)
    finally:
        hasher.close()


async def test_hashes_in_flight_or_queued_when_the_pool_closes_get_a_coded_error() -> None:
    pool = ProcessHashPool(SLOW, 1, HASH_PROCESS_NICE)
    hashed = await pool.run(["hash", "pw"])
    computing = asyncio.ensure_future(pool.run(["verify", "pw", hashed]))
    queued = asyncio.ensure_future(pool.run(["verify", "pw", hashed]))
    await asyncio.sleep(0)
    pool.close()
    for request in (computing, queued):
        with pytest.raises(ServiceUnavailableError):
            await request
    assert pool.pids == []
