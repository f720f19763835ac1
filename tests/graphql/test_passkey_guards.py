"""A passkey login under the password's protections: the per-address auth budget (options
and login both spend it) and the access line's outcome (`login=ok`, or the reason class)."""

from __future__ import annotations

import logging
from typing import Any

import httpx
import pytest

from app.services.container import Services
from tests.conftest import create_user, gql, login
from tests.graphql.passkey_helpers import OPTIONS, login_options, passkey_login, register

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
