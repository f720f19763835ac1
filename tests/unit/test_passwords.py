"""PasswordHasher: argon2id hashing, verification and rehash detection (cheap parameters)."""

from __future__ import annotations

import os
import sys
import threading

import pytest

from app.config import Settings
from app.security.passwords import (
    HASH_THREAD_NICE,
    PasswordHasher,
    default_concurrency,
    lower_priority,
)


def _hasher(memory_cost: int = 1024) -> PasswordHasher:
    return PasswordHasher(memory_cost=memory_cost, time_cost=1, parallelism=1, concurrency=2)


@pytest.fixture
def hasher() -> PasswordHasher:
    return _hasher()


async def test_hash_then_verify(hasher: PasswordHasher) -> None:
    hashed = await hasher.hash("correct horse")
    assert hashed.startswith("$argon2id$")
    assert "correct horse" not in hashed
    assert await hasher.verify("correct horse", hashed)


async def test_hashes_are_salted(hasher: PasswordHasher) -> None:
    assert await hasher.hash("same") != await hasher.hash("same")


async def test_wrong_password_is_false(hasher: PasswordHasher) -> None:
    hashed = await hasher.hash("correct horse")
    assert not await hasher.verify("wrong horse", hashed)


@pytest.mark.parametrize("stored", ["", "not-a-hash", "$argon2id$garbage", "$2b$12$short"])
async def test_malformed_hash_is_false_not_a_crash(hasher: PasswordHasher, stored: str) -> None:
    """A broken row must fail the login, not raise into the request."""
    assert not await hasher.verify("anything", stored)


async def test_needs_update_for_other_parameters(hasher: PasswordHasher) -> None:
    """Hashes made with old parameters are upgraded on the next login."""
    old = await _hasher(memory_cost=2048).hash("pw")
    assert hasher.needs_update(old)
    assert not hasher.needs_update(await hasher.hash("pw"))
    assert await hasher.verify("pw", old)


async def test_verify_dummy_runs(hasher: PasswordHasher) -> None:
    """Unknown users still cost a verification; it must work repeatedly."""
    await hasher.verify_dummy("whatever")
    await hasher.verify_dummy("whatever else")
    assert await hasher.verify("whatever", await hasher.hash("whatever"))


@pytest.mark.skipif(sys.platform != "linux", reason="per-thread nice values are Linux's")
def test_hashing_threads_yield_the_cpu_to_the_event_loop() -> None:
    seen: list[int] = []

    def worker() -> None:
        lower_priority()
        seen.append(os.getpriority(os.PRIO_PROCESS, threading.get_native_id()))

    own = os.getpriority(os.PRIO_PROCESS, threading.get_native_id())
    thread = threading.Thread(target=worker)
    thread.start()
    thread.join()
    assert seen == [min(19, own + HASH_THREAD_NICE)]  # steps below the server
    # Only that thread was lowered, not the process (and so not the event loop).
    assert os.getpriority(os.PRIO_PROCESS, threading.get_native_id()) == own


async def test_hashes_run_in_the_pool_at_the_lower_priority() -> None:
    hasher = _hasher()
    try:
        await hasher.hash("warm the pool up")
        pool = [t for t in threading.enumerate() if t.name.startswith("argon2")]
        assert pool
        for thread in pool:
            assert thread.native_id is not None
            if sys.platform == "linux":
                assert os.getpriority(os.PRIO_PROCESS, thread.native_id) == HASH_THREAD_NICE
    finally:
        hasher.close()


async def test_a_closed_hasher_starts_a_new_pool_when_used_again() -> None:
    hasher = _hasher()
    hashed = await hasher.hash("before")
    hasher.close()
    assert await hasher.verify("before", hashed)
    hasher.close()


@pytest.mark.parametrize(
    ("cores", "threads", "workers", "expected"),
    [
        (1, 1, 1, 1),
        (2, 1, 1, 1),
        (8, 1, 1, 7),
        (9, 4, 1, 2),
        (2, 4, 1, 1),
        (8, 1, 2, 3),
        (8, 1, 8, 1),
    ],
)
def test_by_default_hashing_threads_leave_the_event_loops_a_core(
    monkeypatch: pytest.MonkeyPatch, cores: int, threads: int, workers: int, expected: int
) -> None:
    monkeypatch.setattr(os, "cpu_count", lambda: cores)
    assert default_concurrency(threads, workers) == expected
    assert default_concurrency(threads, workers, "thread") == expected


@pytest.mark.parametrize(
    ("cores", "threads", "workers", "expected"),
    [
        (1, 1, 1, 1),
        (2, 1, 1, 2),
        (8, 1, 1, 8),
        (9, 4, 1, 2),
        (2, 4, 1, 1),
        (8, 1, 2, 4),
        (2, 1, 2, 1),
        (8, 1, 16, 1),
    ],
)
def test_by_default_hashing_processes_fill_the_cores_shared_by_the_workers(
    monkeypatch: pytest.MonkeyPatch, cores: int, threads: int, workers: int, expected: int
) -> None:
    """One pool per worker: together they hash on every core, never more."""
    monkeypatch.setattr(os, "cpu_count", lambda: cores)
    assert default_concurrency(threads, workers, "process") == expected


def test_the_pool_follows_the_setting() -> None:
    settings = Settings(_env_file=None, hash_memory_cost=1024, hash_parallelism=1)
    assert settings.hash_pool == "process"  # the default
    processes = PasswordHasher.from_settings(settings)
    threads = PasswordHasher.from_settings(settings.model_copy(update={"hash_pool": "thread"}))
    assert (processes.pool_kind, threads.pool_kind) == ("process", "thread")


@pytest.mark.parametrize("threads", [1, 4])
async def test_the_threads_per_hash_do_not_change_what_verifies(threads: int) -> None:
    one = PasswordHasher(memory_cost=1024, time_cost=1, parallelism=4, concurrency=1, threads=1)
    other = PasswordHasher(
        memory_cost=1024, time_cost=1, parallelism=4, concurrency=1, threads=threads
    )
    try:
        hashed = await one.hash("lanes stay four")
        assert "p=4$" in hashed
        assert await other.verify("lanes stay four", hashed)
        assert not other.needs_update(hashed)
    finally:
        one.close()
        other.close()
