"""TFA recovery codes for a directory (LDAP) user, from an attacker's review: a code stands
in for a TOTP code on the provider's REST login and on GraphQL auth_login alike, once across
both, and a code spent on one path is refused on the other."""

from __future__ import annotations

import asyncio

import httpx
import pyotp
import pytest

from app.clock import SettableClock
from app.services.container import Services
from tests.conftest import LOGIN, gql
from tests.graphql.test_auth_ldap import (  # noqa: F401 (fixtures)
    error_code,
    provider_login,
    roles,
    settings_overrides,
    slapd,
)
from tests.graphql.test_tfa_recovery_codes import ENABLE, GENERATE, LEFT, WINDOW
from tests.ldap_server import ADA


async def tfa_on(client: httpx.AsyncClient, clock: SettableClock) -> tuple[str, list[str]]:
    """Ada signs in through the directory and turns TFA on; her token and the codes."""
    signed_in = await provider_login(client, ADA.uid, ADA.password)
    assert signed_in.status_code == 200, signed_in.text
    token: str = signed_in.json()["data"]["access_token"]
    shown = await gql(client, GENERATE, {"password": ADA.password}, token=token)
    secret = shown.data["users_me_tfa_generate"]["secret"]
    codes: list[str] = shown.data["users_me_tfa_generate"]["recovery_codes"]
    code = pyotp.TOTP(secret).at(clock.now())
    enabled = await gql(client, ENABLE, {"otp": code, "secret": secret}, token=token)
    assert enabled.body == {"data": {"users_me_tfa_enable": True}}
    clock.advance(WINDOW)
    return token, codes


@pytest.mark.usefixtures("roles")
async def test_a_code_works_once_across_the_directory_and_graphql_logins(
    client: httpx.AsyncClient, services: Services, clock: SettableClock
) -> None:
    token, codes = await tfa_on(client, clock)
    assert error_code(await provider_login(client, ADA.uid, ADA.password)) == "INVALID_OTP"
    used = await provider_login(client, ADA.uid, ADA.password, otp=codes[0].lower())
    assert used.status_code == 200, used.text
    again = await provider_login(client, ADA.uid, ADA.password, otp=codes[0])
    assert error_code(again) == "INVALID_OTP"
    elsewhere = await gql(
        client, LOGIN, {"email": ADA.mail, "password": ADA.password, "otp": codes[0]}
    )
    assert elsewhere.codes == ["INVALID_OTP"]

    by_graphql = await gql(
        client, LOGIN, {"email": ADA.mail, "password": ADA.password, "otp": codes[1]}
    )
    assert by_graphql.data["auth_login"]["access_token"]
    back = await provider_login(client, ADA.uid, ADA.password, otp=codes[1])
    assert error_code(back) == "INVALID_OTP"

    # Both paths at once with one code: exactly one wins.
    replies = await asyncio.gather(
        provider_login(client, ADA.uid, ADA.password, otp=codes[2]),
        gql(client, LOGIN, {"email": ADA.mail, "password": ADA.password, "otp": codes[2]}),
    )
    rest, graphql = replies
    assert [rest.status_code == 200, not graphql.codes].count(True) == 1
    left = await gql(client, LEFT, token=token)
    assert left.data == {"users_me_tfa_recovery_codes_left": 7}
