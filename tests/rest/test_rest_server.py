"""/server/ping and /server/health, and REST's answer to a route it does not have."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
import pytest

from app.services.container import Services
from tests.rest import admin_token, bearer, error


async def test_ping_answers_pong_as_text(client: httpx.AsyncClient) -> None:
    response = await client.get("/server/ping")
    assert response.status_code == 200
    assert response.text == "pong"
    # The SDK's serverPing() reads text/plain and text/html answers as text.
    assert response.headers["content-type"].split(";")[0] in ("text/plain", "text/html")


async def test_ping_with_a_token_answers_pong_too(client: httpx.AsyncClient) -> None:
    response = await client.get("/server/ping", headers=bearer(await admin_token(client)))
    assert response.status_code == 200
    assert response.text == "pong"


async def test_health_is_ok_for_anyone(client: httpx.AsyncClient) -> None:
    response = await client.get("/server/health")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/health+json")
    assert response.json()["status"] == "ok"


async def test_health_shows_its_checks_to_an_admin(client: httpx.AsyncClient) -> None:
    response = await client.get("/server/health", headers=bearer(await admin_token(client)))
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["checks"]["database"] == [{"status": "ok"}]


async def test_health_tells_the_public_only_the_status(client: httpx.AsyncClient) -> None:
    """Directus's docs: only authenticated admins also get releaseId, serviceId and checks."""
    response = await client.get("/server/health")
    assert response.json() == {"status": "ok"}


async def test_health_is_503_when_the_database_does_not_answer(
    client: httpx.AsyncClient, services: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    @asynccontextmanager
    async def unreachable() -> AsyncIterator[None]:
        raise ConnectionRefusedError("database is down")
        yield  # pragma: no cover

    monkeypatch.setattr(services.db, "read", unreachable)
    response = await client.get("/server/health")
    assert response.status_code == 503
    assert response.headers["content-type"].startswith("application/health+json")
    assert response.json()["status"] == "error"
    assert "database is down" not in response.text


async def test_a_route_rest_does_not_have_is_404_route_not_found(
    client: httpx.AsyncClient,
) -> None:
    response = await client.get("/no-such-route")
    assert response.status_code == 404
    assert response.json() == error("ROUTE_NOT_FOUND", "Route /no-such-route doesn't exist.")
