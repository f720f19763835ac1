"""CORS (CORS_ENABLED, CORS_ORIGIN, CORS_CREDENTIALS) and the security headers every response
carries; HSTS only behind an https PUBLIC_URL."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import pytest

PATH = "/graphql/system"
ALLOWED = "https://app.example"
OTHER = "https://evil.example"
PING = {"query": "{ server_ping }"}

SECURITY_HEADERS = {
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
    "cache-control": "no-store",
}

Request = Callable[[httpx.AsyncClient], Awaitable[httpx.Response]]


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    return {"cors_enabled": True, "cors_origin": [ALLOWED]}


def preflight_headers(origin: str) -> dict[str, str]:
    return {
        "Origin": origin,
        "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "content-type, authorization",
    }


# CORS --------------------------------------------------------------------------------------------


async def test_a_preflight_from_the_allowed_origin_is_granted(client: httpx.AsyncClient) -> None:
    response = await client.options(PATH, headers=preflight_headers(ALLOWED))
    assert response.status_code in (200, 204), response.text
    assert response.headers["access-control-allow-origin"] == ALLOWED
    assert response.headers["access-control-allow-credentials"] == "true"
    assert "POST" in response.headers["access-control-allow-methods"]
    allowed_headers = response.headers["access-control-allow-headers"].lower()
    assert "authorization" in allowed_headers
    assert "content-type" in allowed_headers


async def test_a_preflight_from_another_origin_gets_nothing(client: httpx.AsyncClient) -> None:
    """Without Access-Control-Allow-Origin the browser lets no script read anything.

    (Allow-Credentials/-Methods/-Headers alone grant nothing; Directus's `cors` package sends
    Allow-Credentials for every origin too, so they are not asserted absent.)
    """
    response = await client.options(PATH, headers=preflight_headers(OTHER))
    assert response.status_code >= 400, response.text
    assert "access-control-allow-origin" not in response.headers
    assert OTHER not in str(response.headers)


async def test_a_request_from_the_allowed_origin_is_readable(client: httpx.AsyncClient) -> None:
    response = await client.post(PATH, json=PING, headers={"Origin": ALLOWED})
    assert response.json() == {"data": {"server_ping": "pong"}}
    assert response.headers["access-control-allow-origin"] == ALLOWED
    assert response.headers["access-control-allow-credentials"] == "true"


async def test_a_request_from_another_origin_is_not_readable(client: httpx.AsyncClient) -> None:
    response = await client.post(PATH, json=PING, headers={"Origin": OTHER})
    assert "access-control-allow-origin" not in response.headers
    assert OTHER not in str(response.headers)


async def test_the_allowed_origin_is_never_a_wildcard(client: httpx.AsyncClient) -> None:
    """Credentials with `*` would hand every site the user's cookies."""
    response = await client.options(PATH, headers=preflight_headers(ALLOWED))
    assert response.headers["access-control-allow-origin"] != "*"
    assert "origin" in response.headers.get("vary", "").lower() or (
        response.headers["access-control-allow-origin"] == ALLOWED
    )


class TestCorsDisabled:
    @pytest.fixture
    def settings_overrides(self) -> dict[str, Any]:
        return {}

    async def test_no_cors_headers_at_all(self, client: httpx.AsyncClient) -> None:
        response = await client.post(PATH, json=PING, headers={"Origin": ALLOWED})
        assert response.json() == {"data": {"server_ping": "pong"}}
        assert "access-control-allow-origin" not in response.headers
        preflight = await client.options(PATH, headers=preflight_headers(ALLOWED))
        assert "access-control-allow-origin" not in preflight.headers


class TestWildcardOrigin:
    """CORS_ORIGIN=* is a literal `*`: credentials never go with it (the Fetch spec forbids the
    pair, and Starlette would otherwise reflect every origin, cookies included)."""

    @pytest.fixture
    def settings_overrides(self) -> dict[str, Any]:
        return {"cors_enabled": True, "cors_origin": ["*"], "cors_credentials": True}

    async def test_a_preflight_gets_a_literal_star(self, client: httpx.AsyncClient) -> None:
        response = await client.options(PATH, headers=preflight_headers(OTHER))
        assert response.status_code in (200, 204), response.text
        assert response.headers["access-control-allow-origin"] == "*"
        assert "access-control-allow-credentials" not in response.headers

    async def test_a_request_with_a_cookie_gets_a_literal_star(
        self, client: httpx.AsyncClient
    ) -> None:
        response = await client.post(
            PATH, json=PING, headers={"Origin": OTHER, "Cookie": "directus_session_token=x"}
        )
        assert response.headers["access-control-allow-origin"] == "*"
        assert "access-control-allow-credentials" not in response.headers
        assert OTHER not in str(response.headers)

    async def test_origin_null_is_not_reflected(self, client: httpx.AsyncClient) -> None:
        response = await client.post(
            PATH, json=PING, headers={"Origin": "null", "Cookie": "directus_session_token=x"}
        )
        assert response.headers.get("access-control-allow-origin") in (None, "*")
        assert "access-control-allow-credentials" not in response.headers


class TestReflectedOrigin:
    """CORS_ORIGIN=true reflects the request's origin (as Directus does), but never `null`."""

    @pytest.fixture
    def settings_overrides(self) -> dict[str, Any]:
        return {"cors_enabled": True, "cors_origin": ["true"], "cors_credentials": True}

    async def test_a_real_origin_is_reflected(self, client: httpx.AsyncClient) -> None:
        response = await client.post(PATH, json=PING, headers={"Origin": OTHER})
        assert response.headers["access-control-allow-origin"] == OTHER
        assert response.headers["access-control-allow-credentials"] == "true"
        preflight = await client.options(PATH, headers=preflight_headers(OTHER))
        assert preflight.headers["access-control-allow-origin"] == OTHER

    async def test_origin_null_is_never_reflected(self, client: httpx.AsyncClient) -> None:
        response = await client.post(PATH, json=PING, headers={"Origin": "null"})
        assert "access-control-allow-origin" not in response.headers
        preflight = await client.options(PATH, headers=preflight_headers("null"))
        assert preflight.status_code >= 400
        assert "access-control-allow-origin" not in preflight.headers


class TestNullInTheList:
    @pytest.fixture
    def settings_overrides(self) -> dict[str, Any]:
        return {"cors_enabled": True, "cors_origin": [ALLOWED, "null"]}

    async def test_origin_null_is_never_reflected(self, client: httpx.AsyncClient) -> None:
        response = await client.post(PATH, json=PING, headers={"Origin": "null"})
        assert "access-control-allow-origin" not in response.headers
        allowed = await client.post(PATH, json=PING, headers={"Origin": ALLOWED})
        assert allowed.headers["access-control-allow-origin"] == ALLOWED


# Security headers ------------------------------------------------------------------------------


async def _served(client: httpx.AsyncClient) -> httpx.Response:
    return await client.post(PATH, json=PING)


async def _validation_error(client: httpx.AsyncClient) -> httpx.Response:
    return await client.post(PATH, json={"query": "{ nope }"})


async def _resolver_error(client: httpx.AsyncClient) -> httpx.Response:
    return await client.post(PATH, json={"query": "{ users { id } }"})


async def _bad_token(client: httpx.AsyncClient) -> httpx.Response:
    return await client.post(PATH, json=PING, headers={"Authorization": "Bearer a.b.c"})


async def _too_large(client: httpx.AsyncClient) -> httpx.Response:
    return await client.post(PATH, json={"query": "{ server_ping }", "pad": "x" * 2_000_000})


async def _unknown_route(client: httpx.AsyncClient) -> httpx.Response:
    return await client.get("/nowhere")


async def _mutation_over_get(client: httpx.AsyncClient) -> httpx.Response:
    return await client.get(PATH, params={"query": "mutation { auth_logout }"})


async def _graphiql(client: httpx.AsyncClient) -> httpx.Response:
    return await client.get(PATH, headers={"Accept": "text/html"})


async def _preflight(client: httpx.AsyncClient) -> httpx.Response:
    return await client.options(PATH, headers=preflight_headers(ALLOWED))


REQUESTS: dict[str, Request] = {
    "served": _served,
    "validation error": _validation_error,
    "resolver error": _resolver_error,
    "bad token": _bad_token,
    "too large": _too_large,
    "unknown route": _unknown_route,
    "mutation over GET": _mutation_over_get,
    "GraphiQL": _graphiql,
    "preflight": _preflight,
}


@pytest.mark.parametrize("kind", list(REQUESTS))
async def test_security_headers_on_every_response(client: httpx.AsyncClient, kind: str) -> None:
    response = await REQUESTS[kind](client)
    for name, value in SECURITY_HEADERS.items():
        assert response.headers.get(name) == value, (kind, response.status_code, name)
    assert response.headers.get("x-frame-options") in ("DENY", "SAMEORIGIN")
    assert "strict-transport-security" not in response.headers


class TestHttpsPublicUrl:
    @pytest.fixture
    def settings_overrides(self) -> dict[str, Any]:
        return {"public_url": "https://api.example"}

    @pytest.mark.parametrize("kind", ["served", "validation error", "unknown route"])
    async def test_hsts_is_sent(self, client: httpx.AsyncClient, kind: str) -> None:
        response = await REQUESTS[kind](client)
        hsts = response.headers.get("strict-transport-security", "")
        assert hsts.startswith("max-age="), response.headers
        assert int(hsts.split(";")[0].removeprefix("max-age=")) > 0
        assert response.headers.get("x-content-type-options") == "nosniff"
