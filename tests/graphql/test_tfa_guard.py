"""The TFA mutations check the password and the code as a login does (review finding 3).

`users_me_tfa_generate(password:)` proves the password under the account's LoginGuard claim:
a wrong one is a failed login (toward the lock and the suspension rule), during a lock it is
neither checked nor counted, and it takes the login stall time. A wrong code in
`users_me_tfa_disable` is a failed login too (a guess at the second factor). REST's twins go
through the same service.
"""

from __future__ import annotations

import asyncio
import time
from datetime import timedelta
from typing import Any

import httpx
import pyotp
import pytest

from app.clock import SettableClock
from app.db.models import User
from app.errors import InvalidPayloadError
from app.services.container import Services
from tests.conftest import ADMIN_EMAIL, ADMIN_PASSWORD, create_user, gql, login
from tests.graphql.mutation_seed import stored_user
from tests.graphql.security_helpers import set_login_attempts
from tests.graphql.test_login_lockout_concurrency import count_checks

EMAIL = "tfa-guard@example.com"
PASSWORD = "tfa-guard-password-1"
SECRET = "JBSWY3DPEHPK3PXQJBSWY3DPEHPK3PXQ"
GENERATE = """
mutation($password: String!) { users_me_tfa_generate(password: $password) { secret } }
"""
DISABLE = "mutation($otp: String!) { users_me_tfa_disable(otp: $otp) }"


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    return {"auth_lockout_enabled": True, "auth_lockout_threshold": 2}


@pytest.fixture
async def user(services: Services) -> User:
    return await create_user(services, EMAIL, PASSWORD)


@pytest.fixture
async def token(client: httpx.AsyncClient, user: User) -> str:
    access: str = (await login(client, EMAIL, PASSWORD))["access_token"]
    return access


async def generate_codes(client: httpx.AsyncClient, token: str, password: str) -> list[str]:
    return (await gql(client, GENERATE, {"password": password}, token=token)).codes


async def rest_generate(client: httpx.AsyncClient, token: str, password: str) -> httpx.Response:
    return await client.post(
        "/users/me/tfa/generate",
        json={"password": password},
        headers={"Authorization": f"Bearer {token}"},
    )


async def test_wrong_passwords_count_and_lock_and_the_lock_stops_checks(
    client: httpx.AsyncClient,
    services: Services,
    user: User,
    token: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    checked = count_checks(services, monkeypatch, user.password)
    assert await generate_codes(client, token, "wrong-1") == ["INVALID_CREDENTIALS"]
    assert (await stored_user(services, user.id)).failed_login_attempts == 1
    response = await rest_generate(client, token, "wrong-2")  # the REST twin counts too
    assert response.status_code == 401, response.text
    assert response.json()["errors"][0]["extensions"]["code"] == "INVALID_CREDENTIALS"
    row = await stored_user(services, user.id)
    assert row.failed_login_attempts == 2
    assert row.locked_until is not None
    assert len(checked) == 2
    # Locked: even the right password is neither checked nor counted, and confirms nothing.
    assert await generate_codes(client, token, PASSWORD) == ["INVALID_CREDENTIALS"]
    assert len(checked) == 2
    assert (await stored_user(services, user.id)).failed_login_attempts == 2


async def test_the_right_password_ends_the_run_of_failures(
    client: httpx.AsyncClient, services: Services, user: User, token: str
) -> None:
    assert await generate_codes(client, token, "wrong-1") == ["INVALID_CREDENTIALS"]
    reply = await gql(client, GENERATE, {"password": PASSWORD}, token=token)
    assert reply.codes == [], reply.body
    assert reply.data["users_me_tfa_generate"]["secret"]
    assert (await stored_user(services, user.id)).failed_login_attempts == 0


async def test_parallel_right_passwords_all_confirm_and_lock_nothing(
    client: httpx.AsyncClient, services: Services, user: User, token: str
) -> None:
    """Ten at once with a threshold of two: the attempts beyond the room wait for the
    verdicts in flight instead of being refused, and only verified failures could lock."""
    replies = await asyncio.gather(
        *(gql(client, GENERATE, {"password": PASSWORD}, token=token) for _ in range(10))
    )
    assert all(reply.codes == [] for reply in replies), [reply.body for reply in replies]
    assert all(reply.data["users_me_tfa_generate"]["secret"] for reply in replies)
    row = await stored_user(services, user.id)
    assert row.failed_login_attempts == 0
    assert row.locked_until is None


class TestSuspension:
    @pytest.fixture
    def settings_overrides(self) -> dict[str, Any]:
        return {"auth_lockout_enabled": False}

    async def test_wrong_passwords_count_toward_the_suspension_rule(
        self, client: httpx.AsyncClient, services: Services, user: User, token: str
    ) -> None:
        admin = (await login(client, ADMIN_EMAIL, ADMIN_PASSWORD))["access_token"]
        await set_login_attempts(client, admin, 3)
        for n in range(3):
            assert await generate_codes(client, token, f"wrong-{n}") == ["INVALID_CREDENTIALS"]
        assert (await stored_user(services, user.id)).status == "suspended"


class TestStall:
    @pytest.fixture
    def settings_overrides(self) -> dict[str, Any]:
        return {"login_stall_time": 300}

    async def test_a_wrong_password_takes_the_login_stall_time(
        self, client: httpx.AsyncClient, token: str
    ) -> None:
        started = time.monotonic()
        assert await generate_codes(client, token, "wrong-1") == ["INVALID_CREDENTIALS"]
        assert time.monotonic() - started >= 0.3


async def tfa_login(client: httpx.AsyncClient, email: str, code: str) -> str:
    """The access token of a TFA user's login with the password and `code`."""
    reply = await gql(
        client,
        "mutation($e: String!, $p: String!, $o: String) "
        "{ auth_login(email: $e, password: $p, otp: $o) { access_token } }",
        {"e": email, "p": PASSWORD, "o": code},
    )
    assert reply.codes == [], reply.body
    token: str = reply.data["auth_login"]["access_token"]
    return token


async def test_wrong_codes_on_disable_count_and_the_lock_stops_them(
    client: httpx.AsyncClient, services: Services, clock: SettableClock
) -> None:
    user = await create_user(services, "tfa-disable@example.com", PASSWORD, tfa_secret=SECRET)
    right = pyotp.TOTP(SECRET).at(clock.now())
    token = await tfa_login(client, "tfa-disable@example.com", right)
    wrong = f"{(int(right) + 1) % 1_000_000:06d}"
    assert (await gql(client, DISABLE, {"otp": wrong}, token=token)).codes == ["INVALID_PAYLOAD"]
    assert (await stored_user(services, user.id)).failed_login_attempts == 1
    response = await client.post(
        "/users/me/tfa/disable",
        json={"otp": wrong},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert response.json()["errors"][0]["extensions"]["code"] == "INVALID_PAYLOAD"
    row = await stored_user(services, user.id)
    assert row.failed_login_attempts == 2
    assert row.locked_until is not None
    # Locked: not even a fresh right code is checked; TFA stays on.
    clock.advance(timedelta(seconds=30))
    later = pyotp.TOTP(SECRET).at(clock.now())
    assert (await gql(client, DISABLE, {"otp": later}, token=token)).codes == ["INVALID_PAYLOAD"]
    assert (await stored_user(services, user.id)).tfa_secret == SECRET


async def test_the_right_code_on_disable_ends_the_run_of_failures(
    client: httpx.AsyncClient, services: Services, clock: SettableClock
) -> None:
    user = await create_user(services, "tfa-off@example.com", PASSWORD, tfa_secret=SECRET)
    token = await tfa_login(client, "tfa-off@example.com", pyotp.TOTP(SECRET).at(clock.now()))
    clock.advance(timedelta(seconds=30))
    now = pyotp.TOTP(SECRET).at(clock.now())
    wrong = f"{(int(now) + 1) % 1_000_000:06d}"
    assert (await gql(client, DISABLE, {"otp": wrong}, token=token)).codes == ["INVALID_PAYLOAD"]
    reply = await gql(client, DISABLE, {"otp": now}, token=token)
    assert reply.body == {"data": {"users_me_tfa_disable": True}}
    row = await stored_user(services, user.id)
    assert row.tfa_secret is None
    assert row.failed_login_attempts == 0


async def test_a_disable_that_ends_without_a_verdict_frees_its_claim(
    client: httpx.AsyncClient,
    services: Services,
    clock: SettableClock,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """TFA removed by another request between the check and the write (simulated: the write
    finds it gone): the attempt is no longer in flight and counts as no failure, so it does
    not hold one of the account's slots until its claim expires."""
    user = await create_user(services, "tfa-gone@example.com", PASSWORD, tfa_secret=SECRET)
    token = await tfa_login(client, "tfa-gone@example.com", pyotp.TOTP(SECRET).at(clock.now()))

    async def gone(*_: object) -> None:
        raise InvalidPayloadError("TFA is not enabled for this user")

    monkeypatch.setattr(services.tfa, "_disable", gone)
    clock.advance(timedelta(seconds=30))
    code = pyotp.TOTP(SECRET).at(clock.now())
    assert (await gql(client, DISABLE, {"otp": code}, token=token)).codes == ["INVALID_PAYLOAD"]
    row = await stored_user(services, user.id)
    assert row.login_claims == 0
    assert row.failed_login_attempts == 0
