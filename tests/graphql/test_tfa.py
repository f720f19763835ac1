"""Two-factor authentication (TOTP): generate, enable, login with otp, replay, disable."""

from __future__ import annotations

import base64
from datetime import timedelta
from typing import Any
from urllib.parse import parse_qs, quote, unquote, urlsplit

import httpx
import pyotp
import pytest

from app.clock import SettableClock
from app.db.models import Role, User
from app.repositories import policies as policies_repo
from app.services.container import Services
from tests.conftest import LOGIN, create_user, gql, login
from tests.graphql.helpers import claims_of

EMAIL = "two.factor+tfa@example.com"
PASSWORD = "tfa-password-1"
WINDOW = timedelta(seconds=30)

GENERATE = """
mutation Generate($password: String!) {
  users_me_tfa_generate(password: $password) { secret otpauth_url }
}
"""
ENABLE = """
mutation Enable($otp: String!, $secret: String!) { users_me_tfa_enable(otp: $otp, secret: $secret) }
"""
DISABLE = "mutation Disable($otp: String!) { users_me_tfa_disable(otp: $otp) }"
ME_TFA = "{ users_me { tfa_secret } }"


@pytest.fixture
async def user(services: Services) -> User:
    return await create_user(services, EMAIL, PASSWORD)


@pytest.fixture
async def token(client: httpx.AsyncClient, user: User) -> str:
    access: str = (await login(client, EMAIL, PASSWORD))["access_token"]
    return access


def code(secret: str, clock: SettableClock) -> str:
    value: str = pyotp.TOTP(secret).at(clock.now())
    return value


def wrong(value: str) -> str:
    return f"{(int(value) + 1) % 1_000_000:06d}"


async def generate(client: httpx.AsyncClient, token: str) -> str:
    reply = await gql(client, GENERATE, {"password": PASSWORD}, token=token)
    assert not reply.body.get("errors"), reply.body
    secret: str = reply.data["users_me_tfa_generate"]["secret"]
    return secret


async def enable(client: httpx.AsyncClient, token: str, clock: SettableClock) -> str:
    secret = await generate(client, token)
    reply = await gql(client, ENABLE, {"otp": code(secret, clock), "secret": secret}, token=token)
    assert reply.body == {"data": {"users_me_tfa_enable": True}}
    return secret


async def otp_login(client: httpx.AsyncClient, otp: str | None) -> Any:
    return await gql(client, LOGIN, {"email": EMAIL, "password": PASSWORD, "otp": otp})


async def tfa_secret(client: httpx.AsyncClient, token: str) -> Any:
    reply = await gql(client, ME_TFA, token=token)
    return reply.data["users_me"]["tfa_secret"]


# Generate ----------------------------------------------------------------------------------


async def test_generate_with_a_wrong_password_is_invalid_credentials(
    client: httpx.AsyncClient, token: str
) -> None:
    reply = await gql(client, GENERATE, {"password": "not-my-password"}, token=token)
    assert "data" not in reply.body
    assert reply.codes == ["INVALID_CREDENTIALS"]


async def test_generate_returns_a_base32_secret_and_otpauth_url_and_stores_nothing(
    client: httpx.AsyncClient, token: str
) -> None:
    reply = await gql(client, GENERATE, {"password": PASSWORD}, token=token)
    assert not reply.body.get("errors"), reply.body
    data = reply.data["users_me_tfa_generate"]
    secret = data["secret"]
    assert isinstance(secret, str)
    assert len(base64.b32decode(secret)) >= 10
    assert secret == secret.upper()

    url = urlsplit(data["otpauth_url"])
    assert (url.scheme, url.netloc) == ("otpauth", "totp")
    assert url.path == f"/Directus:{quote(EMAIL, safe='')}"
    assert unquote(url.path) == f"/Directus:{EMAIL}"
    assert parse_qs(url.query) == {"secret": [secret], "issuer": ["Directus"]}

    assert await tfa_secret(client, token) is None
    # Not stored: a login still needs no otp.
    assert (await login(client, EMAIL, PASSWORD))["access_token"]


async def test_generate_twice_gives_different_secrets(
    client: httpx.AsyncClient, token: str
) -> None:
    assert await generate(client, token) != await generate(client, token)


async def test_otpauth_issuer_is_the_project_name(client: httpx.AsyncClient, token: str) -> None:
    admin = await login(client)
    renamed = await gql(
        client,
        'mutation { update_settings(data: {project_name: "Acme CMS"}) { project_name } }',
        token=admin["access_token"],
    )
    assert renamed.data == {"update_settings": {"project_name": "Acme CMS"}}
    reply = await gql(client, GENERATE, {"password": PASSWORD}, token=token)
    url = urlsplit(reply.data["users_me_tfa_generate"]["otpauth_url"])
    assert unquote(url.path) == f"/Acme CMS:{EMAIL}"
    assert parse_qs(url.query)["issuer"] == ["Acme CMS"]


# Enable ----------------------------------------------------------------------------------


async def test_enable_with_a_wrong_otp_is_invalid_payload(
    client: httpx.AsyncClient, token: str, clock: SettableClock
) -> None:
    secret = await generate(client, token)
    bad = wrong(code(secret, clock))
    reply = await gql(client, ENABLE, {"otp": bad, "secret": secret}, token=token)
    assert "data" not in reply.body
    assert reply.codes == ["INVALID_PAYLOAD"]
    assert '"otp" is invalid' in reply.body["errors"][0]["message"]
    assert await tfa_secret(client, token) is None


async def test_enable_with_the_right_otp_stores_the_secret(
    client: httpx.AsyncClient, token: str, clock: SettableClock
) -> None:
    await enable(client, token, clock)
    assert await tfa_secret(client, token) == "**********"


async def test_generate_when_enabled_is_invalid_payload(
    client: httpx.AsyncClient, token: str, clock: SettableClock
) -> None:
    await enable(client, token, clock)
    reply = await gql(client, GENERATE, {"password": PASSWORD}, token=token)
    assert "data" not in reply.body
    assert reply.codes == ["INVALID_PAYLOAD"]


async def test_enable_when_already_enabled_is_invalid_payload(
    client: httpx.AsyncClient, token: str, clock: SettableClock
) -> None:
    first = await enable(client, token, clock)
    clock.advance(WINDOW)
    other = pyotp.random_base32()
    reply = await gql(client, ENABLE, {"otp": code(other, clock), "secret": other}, token=token)
    assert reply.codes == ["INVALID_PAYLOAD"]
    # The first secret is still the one that counts.
    assert (await otp_login(client, code(other, clock))).codes == ["INVALID_OTP"]
    assert (await otp_login(client, code(first, clock))).data["auth_login"]["access_token"]


# Login with otp ----------------------------------------------------------------------------


async def test_login_needs_the_right_otp(
    client: httpx.AsyncClient, token: str, clock: SettableClock
) -> None:
    secret = await enable(client, token, clock)
    clock.advance(WINDOW)

    missing = await otp_login(client, None)
    assert "data" not in missing.body
    assert missing.codes == ["INVALID_OTP"]
    assert missing.body["errors"][0]["message"] == "Invalid user OTP."

    bad = await otp_login(client, wrong(code(secret, clock)))
    assert bad.codes == ["INVALID_OTP"]

    good = await otp_login(client, code(secret, clock))
    assert not good.body.get("errors"), good.body
    tokens = good.data["auth_login"]
    assert tokens["access_token"]
    assert len(tokens["refresh_token"]) == 64


async def test_wrong_password_with_a_right_otp_is_invalid_credentials(
    client: httpx.AsyncClient, token: str, clock: SettableClock
) -> None:
    secret = await enable(client, token, clock)
    clock.advance(WINDOW)
    reply = await gql(
        client, LOGIN, {"email": EMAIL, "password": "nope", "otp": code(secret, clock)}
    )
    assert reply.codes == ["INVALID_CREDENTIALS"]


async def test_a_code_is_refused_when_replayed_in_its_window(
    client: httpx.AsyncClient, token: str, clock: SettableClock
) -> None:
    secret = await enable(client, token, clock)
    clock.advance(WINDOW)
    used = code(secret, clock)
    first = await otp_login(client, used)
    assert first.data["auth_login"]["access_token"]

    replay = await otp_login(client, used)
    assert "data" not in replay.body
    assert replay.codes == ["INVALID_OTP"]

    clock.advance(WINDOW)
    fresh = await otp_login(client, code(secret, clock))
    assert fresh.data["auth_login"]["access_token"]


async def test_the_code_used_to_enable_cannot_be_replayed_for_login(
    client: httpx.AsyncClient, token: str, clock: SettableClock
) -> None:
    secret = await enable(client, token, clock)
    replay = await otp_login(client, code(secret, clock))
    assert replay.codes == ["INVALID_OTP"]
    clock.advance(WINDOW)
    assert (await otp_login(client, code(secret, clock))).data["auth_login"]["access_token"]


async def test_an_old_code_from_an_earlier_window_is_refused(
    client: httpx.AsyncClient, token: str, clock: SettableClock
) -> None:
    secret = await enable(client, token, clock)
    clock.advance(WINDOW)
    stale = code(secret, clock)
    clock.advance(WINDOW * 4)
    if stale != code(secret, clock):
        assert (await otp_login(client, stale)).codes == ["INVALID_OTP"]
    assert (await otp_login(client, code(secret, clock))).data["auth_login"]["access_token"]


# Disable ---------------------------------------------------------------------------------


async def test_disable_with_a_wrong_otp_is_invalid_payload(
    client: httpx.AsyncClient, token: str, clock: SettableClock
) -> None:
    """As Directus: `Invalid payload. "otp" is invalid.`, with the reason beside the code."""
    secret = await enable(client, token, clock)
    clock.advance(WINDOW)
    reply = await gql(client, DISABLE, {"otp": wrong(code(secret, clock))}, token=token)
    assert "data" not in reply.body
    assert reply.body["errors"][0]["message"] == 'Invalid payload. "otp" is invalid.'
    assert reply.body["errors"][0]["extensions"] == {
        "code": "INVALID_PAYLOAD",
        "reason": '"otp" is invalid',
    }
    assert await tfa_secret(client, token) == "**********"
    assert (await otp_login(client, None)).codes == ["INVALID_OTP"]


async def test_disable_with_the_right_otp_turns_tfa_off(
    client: httpx.AsyncClient, token: str, clock: SettableClock
) -> None:
    secret = await enable(client, token, clock)
    clock.advance(WINDOW)
    reply = await gql(client, DISABLE, {"otp": code(secret, clock)}, token=token)
    assert reply.body == {"data": {"users_me_tfa_disable": True}}
    assert await tfa_secret(client, token) is None
    tokens = await login(client, EMAIL, PASSWORD)
    assert tokens["access_token"]


async def test_tfa_can_be_enabled_again_after_disabling(
    client: httpx.AsyncClient, token: str, clock: SettableClock
) -> None:
    old = await enable(client, token, clock)
    clock.advance(WINDOW)
    assert (await gql(client, DISABLE, {"otp": code(old, clock)}, token=token)).data == {
        "users_me_tfa_disable": True
    }
    clock.advance(WINDOW)
    new = await enable(client, token, clock)
    clock.advance(WINDOW)
    assert (await otp_login(client, code(new, clock))).data["auth_login"]["access_token"]


# Anonymous -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "variables", "field"),
    [
        (GENERATE, {"password": PASSWORD}, "users_me_tfa_generate"),
        (
            ENABLE,
            {"otp": "123456", "secret": "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"},
            "users_me_tfa_enable",
        ),
        (DISABLE, {"otp": "123456"}, "users_me_tfa_disable"),
    ],
)
async def test_anonymous_calls_answer_null_without_errors(
    client: httpx.AsyncClient, query: str, variables: dict[str, Any], field: str
) -> None:
    reply = await gql(client, query, variables)
    assert reply.status == 200
    assert reply.body == {"data": {field: None}}


# Roles enforcing TFA -----------------------------------------------------------------------


async def test_enforcing_role_sets_the_claim_until_tfa_is_enabled(
    client: httpx.AsyncClient, services: Services, clock: SettableClock
) -> None:
    async with services.db.write() as session:
        role = await policies_repo.add_role(
            session, Role(name="Strict"), {"enforce_tfa": True, "app_access": True}
        )
        session.add(
            User(
                email="strict@example.com",
                password=await services.hasher.hash(PASSWORD),
                status="active",
                role=role.id,
            )
        )

    tokens = await login(client, "strict@example.com", PASSWORD)
    assert claims_of(tokens["access_token"])["enforce_tfa"] is True

    access = tokens["access_token"]
    reply = await gql(client, GENERATE, {"password": PASSWORD}, token=access)
    secret = reply.data["users_me_tfa_generate"]["secret"]
    enabled = await gql(
        client, ENABLE, {"otp": code(secret, clock), "secret": secret}, token=access
    )
    assert enabled.data == {"users_me_tfa_enable": True}

    clock.advance(WINDOW)
    after = await gql(
        client,
        LOGIN,
        {"email": "strict@example.com", "password": PASSWORD, "otp": code(secret, clock)},
    )
    assert "enforce_tfa" not in claims_of(after.data["auth_login"]["access_token"])


async def test_a_role_without_enforcement_sets_no_claim(
    client: httpx.AsyncClient, token: str
) -> None:
    assert "enforce_tfa" not in claims_of(token)
