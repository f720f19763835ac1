"""A passkey login under the password's protections: the per-address auth budget (options
and login both spend it), the access line's outcome (`login=ok`, or the reason class), one
login per assertion even when sent twice at once, and WEBAUTHN_USER_VERIFICATION=required."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import httpx
import pytest

from app.services.container import Services
from tests.conftest import create_user, gql, login
from tests.graphql.passkey_helpers import (
    OPTIONS,
    REGISTER,
    REGISTER_OPTIONS,
    login_options,
    passkey_login,
    register,
)
from tests.passkey_authenticator import SoftAuthenticator

EMAIL, PASSWORD = "guarded.passkey@example.com", "guarded-password-1"


class TestAuthBudget:
    @pytest.fixture
    def settings_overrides(self) -> dict[str, Any]:
        return {
            "rate_limiter_enabled": True,
            "rate_limiter_points": 50,
            "rate_limiter_duration": "60s",
            "rate_limiter_auth_points": 3,
            "rate_limiter_auth_duration": "60s",
        }

    async def test_options_and_login_spend_the_auth_budget(
        self, client: httpx.AsyncClient, services: Services
    ) -> None:
        await create_user(services, EMAIL, PASSWORD)
        token = (await login(client, EMAIL, PASSWORD))["access_token"]  # one point
        authenticator, _ = await register(client, token)
        options = await login_options(client, EMAIL)  # two
        reply = await passkey_login(client, authenticator.get(options))  # three
        assert reply.data["auth_login_passkey"]["access_token"]
        reply = await gql(client, OPTIONS, {"email": EMAIL})
        assert reply.status == 429
        assert reply.codes == ["REQUESTS_EXCEEDED"]
        reply = await passkey_login(client, authenticator.get(options))
        assert reply.codes == ["REQUESTS_EXCEEDED"]


async def test_each_passkey_login_is_logged_with_its_outcome(
    client: httpx.AsyncClient, services: Services, caplog: pytest.LogCaptureFixture
) -> None:
    await create_user(services, EMAIL, PASSWORD)
    token = (await login(client, EMAIL, PASSWORD))["access_token"]
    authenticator, _ = await register(client, token)
    copy = authenticator.clone()
    with caplog.at_level(logging.INFO):
        good = authenticator.get(await login_options(client))
        bad = authenticator.get(await login_options(client), origin="http://evil.example")
        cloned = copy.get(await login_options(client), count=1)
        codes = [
            (await passkey_login(client, good)).codes,
            (await passkey_login(client, good)).codes,  # its challenge was used
            (await passkey_login(client, bad)).codes,
            (await passkey_login(client, cloned)).codes,
        ]
    assert codes == [[], ["INVALID_CREDENTIALS"], ["INVALID_CREDENTIALS"], ["INVALID_CREDENTIALS"]]
    lines = [
        record.getMessage()
        for record in caplog.records
        if record.name == "app.access" and "PasskeyLogin" in record.getMessage()
    ]
    assert [line.split(" login=")[1] for line in lines] == [
        "ok",
        "failed reason=passkey",
        "failed reason=passkey",
        "failed reason=cloned",
    ]


async def test_one_assertion_sent_twice_at_once_logs_in_once(
    client: httpx.AsyncClient, services: Services
) -> None:
    await create_user(services, EMAIL, PASSWORD)
    token = (await login(client, EMAIL, PASSWORD))["access_token"]
    authenticator, _ = await register(client, token)
    credential = authenticator.get(await login_options(client))
    replies = await asyncio.gather(
        passkey_login(client, credential), passkey_login(client, credential)
    )
    assert sorted(reply.codes for reply in replies) == [[], ["INVALID_CREDENTIALS"]]


class TestVerificationRequired:
    @pytest.fixture
    def settings_overrides(self) -> dict[str, Any]:
        return {"webauthn_user_verification": "required"}

    async def test_an_authenticator_that_did_not_verify_its_user_is_refused(
        self, client: httpx.AsyncClient, services: Services
    ) -> None:
        await create_user(services, EMAIL, PASSWORD)
        token = (await login(client, EMAIL, PASSWORD))["access_token"]
        authenticator, _ = await register(client, token)
        options = await login_options(client)
        assert options["userVerification"] == "required"
        authenticator.user_verified = False
        reply = await passkey_login(client, authenticator.get(options))
        assert reply.codes == ["INVALID_CREDENTIALS"]
        authenticator.user_verified = True
        reply = await passkey_login(client, authenticator.get(await login_options(client)))
        assert reply.data["auth_login_passkey"]["access_token"]
        # Nor can it register.
        reply = await gql(client, REGISTER_OPTIONS, token=token)
        options = reply.data["users_me_passkey_register_options"]
        unverified = SoftAuthenticator(user_verified=False)
        reply = await gql(client, REGISTER, {"credential": unverified.create(options)}, token=token)
        assert reply.codes == ["INVALID_PAYLOAD"]
