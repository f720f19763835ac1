"""PasswordHasher: argon2id hashing, verification and rehash detection (cheap parameters)."""

from __future__ import annotations

import pytest

from app.security.passwords import PasswordHasher


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
