"""One log line per request, and never a password, token or secret in any log line."""

from __future__ import annotations

import json
import logging
from typing import Any

import httpx
import pytest

from app.config import Settings
from app.logging_setup import JsonFormatter
from tests.conftest import ADMIN_EMAIL, ADMIN_PASSWORD, LOGIN, TEST_SECRET, gql, login

REFRESH = "mutation($t: String) { auth_refresh(refresh_token: $t) { access_token refresh_token } }"


def _access_lines(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [record for record in caplog.records if record.name == "app.access"]


async def test_each_request_logs_one_line_with_operation_status_and_user(
    client: httpx.AsyncClient, caplog: pytest.LogCaptureFixture
) -> None:
    tokens = await login(client)
    caplog.clear()
    with caplog.at_level(logging.INFO, logger="app.access"):
        await gql(client, "query Me { users_me { id } }", token=tokens["access_token"])
        await gql(client, "{ server_ping server_info { websocket } }")
        await client.get("/nope?access_token=secret-in-the-query")
    lines = _access_lines(caplog)
    assert [(r.method, r.path, r.operation, r.status) for r in lines] == [  # type: ignore[attr-defined]
        ("POST", "/graphql/system", "Me", 200),
        ("POST", "/graphql/system", "server_ping,server_info", 200),
        ("GET", "/nope", None, 404),
    ]
    assert lines[0].user  # type: ignore[attr-defined]
    assert lines[1].user is None  # type: ignore[attr-defined]
    assert all(isinstance(r.duration_ms, float) for r in lines)  # type: ignore[attr-defined]
    assert "secret-in-the-query" not in caplog.text


async def test_no_secret_reaches_any_log_line(
    client: httpx.AsyncClient, caplog: pytest.LogCaptureFixture, settings: Settings
) -> None:
    """Logins, refreshes, failures and a database fault, all at DEBUG: nothing secret leaks."""
    with caplog.at_level(logging.DEBUG):
        tokens = await login(client)
        await gql(client, LOGIN, {"email": ADMIN_EMAIL, "password": "wrong-password-9"})
        refreshed = await gql(client, REFRESH, {"t": tokens["refresh_token"]})
        await gql(
            client,
            'mutation { update_users_me(data: {token: "static-secret-token-1"}) { id } }',
            token=tokens["access_token"],
        )
        await gql(
            client,
            'mutation { create_users_item(data: {email: "ADMIN@example.com", '
            'password: "another-secret-pass"}) { id } }',
            token=tokens["access_token"],
        )
    secrets = [
        ADMIN_PASSWORD,
        "wrong-password-9",
        "static-secret-token-1",
        "another-secret-pass",
        tokens["access_token"],
        tokens["refresh_token"],
        refreshed.data["auth_refresh"]["refresh_token"],
        TEST_SECRET,
        "$argon2",
    ]
    text = caplog.text + "".join(str(record.__dict__) for record in caplog.records)
    for secret in secrets:
        assert secret not in text


def test_json_style_lines_are_json_with_the_request_fields() -> None:
    record = logging.LogRecord("app.access", logging.INFO, __file__, 1, "POST /x", None, None)
    extra: dict[str, Any] = {
        "method": "POST",
        "path": "/graphql/system",
        "operation": "Me",
        "status": 200,
        "duration_ms": 1.5,
        "user": "u-1",
    }
    record.__dict__.update(extra)
    line = json.loads(JsonFormatter().format(record))
    assert {key: line[key] for key in extra} == extra
    assert line["level"] == "info"
    assert line["logger"] == "app.access"
