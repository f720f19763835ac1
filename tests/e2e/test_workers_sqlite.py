"""WORKERS=2 on one SQLite file: two processes write at once (WAL, BEGIN IMMEDIATE) and
nothing is lost or duplicated."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.server_process import running_server
from tests.graphql_reply import post_graphql

pytestmark = pytest.mark.e2e

ENV = {
    "SECRET": "workers-secret-long-enough-for-hs256-0123456789",
    "ADMIN_EMAIL": "owner@example.com",
    "ADMIN_PASSWORD": "owner-password-1",
    "HASH_MEMORY_COST": "1024",
    "HASH_TIME_COST": "1",
    "HASH_PARALLELISM": "1",
    "LOGIN_STALL_TIME": "0",
    "AUTH_LOCKOUT_ENABLED": "false",
    "WORKERS": "2",
}
CREATE = (
    'mutation($e: String!) { create_users_item(data: {email: $e, password: "pass-1234"}) { id } }'
)
LOGIN = (
    "mutation($e: String!, $p: String!) { auth_login(email: $e, password: $p) { access_token } }"
)


def post(url: str, query: str, variables: dict[str, Any], token: str | None = None) -> Any:
    return post_graphql(url, query, variables, token=token or None, timeout=30).body


def test_two_workers_write_one_sqlite_file_without_losing_anything(tmp_path: Path) -> None:
    with running_server(tmp_path, ENV) as server:
        token = post(server.url, LOGIN, {"e": "owner@example.com", "p": "owner-password-1"})[
            "data"
        ]["auth_login"]["access_token"]
        emails = [f"user{index}@example.com" for index in range(30)] + ["same@example.com"] * 10
        with ThreadPoolExecutor(max_workers=12) as pool:
            replies = list(pool.map(lambda e: post(server.url, CREATE, {"e": e}, token), emails))
            guesses = list(
                pool.map(
                    lambda _: post(server.url, LOGIN, {"e": "user0@example.com", "p": "wrong"}),
                    range(24),
                )
            )
        created = [reply for reply in replies if reply.get("data", {}).get("create_users_item")]
        refused = [
            reply["errors"][0]["extensions"]["code"] for reply in replies if "errors" in reply
        ]
        assert len(created) == 31
        assert refused == ["RECORD_NOT_UNIQUE"] * 9
        assert all(
            guess["errors"][0]["extensions"]["code"] == "INVALID_CREDENTIALS" for guess in guesses
        )

        listed = post(
            server.url,
            '{ users(limit: -1, filter: {email: {_ends_with: "@example.com"}}) { email } }',
            {},
            token,
        )["data"]["users"]
        assert sorted(user["email"] for user in listed) == sorted({*emails, "owner@example.com"})
        audit = post(
            server.url,
            '{ activity(limit: -1, filter: {action: {_eq: "login.failed"}}) { comment } }',
            {},
            token,
        )["data"]["activity"]
        # Every failure was counted once, in order, by whichever worker took it.
        counts = sorted(int(entry["comment"].split("=")[1]) for entry in audit)
        assert counts == list(range(1, 25))
