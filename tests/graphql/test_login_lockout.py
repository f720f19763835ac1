"""Brute force against one account: a temporary lockout that grows, Directus's suspension,
and failure counting that stays exact under concurrency.

Time only moves when the test moves the clock.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

import httpx
import pytest

from app.accountability import ClientInfo
from app.clock import SettableClock
from app.repositories import login_claims as claims_repo
from app.services.container import Services
from app.services.login_guard import VERDICT_HOLD
from app.services.sessions import AuthMode
from tests.conftest import ADMIN_EMAIL, ADMIN_PASSWORD, create_user, gql, login
from tests.graphql.mutation_seed import stored_user
from tests.graphql.security_helpers import (
    USER_STATUS,
    attempt_login,
    failed_login,
    lockout_settings,
    record_verified_hashes,
    set_login_attempts,
)

EMAIL = "target@example.com"
PASSWORD = "target-password-1"
WRONG = "wrong-password-1"

THRESHOLD = 3
BASE = timedelta(seconds=60)
MAXIMUM = timedelta(seconds=150)


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    return lockout_settings(THRESHOLD, BASE, MAXIMUM)


@pytest.fixture
async def user_id(services: Services) -> str:
    user = await create_user(services, EMAIL, PASSWORD)
    return user.id


async def fail(client: httpx.AsyncClient, times: int) -> None:
    for _ in range(times):
        await failed_login(client, EMAIL, WRONG)


async def succeeds(client: httpx.AsyncClient) -> bool:
    reply = await attempt_login(client, EMAIL, PASSWORD)
    assert reply.status == 200, reply.body
    if reply.body.get("errors"):
        assert reply.codes == ["INVALID_CREDENTIALS"], reply.body
        assert "data" not in reply.body
        return False
    assert reply.data["auth_login"]["access_token"]
    return True


# Temporary lockout -----------------------------------------------------------------------------


async def test_failures_below_the_threshold_do_not_lock(
    client: httpx.AsyncClient, services: Services, user_id: str
) -> None:
    await fail(client, THRESHOLD - 1)
    row = await stored_user(services, user_id)
    assert row.failed_login_attempts == THRESHOLD - 1
    assert row.locked_until is None
    assert await succeeds(client)


async def test_the_right_password_is_refused_while_locked(
    client: httpx.AsyncClient, services: Services, user_id: str, clock: SettableClock
) -> None:
    await fail(client, THRESHOLD)
    assert not await succeeds(client)
    clock.advance(BASE - timedelta(seconds=1))
    assert not await succeeds(client)


async def test_the_lock_expires_and_a_success_resets_the_counter(
    client: httpx.AsyncClient, services: Services, user_id: str, clock: SettableClock
) -> None:
    await fail(client, THRESHOLD)
    locked = await stored_user(services, user_id)
    assert locked.failed_login_attempts == THRESHOLD
    assert locked.locked_until is not None

    clock.advance(BASE + timedelta(seconds=1))
    assert await succeeds(client)
    row = await stored_user(services, user_id)
    assert row.failed_login_attempts == 0
    assert row.locked_until is None

    # Reset: the next lock is a first lock again (60 s, not 120 s).
    await fail(client, THRESHOLD)
    clock.advance(BASE + timedelta(seconds=1))
    assert await succeeds(client)


async def test_the_second_lockout_lasts_twice_as_long(
    client: httpx.AsyncClient, services: Services, user_id: str, clock: SettableClock
) -> None:
    await fail(client, THRESHOLD)
    clock.advance(BASE + timedelta(seconds=1))
    await fail(client, THRESHOLD)  # no success in between: the attacker keeps guessing
    assert (await stored_user(services, user_id)).failed_login_attempts == 2 * THRESHOLD

    clock.advance(BASE + timedelta(seconds=1))  # +61 s: a first lock would be over
    assert not await succeeds(client)
    clock.advance(BASE)  # +121 s
    assert await succeeds(client)


async def test_attempts_during_a_lock_are_neither_checked_nor_counted(
    client: httpx.AsyncClient,
    services: Services,
    user_id: str,
    clock: SettableClock,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    await fail(client, THRESHOLD)
    before = await stored_user(services, user_id)
    compared = record_verified_hashes(services, monkeypatch)

    await fail(client, 5)
    assert not await succeeds(client)

    after = await stored_user(services, user_id)
    assert after.failed_login_attempts == THRESHOLD
    assert after.locked_until == before.locked_until
    # Never compared with the stored hash: a guess during the lock learns nothing.
    assert before.password is not None
    assert before.password not in compared

    clock.advance(BASE + timedelta(seconds=1))
    assert await succeeds(client)


async def test_a_lock_never_exceeds_the_maximum(
    client: httpx.AsyncClient, services: Services, user_id: str, clock: SettableClock
) -> None:
    """60 s, 120 s, then 240 s capped at AUTH_LOCKOUT_MAX_DURATION (150 s)."""
    for wait in (BASE, 2 * BASE):
        await fail(client, THRESHOLD)
        clock.advance(wait + timedelta(seconds=1))
    await fail(client, THRESHOLD)
    row = await stored_user(services, user_id)
    assert row.failed_login_attempts == 3 * THRESHOLD
    assert row.locked_until is not None
    locked_for = row.locked_until - clock.now()
    assert MAXIMUM - timedelta(seconds=1) < locked_for <= MAXIMUM

    clock.advance(MAXIMUM - timedelta(seconds=1))
    assert not await succeeds(client)
    clock.advance(timedelta(seconds=2))
    assert await succeeds(client)


async def test_a_lock_does_not_touch_other_accounts(
    client: httpx.AsyncClient, services: Services, user_id: str
) -> None:
    await fail(client, THRESHOLD)
    assert not await succeeds(client)
    admin = await login(client, ADMIN_EMAIL, ADMIN_PASSWORD)
    assert admin["access_token"]


async def test_unknown_emails_lock_nothing(client: httpx.AsyncClient, services: Services) -> None:
    for _ in range(THRESHOLD * 2):
        await failed_login(client, "nobody@example.com", WRONG)
    assert (await login(client, ADMIN_EMAIL, ADMIN_PASSWORD))["access_token"]


# Directus's rule: suspension after auth_login_attempts ----------------------------------------


class TestSuspension:
    @pytest.fixture
    def settings_overrides(self) -> dict[str, Any]:
        return {"auth_lockout_enabled": False}

    async def test_the_account_is_suspended_after_the_setting(
        self, client: httpx.AsyncClient, services: Services, user_id: str
    ) -> None:
        admin = (await login(client, ADMIN_EMAIL, ADMIN_PASSWORD))["access_token"]
        await set_login_attempts(client, admin, 4)

        await fail(client, 3)
        status = await gql(client, USER_STATUS, {"id": user_id}, token=admin)
        assert status.data == {"users_by_id": {"id": user_id, "status": "active"}}

        await fail(client, 1)
        assert not await succeeds(client)
        status = await gql(client, USER_STATUS, {"id": user_id}, token=admin)
        assert status.data == {"users_by_id": {"id": user_id, "status": "suspended"}}

    async def test_a_success_before_the_limit_starts_the_count_again(
        self, client: httpx.AsyncClient, services: Services, user_id: str
    ) -> None:
        admin = (await login(client, ADMIN_EMAIL, ADMIN_PASSWORD))["access_token"]
        await set_login_attempts(client, admin, 4)

        await fail(client, 3)
        assert await succeeds(client)
        await fail(client, 3)
        assert await succeeds(client)
        assert (await stored_user(services, user_id)).status == "active"

    async def test_without_lockout_nothing_locks(
        self, client: httpx.AsyncClient, services: Services, user_id: str
    ) -> None:
        admin = (await login(client, ADMIN_EMAIL, ADMIN_PASSWORD))["access_token"]
        await set_login_attempts(client, admin, 100)
        await fail(client, 12)
        row = await stored_user(services, user_id)
        assert row.failed_login_attempts == 12
        assert row.locked_until is None
        assert await succeeds(client)


# Concurrency -------------------------------------------------------------------------------------


class TestConcurrentGuesses:
    @pytest.fixture
    def settings_overrides(self) -> dict[str, Any]:
        return {"auth_lockout_enabled": False}

    async def test_fifty_parallel_wrong_guesses_count_fifty(
        self, client: httpx.AsyncClient, services: Services, user_id: str
    ) -> None:
        admin = (await login(client, ADMIN_EMAIL, ADMIN_PASSWORD))["access_token"]
        await set_login_attempts(client, admin, 1000)

        replies = await asyncio.gather(
            *(attempt_login(client, EMAIL, f"guess-{n}") for n in range(50))
        )
        assert all(reply.codes == ["INVALID_CREDENTIALS"] for reply in replies)
        row = await stored_user(services, user_id)
        assert row.failed_login_attempts == 50
        assert row.status == "active"

    async def test_parallel_guesses_reach_the_suspension_limit_exactly(
        self, client: httpx.AsyncClient, services: Services, user_id: str
    ) -> None:
        admin = (await login(client, ADMIN_EMAIL, ADMIN_PASSWORD))["access_token"]
        await set_login_attempts(client, admin, 20)

        await asyncio.gather(*(attempt_login(client, EMAIL, f"guess-{n}") for n in range(19)))
        row = await stored_user(services, user_id)
        assert row.failed_login_attempts == 19
        assert row.status == "active"
        await failed_login(client, EMAIL, WRONG)
        assert (await stored_user(services, user_id)).status == "suspended"

    async def test_a_failure_counted_during_a_success_is_cleared_by_it(
        self, services: Services, user_id: str
    ) -> None:
        """The success clears the count as it stands at its commit, not as it read it."""
        checked = await stored_user(services, user_id)  # what the login verified: no failures
        assert checked.failed_login_attempts == 0
        async with services.db.write() as session:  # meanwhile, a wrong guess is counted
            now = services.clock.now()
            run = await claims_repo.claim(session, user_id, now, now + VERDICT_HOLD, None, None)
            assert run is not None
            assert await claims_repo.settle_failure(session, user_id, run, now) == 1
        assert (await stored_user(services, user_id)).failed_login_attempts == 1
        await services.sessions.open_session(checked, AuthMode.JSON, ClientInfo(ip="127.0.0.1"))
        after = await stored_user(services, user_id)
        assert after.failed_login_attempts == 0
        assert after.locked_until is None
        assert after.last_access is not None
