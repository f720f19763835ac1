"""TFA recovery codes, from an attacker's review: the set shown and stored on enable is
bound to its user, not only to the TOTP secret (whoever enables a secret they learnt on an
account of their own is not shown, nor given, another user's codes) and to one enabling:
turning TFA on again with a secret used before does not bring back its codes, used or
replaced ones included."""

from __future__ import annotations

import httpx
import pytest

from app.clock import SettableClock
from app.db.models import User
from app.services.container import Services
from tests.conftest import create_user, gql, login
from tests.graphql.test_tfa_recovery_codes import (
    DISABLE,
    EMAIL,
    ENABLE,
    OTHER_EMAIL,
    PASSWORD,
    REGENERATE,
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


async def test_enabling_a_secret_again_does_not_bring_back_its_codes(
    client: httpx.AsyncClient, services: Services, user: User, token: str, clock: SettableClock
) -> None:
    secret, codes = await enable(client, token, clock)
    assert (await otp_login(client, codes[0])).data["auth_login"]["access_token"]
    # The user replaces the set (say the printed sheet was stolen), then turns TFA off.
    renewed = await gql(client, REGENERATE, {"otp": totp(secret, clock)}, token=token)
    assert not renewed.body.get("errors"), renewed.body
    clock.advance(WINDOW)
    disabled = await gql(client, DISABLE, {"otp": totp(secret, clock)}, token=token)
    assert disabled.body == {"data": {"users_me_tfa_disable": True}}
    clock.advance(WINDOW)
    # A client turns TFA on again with the same secret (Directus's enable takes any).
    again = await gql(client, ENABLE, {"otp": totp(secret, clock), "secret": secret}, token=token)
    assert again.body == {"data": {"users_me_tfa_enable": True}}
    clock.advance(WINDOW)
    # Neither the used code nor the replaced ones sign in again: that set was shown once.
    for code in codes[:3]:
        assert (await otp_login(client, code)).codes == ["INVALID_OTP"]
    # No set is stored that nobody was shown: the user makes a new one.
    assert await left(client, token) == 0
    fresh = await gql(client, REGENERATE, {"otp": totp(secret, clock)}, token=token)
    new = fresh.data["users_me_tfa_recovery_codes_regenerate"]
    assert await left(client, token) == 10
    assert (await otp_login(client, new[0])).data["auth_login"]["access_token"]
