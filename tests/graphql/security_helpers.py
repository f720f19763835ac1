"""Shared pieces for the hardening tests (issue 5): attempts, counters and the audit trail."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import pytest

from app.db.models import User
from app.services.container import Services
from tests.conftest import LOGIN, gql
from tests.graphql_reply import GraphQLReply

PEER_IP = "203.0.113.7"
VALIDATION = "GRAPHQL_VALIDATION"

ACTIVITY = """
query Activity {
  activity(sort: ["-timestamp", "-id"], limit: -1) {
    id action user timestamp ip user_agent origin collection item comment
  }
}
"""

USER_STATUS = "query Status($id: ID!) { users_by_id(id: $id) { id status } }"

UPDATE_SETTINGS = """
mutation Settings($data: update_directus_settings_input!) {
  update_settings(data: $data) { auth_login_attempts }
}
"""


def validation_messages(reply: GraphQLReply) -> list[str]:
    """The inner graphql messages of a 400 GRAPHQL_VALIDATION answer (asserting its shape)."""
    assert reply.status == 400, reply.body
    assert reply.codes == [VALIDATION], reply.body
    assert "data" not in reply.body, reply.body
    (error,) = reply.body["errors"]
    assert error["message"] == "GraphQL validation error.", error
    inner = error["extensions"]["errors"]
    assert inner, error
    return [str(item["message"]) for item in inner]


def count_verify(services: Services, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Wraps the app's password verification; returns the passwords it was asked to check."""
    calls: list[str] = []
    real: Callable[[str, str], Awaitable[bool]] = services.hasher.verify

    async def counting(password: str, hashed: str) -> bool:
        calls.append(password)
        return await real(password, hashed)

    monkeypatch.setattr(services.hasher, "verify", counting)
    return calls


def record_verified_hashes(services: Services, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Wraps the app's password verification; returns the stored hashes it compared against."""
    hashes: list[str] = []
    real: Callable[[str, str], Awaitable[bool]] = services.hasher.verify

    async def recording(password: str, hashed: str) -> bool:
        hashes.append(hashed)
        return await real(password, hashed)

    monkeypatch.setattr(services.hasher, "verify", recording)
    return hashes


async def attempt_login(
    client: httpx.AsyncClient,
    email: str,
    password: str,
    *,
    headers: dict[str, str] | None = None,
) -> GraphQLReply:
    """One auth_login in json mode, whatever its outcome."""
    return await gql(
        client, LOGIN, {"email": email, "password": password, "mode": "json"}, headers=headers
    )


async def failed_login(
    client: httpx.AsyncClient,
    email: str,
    password: str,
    *,
    code: str = "INVALID_CREDENTIALS",
    headers: dict[str, str] | None = None,
) -> None:
    reply = await attempt_login(client, email, password, headers=headers)
    # A rate-limited login alone in its document is an HTTP 429, as on REST (issue 15).
    assert reply.status == (429 if code == "REQUESTS_EXCEEDED" else 200), reply.body
    assert reply.codes == [code], reply.body
    assert reply.data == {"auth_login": None}, reply.body


async def read_user(services: Services, user_id: str) -> User:
    """The user's row as stored right now (a fresh unit of work)."""
    async with services.db.read() as session:
        user = await session.get(User, user_id)
        assert user is not None
        return user


async def activity_rows(client: httpx.AsyncClient, token: str) -> list[dict[str, Any]]:
    """Every row of the audit trail, newest first, read through the admin's GraphQL API."""
    reply = await gql(client, ACTIVITY, token=token)
    assert reply.status == 200, reply.body
    assert not reply.body.get("errors"), reply.body
    rows: list[dict[str, Any]] = reply.data["activity"]
    return rows


def actions_of(rows: list[dict[str, Any]]) -> list[str]:
    return [str(row["action"]) for row in rows]


async def set_login_attempts(client: httpx.AsyncClient, admin_token: str, attempts: int) -> None:
    """Project setting `auth_login_attempts` (Directus: suspend after that many failures)."""
    reply = await gql(
        client, UPDATE_SETTINGS, {"data": {"auth_login_attempts": attempts}}, token=admin_token
    )
    assert reply.body == {"data": {"update_settings": {"auth_login_attempts": attempts}}}
