"""Per-IP rate limits: 429 REQUESTS_EXCEEDED with Retry-After, and a stricter auth budget.

The Redis variant needs a Redis at 127.0.0.1:6379 (tests.conftest's `require_redis`).
"""

from __future__ import annotations

import re
import uuid
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
import redis.asyncio
from asgi_lifespan import LifespanManager
from starlette.applications import Starlette

from app.clock import SettableClock
from app.config import Settings
from app.main import create_app
from app.security.rate_limits import RateLimits
from app.services.container import Services
from tests.conftest import (
    ADMIN_EMAIL,
    ADMIN_PASSWORD,
    REDIS,
    app_client,
    create_user,
    gql,
)
from tests.databases import worker_redis_db
from tests.graphql.helpers import REFRESH
from tests.graphql.security_helpers import attempt_login, count_verify

PATH = "/graphql/system"
PING = "{ server_ping }"
POINTS = 5
DURATION_MS = 60_000
RETRY = re.compile(r"^Too many requests, retry after (\d+)ms\.$")

EMAIL = "limited@example.com"
PASSWORD = "limited-password-1"


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    return {
        "rate_limiter_enabled": True,
        "rate_limiter_points": POINTS,
        "rate_limiter_duration": "60s",
    }


@pytest.fixture
async def fresh_limits(services: Services) -> None:
    await services.rate_limits.reset()


@pytest.fixture
async def other_client(app: Starlette) -> AsyncIterator[httpx.AsyncClient]:
    """A second client on another address, to show the budget is per IP."""
    async with app_client(app, ("198.51.100.23", 6000)) as http:
        yield http


def assert_exceeded(response: httpx.Response) -> int:
    """A 429 in Directus's shape; returns the advertised wait in milliseconds."""
    assert response.status_code == 429, response.text
    body = response.json()
    assert set(body) == {"errors"}, body
    (error,) = body["errors"]
    assert error["extensions"] == {"code": "REQUESTS_EXCEEDED"}, body
    match = RETRY.match(error["message"])
    assert match is not None, error["message"]
    wait_ms = int(match.group(1))
    assert 0 < wait_ms <= DURATION_MS
    retry_after = response.headers.get("retry-after")
    assert retry_after is not None, response.headers
    assert retry_after.isdigit(), retry_after
    assert 0 < int(retry_after) <= DURATION_MS // 1000
    return wait_ms


async def use_up_budget(client: httpx.AsyncClient) -> None:
    for _ in range(POINTS):
        response = await client.post(PATH, json={"query": PING})
        assert response.status_code == 200, response.text
        assert response.json() == {"data": {"server_ping": "pong"}}


async def test_the_sixth_request_gets_429_with_retry_after(
    client: httpx.AsyncClient, fresh_limits: None
) -> None:
    await use_up_budget(client)
    assert_exceeded(await client.post(PATH, json={"query": PING}))


async def test_every_kind_of_request_counts(client: httpx.AsyncClient, fresh_limits: None) -> None:
    """Bad documents, GETs and malformed bodies spend the budget as well."""
    assert (await client.get(PATH, params={"query": PING})).status_code == 200
    assert (await client.post(PATH, json={"query": "{ nope }"})).status_code == 400
    malformed = await client.post(
        PATH, content=b"{not json", headers={"Content-Type": "application/json"}
    )
    assert malformed.status_code == 400
    assert (await client.post(PATH, json={})).status_code == 400
    assert (await client.post(PATH, json={"query": PING})).status_code == 200
    assert_exceeded(await client.get(PATH, params={"query": PING}))
    assert_exceeded(await client.post(PATH, json={"query": PING}))


async def test_a_limited_request_does_not_run(
    client: httpx.AsyncClient,
    services: Services,
    fresh_limits: None,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    await create_user(services, EMAIL, PASSWORD)
    await use_up_budget(client)
    verified = count_verify(services, monkeypatch)
    response = await client.post(
        PATH,
        json={
            "query": "mutation($e: String!, $p: String!) "
            "{ auth_login(email: $e, password: $p) { access_token } }",
            "variables": {"e": EMAIL, "p": PASSWORD},
        },
    )
    assert_exceeded(response)
    assert verified == []


async def test_the_budget_is_per_ip(
    client: httpx.AsyncClient, other_client: httpx.AsyncClient, fresh_limits: None
) -> None:
    await use_up_budget(client)
    assert_exceeded(await client.post(PATH, json={"query": PING}))
    served = await other_client.post(PATH, json={"query": PING})
    assert served.json() == {"data": {"server_ping": "pong"}}


class TestAuthBudget:
    """RATE_LIMITER_AUTH_POINTS: login, refresh, reset, registration and OTP share a stricter
    budget, spent before any password is hashed."""

    @pytest.fixture
    def settings_overrides(self) -> dict[str, Any]:
        return {
            "rate_limiter_enabled": True,
            "rate_limiter_points": 50,
            "rate_limiter_duration": "60s",
            "rate_limiter_auth_points": 2,
            "rate_limiter_auth_duration": "60s",
        }

    async def test_the_third_login_is_refused_before_hashing(
        self,
        client: httpx.AsyncClient,
        services: Services,
        fresh_limits: None,
        monkeypatch: pytest.MonkeyPatch,
    ) -> None:
        await create_user(services, EMAIL, PASSWORD)
        verified = count_verify(services, monkeypatch)

        first = await attempt_login(client, EMAIL, "wrong-password")
        assert first.codes == ["INVALID_CREDENTIALS"]
        second = await attempt_login(client, EMAIL, PASSWORD)
        assert not second.body.get("errors"), second.body
        assert len(verified) == 2

        third = await attempt_login(client, EMAIL, PASSWORD)
        # The limited mutation is the document's only field: HTTP 429 with Retry-After, as
        # the REST twin answers (this was a 200 before issue 15).
        assert third.status == 429, third.body
        assert third.codes == ["REQUESTS_EXCEEDED"], third.body
        assert "data" not in third.body
        (error,) = third.body["errors"]
        match = RETRY.match(error["message"])
        assert match is not None, error
        assert 0 < int(match.group(1)) <= DURATION_MS
        retry_after = third.response.headers.get("retry-after", "")
        assert retry_after.isdigit(), third.response.headers
        assert 0 < int(retry_after) <= DURATION_MS // 1000
        assert int(retry_after) * 1000 >= int(match.group(1))
        assert len(verified) == 2

    async def test_graphql_and_rest_answer_a_limited_login_alike(
        self, client: httpx.AsyncClient, services: Services, fresh_limits: None
    ) -> None:
        await create_user(services, EMAIL, PASSWORD)
        for _ in range(2):
            await attempt_login(client, EMAIL, "wrong-password")
        graphql = await attempt_login(client, EMAIL, PASSWORD)
        rest = await client.post("/auth/login", json={"email": EMAIL, "password": PASSWORD})
        for status, headers, codes in (
            (graphql.status, graphql.response.headers, graphql.codes),
            (
                rest.status_code,
                rest.headers,
                [error["extensions"]["code"] for error in rest.json()["errors"]],
            ),
        ):
            assert status == 429
            assert headers["retry-after"].isdigit()
            assert codes == ["REQUESTS_EXCEEDED"]

    async def test_a_limited_refresh_alone_is_a_429(
        self, client: httpx.AsyncClient, services: Services, fresh_limits: None
    ) -> None:
        await create_user(services, EMAIL, PASSWORD)
        login = await attempt_login(client, EMAIL, PASSWORD)
        refresh_token = login.data["auth_login"]["refresh_token"]
        await gql(client, REFRESH, {"refresh_token": refresh_token})
        limited = await gql(client, REFRESH, {"refresh_token": refresh_token})
        assert limited.status == 429, limited.body
        assert limited.response.headers["retry-after"].isdigit()
        assert limited.codes == ["REQUESTS_EXCEEDED"]

    async def test_with_other_root_fields_answered_the_answer_stays_200(
        self, client: httpx.AsyncClient, services: Services, fresh_limits: None
    ) -> None:
        """Only one field was limited and the others were answered, so the document is not
        a 429: the limited field carries the code."""
        for _ in range(2):
            await attempt_login(client, ADMIN_EMAIL, "wrong-password")
        mixed = await gql(
            client,
            "mutation($e: String!, $p: String!) { "
            "auth_login(email: $e, password: $p) { access_token } __typename }",
            {"e": ADMIN_EMAIL, "p": ADMIN_PASSWORD},
        )
        assert mixed.status == 200, mixed.body
        assert "retry-after" not in mixed.response.headers
        assert mixed.data == {"auth_login": None, "__typename": "Mutation"}
        assert mixed.codes == ["REQUESTS_EXCEEDED"]

    async def test_when_every_root_field_is_limited_it_is_a_429(
        self, client: httpx.AsyncClient, services: Services, fresh_limits: None
    ) -> None:
        for _ in range(2):
            await attempt_login(client, ADMIN_EMAIL, "wrong-password")
        reply = await gql(
            client,
            "mutation($e: String!, $p: String!) { "
            "auth_login(email: $e, password: $p) { access_token } "
            'auth_password_request(email: "nobody@example.com") }',
            {"e": ADMIN_EMAIL, "p": ADMIN_PASSWORD},
        )
        assert reply.status == 429, reply.body
        assert reply.response.headers["retry-after"].isdigit()
        assert "data" not in reply.body
        assert reply.codes == ["REQUESTS_EXCEEDED", "REQUESTS_EXCEEDED"]

    async def test_refresh_and_reset_share_the_auth_budget(
        self, client: httpx.AsyncClient, services: Services, fresh_limits: None
    ) -> None:
        await create_user(services, EMAIL, PASSWORD)
        login = await attempt_login(client, EMAIL, PASSWORD)
        refresh_token = login.data["auth_login"]["refresh_token"]
        refreshed = await gql(client, REFRESH, {"refresh_token": refresh_token})
        assert not refreshed.body.get("errors"), refreshed.body

        limited = await gql(client, REFRESH, {"refresh_token": refresh_token})
        assert limited.codes == ["REQUESTS_EXCEEDED"], limited.body
        reset = await gql(client, 'mutation { auth_password_request(email: "a@example.com") }')
        assert reset.codes == ["REQUESTS_EXCEEDED"], reset.body

    async def test_other_queries_are_still_served(
        self, client: httpx.AsyncClient, fresh_limits: None
    ) -> None:
        for _ in range(3):
            await attempt_login(client, ADMIN_EMAIL, "wrong-password")
        assert (await attempt_login(client, ADMIN_EMAIL, ADMIN_PASSWORD)).codes == [
            "REQUESTS_EXCEEDED"
        ]
        assert (await gql(client, PING)).body == {"data": {"server_ping": "pong"}}

    async def test_the_auth_budget_is_per_ip(
        self,
        client: httpx.AsyncClient,
        other_client: httpx.AsyncClient,
        fresh_limits: None,
    ) -> None:
        for _ in range(3):
            await attempt_login(client, ADMIN_EMAIL, "wrong-password")
        other = await attempt_login(other_client, ADMIN_EMAIL, ADMIN_PASSWORD)
        assert not other.body.get("errors"), other.body


async def redis_client_names() -> set[str]:
    """Names of the connections Redis has open right now."""
    probe = redis.asyncio.Redis(host=REDIS[0], port=REDIS[1])
    try:
        return {str(entry.get("name", "")) for entry in await probe.client_list()}
    finally:
        await probe.aclose()


class TestRedisStore:
    @pytest.fixture
    def client_name(self) -> str:
        """A name of this test's own, to find the app's connections in CLIENT LIST."""
        return f"dauth-rate-limit-test-{uuid.uuid4().hex[:12]}"

    @pytest.fixture
    def settings_overrides(self, require_redis: None, client_name: str) -> dict[str, Any]:
        return {
            "rate_limiter_enabled": True,
            "rate_limiter_points": POINTS,
            "rate_limiter_duration": "60s",
            "rate_limiter_store": "redis",
            # A database of this worker's own: these tests reset every counter in it.
            "rate_limiter_redis": (
                f"redis://{REDIS[0]}:{REDIS[1]}/{worker_redis_db()}?client_name={client_name}"
            ),
        }

    async def test_the_sixth_request_gets_429_with_retry_after(
        self,
        client: httpx.AsyncClient,
        other_client: httpx.AsyncClient,
        fresh_limits: None,
    ) -> None:
        await use_up_budget(client)
        assert_exceeded(await client.post(PATH, json={"query": PING}))
        served = await other_client.post(PATH, json={"query": PING})
        assert served.json() == {"data": {"server_ping": "pong"}}

    async def test_shutdown_closes_the_redis_connections(
        self, settings: Settings, clock: SettableClock, client_name: str
    ) -> None:
        application = create_app(settings, clock)
        limits: RateLimits = application.state.services.rate_limits
        async with LifespanManager(application):
            await limits.reset()
            await limits.hit_request("192.0.2.1")
            assert client_name in await redis_client_names()
        assert client_name not in await redis_client_names()
