"""RATE_LIMITER_REGISTRATION_*: users_register per client IP, on by default, counted alike
through GraphQL and REST (POST /users/register), in memory and in Redis.

The mail limit per inbox (RATE_LIMITER_EMAIL_*) is in test_mail_limits.py.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette

from app.db.models import new_id
from app.services.container import Services
from tests.conftest import REDIS, app_client, create_role, gql
from tests.databases import worker_redis_db
from tests.graphql.test_registration import REGISTER, enable_registration, user_rows
from tests.graphql_reply import GraphQLReply

PASSWORD = "newcomer-password-1"
POINTS = 5  # RATE_LIMITER_REGISTRATION_POINTS's default
DURATION_S = 60  # RATE_LIMITER_REGISTRATION_DURATION's default, in seconds as in Directus
RETRY = re.compile(r"^Too many requests, retry after (\d+)ms\.$")


@pytest.fixture
async def open_registration(services: Services, client: httpx.AsyncClient, admin_token: str) -> str:
    """Public registration on, straight to `active` (no mail): what is counted is the call."""
    role_id = new_id()
    await create_role(services, role_id, "Members")
    await enable_registration(client, admin_token, role_id, verify_email=False)
    return admin_token


@pytest.fixture
async def other_client(app: Starlette) -> AsyncIterator[httpx.AsyncClient]:
    """A client on another address, with a budget of its own."""
    async with app_client(app, ("198.51.100.23", 6000)) as http:
        yield http


async def register(
    client: httpx.AsyncClient, email: str, headers: dict[str, str] | None = None
) -> GraphQLReply:
    return await gql(client, REGISTER, {"email": email, "password": PASSWORD}, headers=headers)


async def use_up_budget(
    client: httpx.AsyncClient,
    prefix: str = "early",
    points: int = POINTS,
    headers: dict[str, str] | None = None,
) -> None:
    for index in range(points):
        reply = await register(client, f"{prefix}-{index}@example.com", headers)
        assert reply.body == {"data": {"users_register": True}}, reply.body


def assert_limited(reply: GraphQLReply, duration_s: int = DURATION_S) -> int:
    """A 429 with Retry-After, users_register null with REQUESTS_EXCEEDED; the wait in ms."""
    assert reply.status == 429, reply.body
    assert "data" not in reply.body
    assert reply.codes == ["REQUESTS_EXCEEDED"], reply.body
    (error,) = reply.body["errors"]
    match = RETRY.match(error["message"])
    assert match is not None, error
    wait_ms = int(match.group(1))
    assert 0 < wait_ms <= duration_s * 1000
    retry_after = reply.response.headers.get("retry-after", "")
    assert retry_after.isdigit(), reply.response.headers
    assert 0 < int(retry_after) <= duration_s
    assert int(retry_after) * 1000 >= wait_ms
    return wait_ms


async def test_the_sixth_registration_from_one_ip_is_a_429_and_creates_nobody(
    client: httpx.AsyncClient, open_registration: str
) -> None:
    """On by default, with RATE_LIMITER_ENABLED off: 5 per 60 s per IP."""
    await use_up_budget(client)
    assert_limited(await register(client, "late@example.com"))
    assert await user_rows(client, open_registration, "late@example.com") == []
    assert len(await user_rows(client, open_registration, "early-4@example.com")) == 1


async def test_graphql_and_rest_share_the_budget(
    client: httpx.AsyncClient, open_registration: str
) -> None:
    for index in range(3):
        reply = await register(client, f"graphql-{index}@example.com")
        assert reply.body == {"data": {"users_register": True}}
    for index in range(2):
        response = await client.post(
            "/users/register", json={"email": f"rest-{index}@example.com", "password": PASSWORD}
        )
        assert response.status_code == 204, response.text

    rest = await client.post(
        "/users/register", json={"email": "rest-late@example.com", "password": PASSWORD}
    )
    assert rest.status_code == 429, rest.text
    (error,) = rest.json()["errors"]
    assert error["extensions"] == {"code": "REQUESTS_EXCEEDED"}
    assert RETRY.match(error["message"]), error
    assert rest.headers["retry-after"].isdigit()
    assert_limited(await register(client, "graphql-late@example.com"))
    assert await user_rows(client, open_registration, "rest-late@example.com") == []


async def test_the_budget_is_per_ip(
    client: httpx.AsyncClient, other_client: httpx.AsyncClient, open_registration: str
) -> None:
    await use_up_budget(client)
    assert_limited(await register(client, "late@example.com"))
    served = await register(other_client, "elsewhere@example.com")
    assert served.body == {"data": {"users_register": True}}


async def test_with_another_root_field_answered_the_answer_stays_200(
    client: httpx.AsyncClient, open_registration: str
) -> None:
    await use_up_budget(client)
    mixed = await gql(
        client,
        "mutation($e: String!, $p: String!) { users_register(email: $e, password: $p) __typename }",
        {"e": "late@example.com", "p": PASSWORD},
    )
    assert mixed.status == 200, mixed.body
    assert "retry-after" not in mixed.response.headers
    assert mixed.data == {"users_register": None, "__typename": "Mutation"}
    assert mixed.codes == ["REQUESTS_EXCEEDED"]


async def test_other_operations_are_still_served(
    client: httpx.AsyncClient, open_registration: str
) -> None:
    await use_up_budget(client)
    assert (await gql(client, "{ server_ping }")).body == {"data": {"server_ping": "pong"}}
    me = await gql(client, "{ users_me { email } }", token=open_registration)
    assert me.status == 200, me.body


async def test_an_untrusted_x_forwarded_for_is_not_another_client(
    client: httpx.AsyncClient, open_registration: str
) -> None:
    """IP_TRUST_PROXY off (the default): the header is the client's own word, not its IP."""
    for index in range(POINTS):
        reply = await register(
            client, f"forged-{index}@example.com", {"X-Forwarded-For": f"192.0.2.{index + 1}"}
        )
        assert reply.body == {"data": {"users_register": True}}, reply.body
    assert_limited(await register(client, "late@example.com", {"X-Forwarded-For": "192.0.2.200"}))


class TestBehindATrustedProxy:
    @pytest.fixture
    def settings_overrides(self) -> dict[str, Any]:
        return {"ip_trust_proxy": True}

    async def test_each_forwarded_client_has_its_own_budget(
        self, client: httpx.AsyncClient, open_registration: str
    ) -> None:
        first = {"X-Forwarded-For": "192.0.2.10, 10.0.0.1"}
        await use_up_budget(client, headers=first)
        assert_limited(await register(client, "late@example.com", first))
        second = {"X-Forwarded-For": "192.0.2.11, 10.0.0.1"}
        served = await register(client, "second@example.com", second)
        assert served.body == {"data": {"users_register": True}}


class TestConfigured:
    @pytest.fixture
    def settings_overrides(self) -> dict[str, Any]:
        # As an operator writes them: a bare number of seconds, as in Directus.
        return {
            "rate_limiter_registration_points": "2",
            "rate_limiter_registration_duration": "3600",
        }

    async def test_points_and_duration_apply(
        self, client: httpx.AsyncClient, open_registration: str
    ) -> None:
        await use_up_budget(client, points=2)
        wait_ms = assert_limited(await register(client, "late@example.com"), 3600)
        assert wait_ms > 60_000  # an hour's window, not a minute's


class TestSwitchedOff:
    @pytest.fixture
    def settings_overrides(self) -> dict[str, Any]:
        return {"rate_limiter_registration_enabled": False}

    async def test_registrations_are_not_counted(
        self, client: httpx.AsyncClient, open_registration: str
    ) -> None:
        await use_up_budget(client, points=POINTS + 2)


class TestRedisStore:
    @pytest.fixture
    def settings_overrides(self, require_redis: None) -> dict[str, Any]:
        return {
            "rate_limiter_store": "redis",
            # A database of this worker's own: these tests reset every counter in it.
            "rate_limiter_redis": f"redis://{REDIS[0]}:{REDIS[1]}/{worker_redis_db()}",
        }

    @pytest.fixture
    async def fresh_limits(self, services: Services) -> None:
        await services.rate_limits.reset()

    async def test_the_sixth_registration_is_a_429_and_other_ips_go_on(
        self,
        client: httpx.AsyncClient,
        other_client: httpx.AsyncClient,
        fresh_limits: None,
        open_registration: str,
    ) -> None:
        await use_up_budget(client)
        assert_limited(await register(client, "late@example.com"))
        served = await register(other_client, "elsewhere@example.com")
        assert served.body == {"data": {"users_register": True}}
