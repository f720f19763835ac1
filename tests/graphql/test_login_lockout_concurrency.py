"""The account lock under a parallel burst: an attempt is claimed (counted as in flight, or
refused while locked) before its password is checked, so a burst gets exactly the checks
that the same number of sequential guesses would get, and never outruns a lock or the
suspension rule. (Parallel logins with the right password: test_login_parallel_owners.)

Bursts are `asyncio.gather` over the ASGI client; time moves only when the test moves it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any

import httpx
import pyotp
import pytest
from sqlalchemy import update
from sqlmodel import col, select

from app.accountability import ClientInfo
from app.clock import SettableClock
from app.db.models import Activity, User
from app.errors import InvalidCredentialsError
from app.services.container import Services
from app.services.sessions import AuthMode
from tests.conftest import ADMIN_EMAIL, ADMIN_PASSWORD, LOGIN, create_user, gql, login
from tests.graphql.mutation_seed import stored_user
from tests.graphql.security_helpers import attempt_login, lockout_settings, set_login_attempts

EMAIL = "burst-target@example.com"
PASSWORD = "burst-target-password-1"

THRESHOLD = 5  # the default AUTH_LOCKOUT_THRESHOLD
BASE = timedelta(seconds=60)
SUSPEND_AFTER = 25  # Directus's default auth_login_attempts


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    return lockout_settings(THRESHOLD, BASE, timedelta(hours=1), login_stall_time=1)


@pytest.fixture
async def user_id(services: Services) -> str:
    return (await create_user(services, EMAIL, PASSWORD)).id


def count_checks(
    services: Services, monkeypatch: pytest.MonkeyPatch, stored: str | None
) -> list[str]:
    """The passwords checked against the account's stored hash (the dummy hash that locked
    attempts spend their time on is not a check)."""
    checked: list[str] = []
    real: Callable[[str, str], Awaitable[bool]] = services.hasher.verify

    async def counting(password: str, hashed: str) -> bool:
        if hashed == stored:
            checked.append(password)
        return await real(password, hashed)

    monkeypatch.setattr(services.hasher, "verify", counting)
    return checked


async def once_checked(checked: list[str], count: int = THRESHOLD) -> None:
    """Until `count` passwords have been checked: the order in which parallel requests
    reach their claim is not fixed (PostgreSQL's pool), so a guess meant to come after the
    threshold waits for it, while the rest of the burst is still in flight."""
    for _ in range(10_000):
        if len(checked) >= count:
            return
        await asyncio.sleep(0.001)
    pytest.fail(f"only {len(checked)} passwords were checked")


async def burst(
    client: httpx.AsyncClient,
    size: int,
    right_at: int | None = None,
    otp: str | None = None,
    right_after: Awaitable[None] | None = None,
) -> list[bool]:
    """`size` parallel logins, all wrong but the one at index `right_at` (which first awaits
    `right_after`, when given); which logged in."""

    async def one(n: int) -> bool:
        if n == right_at and right_after is not None:
            await right_after
        password = PASSWORD if n == right_at else f"guess-{n}"
        variables = {"email": EMAIL, "password": password, "mode": "json", "otp": otp}
        reply = await gql(client, LOGIN, variables)
        assert reply.status == 200, reply.body
        if reply.body.get("errors"):
            assert reply.codes in (["INVALID_CREDENTIALS"], ["INVALID_OTP"]), reply.body
            assert "data" not in reply.body
            return False
        assert reply.data["auth_login"]["access_token"]
        return True

    return list(await asyncio.gather(*(one(n) for n in range(size))))


async def succeeds(client: httpx.AsyncClient) -> bool:
    reply = await attempt_login(client, EMAIL, PASSWORD)
    return not reply.body.get("errors") and bool(reply.data["auth_login"]["access_token"])


async def audited(services: Services, action: str) -> int:
    async with services.db.read() as session:
        rows = await session.exec(select(Activity).where(col(Activity.action) == action))
        return len(rows.all())


async def test_two_hundred_parallel_guesses_get_the_threshold_s_checks_and_no_login(
    client: httpx.AsyncClient,
    services: Services,
    user_id: str,
    clock: SettableClock,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    checked = count_checks(services, monkeypatch, (await stored_user(services, user_id)).password)
    outcomes = await burst(client, 200, right_at=190, right_after=once_checked(checked))

    assert not any(outcomes)  # the right 191st guess came after the lock
    assert len(checked) == THRESHOLD  # exactly the threshold's checks in this lock window
    assert PASSWORD not in checked
    row = await stored_user(services, user_id)
    assert row.failed_login_attempts == THRESHOLD
    assert row.locked_until is not None
    assert row.locked_until - clock.now() == BASE
    assert row.status == "active"
    # Every attempt is audited: the checked ones failed, the rest met the lock.
    assert await audited(services, "login.failed") == THRESHOLD
    assert await audited(services, "login.locked") == 200 - THRESHOLD + 1  # + the lock itself

    clock.advance(BASE - timedelta(seconds=1))
    assert not await succeeds(client)
    clock.advance(timedelta(seconds=2))
    assert await succeeds(client)


async def test_each_lock_window_gets_exactly_the_threshold_s_checks(
    client: httpx.AsyncClient,
    services: Services,
    user_id: str,
    clock: SettableClock,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    checked = count_checks(services, monkeypatch, (await stored_user(services, user_id)).password)
    await burst(client, 40)
    assert len(checked) == THRESHOLD

    clock.advance(BASE + timedelta(seconds=1))
    await burst(client, 40)
    assert len(checked) == 2 * THRESHOLD  # the second lock lasts twice as long
    row = await stored_user(services, user_id)
    assert row.failed_login_attempts == 2 * THRESHOLD

    clock.advance(BASE + timedelta(seconds=1))  # a first lock would be over by now
    assert not any(await burst(client, 40, right_at=0))
    assert len(checked) == 2 * THRESHOLD  # nothing checked while locked

    clock.advance(BASE)
    assert await succeeds(client)
    assert len(checked) == 2 * THRESHOLD + 1


async def test_a_burst_of_fifty_does_not_suspend_the_account(
    client: httpx.AsyncClient, services: Services, user_id: str, clock: SettableClock
) -> None:
    """Directus suspends after 25 failures in a row (a lock that does not end by itself);
    sequential guesses meet four growing locks first, and so must a burst."""
    await burst(client, 50)
    row = await stored_user(services, user_id)
    assert row.status == "active"
    assert row.failed_login_attempts == THRESHOLD
    assert await audited(services, "user.suspended") == 0

    clock.advance(BASE + timedelta(seconds=1))
    assert await succeeds(client)


async def test_wrong_codes_in_parallel_count_under_the_same_claim(
    client: httpx.AsyncClient,
    services: Services,
    clock: SettableClock,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The right password with wrong TOTP codes: each one is a failed login, and a burst of
    them gets no more code checks than the threshold either."""
    secret = pyotp.random_base32()
    user = await create_user(services, EMAIL, PASSWORD, tfa_secret=secret)
    checked = count_checks(services, monkeypatch, user.password)
    right = pyotp.TOTP(secret).at(clock.now())
    wrong = f"{(int(right) + 1) % 1_000_000:06d}"

    async def one(n: int) -> list[str]:
        if n == 40:
            await once_checked(checked)
        variables = {
            "email": EMAIL,
            "password": PASSWORD,
            "mode": "json",
            "otp": right if n == 40 else wrong,
        }
        return (await gql(client, LOGIN, variables)).codes

    codes = await asyncio.gather(*(one(n) for n in range(50)))
    assert all(code in (["INVALID_OTP"], ["INVALID_CREDENTIALS"]) for code in codes), codes
    assert codes.count(["INVALID_OTP"]) == THRESHOLD
    assert len(checked) == THRESHOLD
    row = await stored_user(services, user.id)
    assert row.failed_login_attempts == THRESHOLD
    assert row.status == "active"

    clock.advance(BASE + timedelta(seconds=1))
    variables = {
        "email": EMAIL,
        "password": PASSWORD,
        "mode": "json",
        "otp": pyotp.TOTP(secret).at(clock.now()),
    }
    reply = await gql(client, LOGIN, variables)
    assert reply.codes == [], reply.body


async def test_a_lock_set_while_a_login_was_checked_refuses_its_session(
    services: Services, user_id: str, clock: SettableClock
) -> None:
    """The success transaction looks at the lock again: a lock another attempt started
    while this one's password was being checked wins."""
    checked = await stored_user(services, user_id)  # what the login verified: not locked
    async with services.db.write() as session:  # meanwhile, the burst's lock
        await session.exec(
            update(User)
            .where(col(User.id) == user_id)
            .values(locked_until=clock.now() + BASE, failed_login_attempts=THRESHOLD)
        )
    with pytest.raises(InvalidCredentialsError):
        await services.sessions.open_session(checked, AuthMode.JSON, ClientInfo(ip="127.0.0.1"))
    row = await stored_user(services, user_id)
    assert row.locked_until == clock.now() + BASE  # not cleared by the refused login
    assert row.last_access is None


class TestWithoutLockout:
    """AUTH_LOCKOUT_ENABLED=false: only Directus's suspension rule, exact under a burst."""

    @pytest.fixture
    def settings_overrides(self) -> dict[str, Any]:
        return {"auth_lockout_enabled": False, "login_stall_time": 1}

    async def test_a_burst_gets_exactly_the_attempts_before_the_suspension(
        self,
        client: httpx.AsyncClient,
        services: Services,
        user_id: str,
        monkeypatch: pytest.MonkeyPatch,
    ) -> None:
        admin = (await login(client, ADMIN_EMAIL, ADMIN_PASSWORD))["access_token"]
        await set_login_attempts(client, admin, SUSPEND_AFTER)
        stored = (await stored_user(services, user_id)).password
        checked = count_checks(services, monkeypatch, stored)

        await burst(client, 60)
        assert len(checked) == SUSPEND_AFTER
        row = await stored_user(services, user_id)
        assert row.status == "suspended"
        assert await audited(services, "user.suspended") == 1
        # 25 checked and failed; 35 refused unchecked (held, then suspended): all audited.
        refused = await audited(services, "login.locked")
        assert await audited(services, "login.failed") + refused == 60
        assert not await succeeds(client)
        assert len(checked) == SUSPEND_AFTER

    async def test_a_proved_password_is_not_refused_by_another_attempt_s_verdict_hold(
        self,
        client: httpx.AsyncClient,
        services: Services,
        user_id: str,
        monkeypatch: pytest.MonkeyPatch,
    ) -> None:
        """The 25th claim (after 23 failures, with the owner's attempt in flight) leaves no
        room for further guesses, but does not refuse the owner, whose password was proved
        meanwhile: that login succeeds, sets the count back to 0, and the pending verdict
        then counts for no one, so it suspends no one. Only attempts whose check really
        failed count toward the suspension (review finding 5: before, the proved login was
        refused, stayed counted, and 24 failures suspended it)."""
        admin = (await login(client, ADMIN_EMAIL, ADMIN_PASSWORD))["access_token"]
        await set_login_attempts(client, admin, SUSPEND_AFTER)
        checking, held, owner_done = asyncio.Event(), asyncio.Event(), asyncio.Event()
        real: Callable[[str, str], Awaitable[bool]] = services.hasher.verify

        async def ordered(password: str, hashed: str) -> bool:
            if password == PASSWORD:  # claim 1: checked while the burst goes on
                checking.set()
                await held.wait()
            elif password == "guess-25":  # the claim that holds the account
                held.set()
                await owner_done.wait()
            return await real(password, hashed)

        monkeypatch.setattr(services.hasher, "verify", ordered)
        owner = asyncio.create_task(attempt_login(client, EMAIL, PASSWORD))
        await checking.wait()
        for n in range(2, 25):
            assert (await attempt_login(client, EMAIL, f"guess-{n}")).codes == [
                "INVALID_CREDENTIALS"
            ]
        holder = asyncio.create_task(attempt_login(client, EMAIL, "guess-25"))
        reply = await owner
        owner_done.set()
        assert reply.codes == [], reply.body  # the proved password opens a session
        assert (await holder).codes == ["INVALID_CREDENTIALS"]
        row = await stored_user(services, user_id)
        assert row.status == "active"
        assert row.failed_login_attempts == 0
        assert row.locked_until is None
        assert await audited(services, "user.suspended") == 0
        assert await succeeds(client)
