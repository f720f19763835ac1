"""IP_TRUST_PROXY: X-Forwarded-For counts only when the operator says a proxy sets it.

Otherwise any client could pick its own address: hide from the audit trail and dodge the
per-IP rate limit by sending a fresh X-Forwarded-For with each request.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from app.services.container import Services
from tests.conftest import ADMIN_EMAIL, ADMIN_PASSWORD, create_user, gql, login
from tests.graphql.security_helpers import PEER_IP, activity_rows, failed_login

PATH = "/graphql/system"
PING = {"query": "{ server_ping }"}
EMAIL = "proxied@example.com"
PASSWORD = "proxied-password-1"
FORWARDED_IP = "198.51.100.9"
CHAIN = f"{FORWARDED_IP}, 10.0.0.1, 10.0.0.2"


@pytest.fixture
async def user_id(services: Services) -> str:
    return (await create_user(services, EMAIL, PASSWORD)).id


async def failed_login_ips(client: httpx.AsyncClient) -> list[str]:
    admin = (await login(client, ADMIN_EMAIL, ADMIN_PASSWORD))["access_token"]
    rows = await activity_rows(client, admin)
    return [str(row["ip"]) for row in rows if row["action"] == "login.failed"]


async def ping(client: httpx.AsyncClient, forwarded: str | None) -> int:
    headers = {} if forwarded is None else {"X-Forwarded-For": forwarded}
    response = await client.post(PATH, json=PING, headers=headers)
    return response.status_code


class TestUntrusted:
    """IP_TRUST_PROXY=false (the default)."""

    async def test_forwarded_for_is_ignored_in_the_audit_trail(
        self, client: httpx.AsyncClient, user_id: str
    ) -> None:
        await failed_login(client, EMAIL, "wrong-password", headers={"X-Forwarded-For": CHAIN})
        assert await failed_login_ips(client) == [PEER_IP]

    async def test_forwarded_for_is_ignored_in_the_session_row(
        self, client: httpx.AsyncClient, user_id: str
    ) -> None:
        await gql(
            client,
            'mutation { auth_login(email: "proxied@example.com", password: "proxied-password-1")'
            " { access_token } }",
            headers={"X-Forwarded-For": CHAIN},
        )
        admin = (await login(client, ADMIN_EMAIL, ADMIN_PASSWORD))["access_token"]
        rows = await activity_rows(client, admin)
        assert {row["ip"] for row in rows if row["user"] == user_id} == {PEER_IP}


class TestTrusted:
    @pytest.fixture
    def settings_overrides(self) -> dict[str, Any]:
        return {"ip_trust_proxy": True}

    async def test_the_first_forwarded_address_is_recorded(
        self, client: httpx.AsyncClient, user_id: str
    ) -> None:
        await failed_login(client, EMAIL, "wrong-password", headers={"X-Forwarded-For": CHAIN})
        assert await failed_login_ips(client) == [FORWARDED_IP]

    async def test_without_the_header_the_peer_is_recorded(
        self, client: httpx.AsyncClient, user_id: str
    ) -> None:
        await failed_login(client, EMAIL, "wrong-password")
        assert await failed_login_ips(client) == [PEER_IP]


class TestUntrustedRateLimit:
    @pytest.fixture
    def settings_overrides(self) -> dict[str, Any]:
        return {
            "rate_limiter_enabled": True,
            "rate_limiter_points": 3,
            "rate_limiter_duration": 60,
        }

    async def test_rotating_forwarded_for_does_not_dodge_the_limit(
        self, client: httpx.AsyncClient, services: Services
    ) -> None:
        await services.rate_limits.reset()
        statuses = [await ping(client, f"198.51.100.{n}") for n in range(4)]
        assert statuses == [200, 200, 200, 429]


class TestTrustedRateLimit:
    @pytest.fixture
    def settings_overrides(self) -> dict[str, Any]:
        return {
            "ip_trust_proxy": True,
            "rate_limiter_enabled": True,
            "rate_limiter_points": 3,
            "rate_limiter_duration": 60,
            "rate_limiter_auth_points": 1,
        }

    async def test_the_forwarded_address_is_the_key(
        self, client: httpx.AsyncClient, services: Services
    ) -> None:
        await services.rate_limits.reset()
        assert [await ping(client, CHAIN) for _ in range(4)] == [200, 200, 200, 429]
        # Behind the same proxy, another client has its own budget…
        assert await ping(client, "198.51.100.10, 10.0.0.1") == 200
        # …and so does the proxy's own address, when it sends no header.
        assert await ping(client, None) == 200
        # Only the first address counts: a different hop list is the same client.
        assert await ping(client, f"{FORWARDED_IP}, 10.9.9.9") == 429

    async def test_the_auth_budget_uses_the_forwarded_address(
        self, client: httpx.AsyncClient, services: Services, user_id: str
    ) -> None:
        await services.rate_limits.reset()
        first = {"X-Forwarded-For": CHAIN}
        second = {"X-Forwarded-For": "198.51.100.10"}
        await failed_login(client, EMAIL, "wrong-password", headers=first)
        await failed_login(client, EMAIL, "wrong-password", code="REQUESTS_EXCEEDED", headers=first)
        await failed_login(client, EMAIL, "wrong-password", headers=second)
