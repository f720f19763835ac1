"""TFA recovery codes, from an attacker's review: the set shown and stored on enable is
bound to its user, not only to the TOTP secret (whoever enables a secret they learnt on an
account of their own is not shown, nor given, another user's codes)."""

from __future__ import annotations

import httpx
import pytest

from app.clock import SettableClock
from app.db.models import User
from app.services.container import Services
from tests.conftest import create_user, gql, login
from tests.graphql.test_tfa_recovery_codes import (
    EMAIL,
    ENABLE,
    OTHER_EMAIL,
    PASSWORD,
    WINDOW,
    enable,
    left,
    otp_login,
    totp,
)


@pytest.fixture
async def user(services: Services) -> User:
    return await create_user(services, EMAIL, PASSWORD)


@pytest.fixture
async def token(client: httpx.AsyncClient, user: User) -> str:
    access: str = (await login(client, EMAIL, PASSWORD))["access_token"]
    return access


async def test_one_secret_enabled_by_two_users_gives_each_their_own_codes(
    client: httpx.AsyncClient, services: Services, user: User, token: str, clock: SettableClock
) -> None:
    secret, codes = await enable(client, token, clock)
    other = (await create_user(services, OTHER_EMAIL, PASSWORD)).id
    other_token = (await login(client, OTHER_EMAIL, PASSWORD))["access_token"]
    # Enable takes the secret from the client: here, the first user's.
    enabled = await gql(
        client, ENABLE, {"otp": totp(secret, clock), "secret": secret}, token=other_token
    )
    assert enabled.body == {"data": {"users_me_tfa_enable": True}}
    clock.advance(WINDOW)
    # The first user's codes do not sign the other account in...
    for code in codes[:2]:
        assert (await otp_login(client, code, OTHER_EMAIL)).codes == ["INVALID_OTP"]
    # ... nor is the other account shown that set for the secret.
    assert not set(services.tfa.recovery_codes_for(secret, other)) & set(codes)
    assert await left(client, other_token) == 10
    assert await left(client, token) == 10
