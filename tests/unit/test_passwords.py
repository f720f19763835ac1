"""PasswordHasher: argon2id hashing, verification and rehash detection (cheap parameters)."""

from __future__ import annotations

import os
import sys
import threading

import pytest

from app.security.passwords import (
    HASH_THREAD_NICE,
    HashThreadPriority,
    PasswordHasher,
    set_thread_priority,
)


def _hasher(memory_cost: int = 1024, priority: HashThreadPriority = "idle") -> PasswordHasher:
    return PasswordHasher(
        memory_cost=memory_cost, time_cost=1, parallelism=1, concurrency=2, priority=priority
    )


def _priority_of(native_id: int) -> tuple[int, int]:
    """(scheduling policy, nice) of one thread."""
    return os.sched_getscheduler(native_id), os.getpriority(os.PRIO_PROCESS, native_id)


EXPECTED: dict[str, tuple[int, int]] = (
    {
        "idle": (os.SCHED_IDLE, 0),
        "low": (os.SCHED_OTHER, HASH_THREAD_NICE),
        "normal": (os.SCHED_OTHER, 0),
    }
    if sys.platform == "linux"
    else {}
)


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


@pytest.mark.skipif(sys.platform != "linux", reason="per-thread priorities are Linux's")
@pytest.mark.parametrize("priority", ["idle", "low", "normal"])
def test_hashing_threads_yield_the_cpu_to_the_event_loop(priority: HashThreadPriority) -> None:
    seen: list[tuple[int, int]] = []
    started: list[tuple[int, int]] = []

    def lane() -> None:
        started.append(_priority_of(threading.get_native_id()))

    def worker() -> None:
        set_thread_priority(priority)
        seen.append(_priority_of(threading.get_native_id()))
        # argon2's lane threads are started by the hashing thread: they inherit it.
        child = threading.Thread(target=lane)
        child.start()
        child.join()

    thread = threading.Thread(target=worker)
    thread.start()
    thread.join()
    assert seen == [EXPECTED[priority]]
    assert started == [EXPECTED[priority]]
    # Only that thread was lowered, not the process (and so not the event loop).
    assert _priority_of(threading.get_native_id()) == (os.SCHED_OTHER, 0)


@pytest.mark.parametrize("priority", ["idle", "low"])
async def test_hashes_run_in_the_pool_at_the_configured_priority(
    priority: HashThreadPriority,
) -> None:
    hasher = _hasher(priority=priority)
    before = set(threading.enumerate())  # another test's pool may still be winding down
    try:
        await hasher.hash("warm the pool up")
        pool = [t for t in threading.enumerate() if t.name.startswith("argon2") and t not in before]
        assert pool
        for thread in pool:
            assert thread.native_id is not None
            if sys.platform == "linux":
                assert _priority_of(thread.native_id) == EXPECTED[priority]
    finally:
        hasher.close()


async def test_a_closed_hasher_starts_a_new_pool_when_used_again() -> None:
    hasher = _hasher()
    hashed = await hasher.hash("before")
    hasher.close()
    assert await hasher.verify("before", hashed)
    hasher.close()
