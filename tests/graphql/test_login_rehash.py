"""A login upgrades a hash made with other argon2 parameters; a password change or a
suspension committed while a login was being checked wins over that login (no session,
and never the old password back)."""

from __future__ import annotations

import httpx
import pytest
from sqlmodel import col, select

from app.accountability import ClientInfo
from app.db.models import Session, User
from app.errors import InvalidCredentialsError
from app.security.passwords import PasswordHasher
from app.services.container import Services
from app.services.sessions import AuthMode
from tests.conftest import CHEAP_HASH, create_user, login

EMAIL = "rehash@example.com"
PASSWORD = "old-params-password-1"


async def _old_params_hash(password: str) -> str:
    other = PasswordHasher(
        memory_cost=CHEAP_HASH["hash_memory_cost"] * 2, time_cost=1, parallelism=1, concurrency=1
    )
    try:
        return await other.hash(password)
    finally:
        other.close()


async def _stored_hash(services: Services, user_id: str) -> str | None:
    async with services.db.read() as session:
        row = await session.get(User, user_id)
    assert row is not None
    return row.password


async def _set_hash(services: Services, user_id: str, hashed: str) -> None:
    async with services.db.write() as session:
        row = await session.get(User, user_id)
        assert row is not None
        row.password = hashed


async def test_a_login_upgrades_an_old_parameter_hash(
    client: httpx.AsyncClient, services: Services
) -> None:
    user = await create_user(services, EMAIL, PASSWORD)
    old = await _old_params_hash(PASSWORD)
    await _set_hash(services, user.id, old)
    await login(client, EMAIL, PASSWORD)
    upgraded = await _stored_hash(services, user.id)
    assert upgraded is not None
    assert upgraded != old
    assert f"m={CHEAP_HASH['hash_memory_cost']}," in upgraded
    assert not services.hasher.needs_update(upgraded)
    await login(client, EMAIL, PASSWORD)  # the upgraded hash still verifies


async def _sessions_of(services: Services, user_id: str) -> int:
    async with services.db.read() as session:
        rows = await session.exec(select(Session).where(col(Session.user) == user_id))
        return len(rows.all())


async def test_a_password_changed_during_the_login_is_kept(services: Services) -> None:
    user = await create_user(services, EMAIL, PASSWORD)
    await _set_hash(services, user.id, await _old_params_hash(PASSWORD))
    async with services.db.read() as session:
        checked = await session.get(User, user.id)  # what the login verified
    assert checked is not None
    # Meanwhile the user sets a new password.
    changed = await services.hasher.hash("brand-new-password-2")
    await _set_hash(services, user.id, changed)
    rehash = await services.hasher.hash(PASSWORD)
    with pytest.raises(InvalidCredentialsError):
        await services.sessions.open_session(
            checked, AuthMode.JSON, ClientInfo(ip="127.0.0.1"), rehash=rehash
        )
    assert await _stored_hash(services, user.id) == changed
    assert await _sessions_of(services, user.id) == 0


async def test_a_suspension_during_the_login_leaves_no_session(services: Services) -> None:
    user = await create_user(services, EMAIL, PASSWORD)
    async with services.db.read() as session:
        checked = await session.get(User, user.id)
    assert checked is not None
    async with services.db.write() as session:
        row = await session.get(User, user.id)
        assert row is not None
        row.status = "suspended"
    with pytest.raises(InvalidCredentialsError):
        await services.sessions.open_session(checked, AuthMode.JSON, ClientInfo(ip="127.0.0.1"))
    assert await _sessions_of(services, user.id) == 0
