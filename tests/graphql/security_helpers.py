"""Shared pieces for the hardening tests (issue 5): attempts, counters and the audit trail."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any

import httpx
import pytest

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


def lockout_settings(
    threshold: int, duration: timedelta, maximum: timedelta, **extra: Any
) -> dict[str, Any]:
    """Settings with the temporary lockout on: `threshold` failures lock for `duration`,
    doubling up to `maximum`."""
    return {
        "auth_lockout_enabled": True,
        "auth_lockout_threshold": threshold,
        "auth_lockout_duration": int(duration.total_seconds() * 1000),
        "auth_lockout_max_duration": int(maximum.total_seconds() * 1000),
        **extra,
    }


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


def _record_verify(
    services: Services, monkeypatch: pytest.MonkeyPatch, argument: Callable[[str, str], str]
) -> list[str]:
    """Wraps the app's password verification; returns `argument(password, hash)` of each call."""
    calls: list[str] = []
    real: Callable[[str, str], Awaitable[bool]] = services.hasher.verify

    async def recording(password: str, hashed: str) -> bool:
        calls.append(argument(password, hashed))
        return await real(password, hashed)

    monkeypatch.setattr(services.hasher, "verify", recording)
    return calls


def count_verify(services: Services, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The passwords the app's password verification is asked to check, as it runs."""
    return _record_verify(services, monkeypatch, lambda password, _hashed: password)


def record_verified_hashes(services: Services, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The stored hashes the app's password verification compares against, as it runs."""
    return _record_verify(services, monkeypatch, lambda _password, hashed: hashed)


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
    assert "data" not in reply.body, reply.body


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
