"""TFA recovery codes over REST (additions to Directus's API): POST /users/me/tfa/generate's
`recovery_codes`, POST /auth/login with one as `otp`, GET /users/me/tfa/recovery-codes
(how many are left), POST /users/me/tfa/recovery-codes (a new set for a current TOTP code)."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from pathlib import Path

import httpx
import pytest

from app.clock import SettableClock
from app.db.models import User
from app.services.container import Services
from tests.conftest import create_user
from tests.graphql.helpers import totp
from tests.graphql.recovery_helpers import (
    SHOWN,
    assert_hashes_only,
    body_of,
    stored_codes,
    used_mails,
)
from tests.rest import (
    INVALID_CREDENTIALS,
    INVALID_OTP,
    assert_error,
    assert_no_content,
    bearer,
    rest_login,
)

EMAIL = "rest.recovery@example.com"
PASSWORD = "rest-recovery-password-1"
WINDOW = timedelta(seconds=30)
CODES = "/users/me/tfa/recovery-codes"


@pytest.fixture
async def user(services: Services) -> User:
    return await create_user(services, EMAIL, PASSWORD)


@pytest.fixture
async def token(client: httpx.AsyncClient, user: User) -> str:
    access: str = (await rest_login(client, EMAIL, PASSWORD))["access_token"]
    return access


async def enable(
    client: httpx.AsyncClient, token: str, clock: SettableClock
) -> tuple[str, list[str]]:
    generated = await client.post(
        "/users/me/tfa/generate", json={"password": PASSWORD}, headers=bearer(token)
    )
    assert generated.status_code == 200, generated.text
    data = generated.json()["data"]
    secret, codes = data["secret"], data["recovery_codes"]
    enabled = await client.post(
        "/users/me/tfa/enable",
        json={"otp": totp(secret, clock), "secret": secret},
        headers=bearer(token),
    )
    assert_no_content(enabled)
    clock.advance(WINDOW)
    return secret, codes


async def login_with(client: httpx.AsyncClient, otp: str) -> httpx.Response:
    return await client.post("/auth/login", json={"email": EMAIL, "password": PASSWORD, "otp": otp})


async def remaining(client: httpx.AsyncClient, token: str) -> int:
    response = await client.get(CODES, headers=bearer(token))
    assert response.status_code == 200, response.text
    body = response.json()
    assert set(body["data"]) == {"remaining"}
    count: int = body["data"]["remaining"]
    return count


async def test_generate_enable_use_once_and_count(
    client: httpx.AsyncClient,
    services: Services,
    user: User,
    token: str,
    clock: SettableClock,
    tmp_path: Path,
) -> None:
    assert await remaining(client, token) == 0
    _, codes = await enable(client, token, clock)
    assert len(codes) == 10
    assert all(SHOWN.fullmatch(code) for code in codes)
    assert_hashes_only(await stored_codes(services, user.id), codes)
    assert await remaining(client, token) == 10

    first = await login_with(client, codes[0].replace("-", ""))
    assert first.status_code == 200, first.text
    assert first.json()["data"]["access_token"]
    assert await remaining(client, token) == 9
    again = await login_with(client, codes[0])
    assert again.status_code == 401
    assert again.json() == INVALID_OTP

    mails = await used_mails(services, tmp_path / "outbox")
    assert len(mails) == 1
    assert "Recovery codes left: 9" in body_of(mails[0])


async def test_parallel_logins_with_one_code_exactly_one_wins(
    client: httpx.AsyncClient, user: User, token: str, clock: SettableClock
) -> None:
    _, codes = await enable(client, token, clock)
    responses = await asyncio.gather(*(login_with(client, codes[5]) for _ in range(3)))
    assert sorted(response.status_code for response in responses) == [200, 401, 401]
    assert await remaining(client, token) == 9


async def test_regenerate_replaces_the_set(
    client: httpx.AsyncClient, user: User, token: str, clock: SettableClock
) -> None:
    secret, old = await enable(client, token, clock)
    response = await client.post(CODES, json={"otp": totp(secret, clock)}, headers=bearer(token))
    assert response.status_code == 200, response.text
    body = response.json()
    assert set(body["data"]) == {"recovery_codes"}
    new = body["data"]["recovery_codes"]
    assert len(new) == 10
    assert not set(new) & set(old)
    assert (await login_with(client, old[0])).json() == INVALID_OTP
    assert (await rest_login(client, EMAIL, PASSWORD, otp=new[0]))["access_token"]
    assert await remaining(client, token) == 9


async def test_regenerate_with_a_wrong_code_or_none_is_refused(
    client: httpx.AsyncClient, user: User, token: str, clock: SettableClock
) -> None:
    secret, _ = await enable(client, token, clock)
    wrong = f"{(int(totp(secret, clock)) + 1) % 1_000_000:06d}"
    refused = await client.post(CODES, json={"otp": wrong}, headers=bearer(token))
    assert_error(refused, 400, "INVALID_PAYLOAD")
    missing = await client.post(CODES, json={}, headers=bearer(token))
    assert_error(missing, 400, "INVALID_PAYLOAD")
    assert await remaining(client, token) == 10


async def test_the_public_is_invalid_credentials(client: httpx.AsyncClient) -> None:
    for response in (
        await client.get(CODES),
        await client.post(CODES, json={"otp": "123456"}),
    ):
        assert response.status_code == 401
        assert response.json() == INVALID_CREDENTIALS


async def test_disable_deletes_the_codes(
    client: httpx.AsyncClient, services: Services, user: User, token: str, clock: SettableClock
) -> None:
    secret, _ = await enable(client, token, clock)
    disabled = await client.post(
        "/users/me/tfa/disable", json={"otp": totp(secret, clock)}, headers=bearer(token)
    )
    assert_no_content(disabled)
    assert await stored_codes(services, user.id) == []
    assert await remaining(client, token) == 0
