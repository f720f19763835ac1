"""A real `dauth serve` process on a PostgreSQL (and Redis) of the test's own, and the few
requests the fault tests send it."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx

from tests.e2e.server_process import RunningServer, running_server
from tests.faults.processes import Postgres, execute
from tests.graphql_reply import GraphQLReply, post_graphql
from tests.leaks import leak_in

ADMIN_EMAIL = "owner@example.com"
ADMIN_PASSWORD = "fault-password-1"
# A request may take this long at most; a hang fails the test (httpx.ReadTimeout).
CLIENT_TIMEOUT_S = 20

TOKENS = "{ access_token refresh_token }"
LOGIN = f"mutation L($e: String!, $p: String!) {{ auth_login(email: $e, password: $p) {TOKENS} }}"
REFRESH = f"mutation R($t: String!) {{ auth_refresh(refresh_token: $t) {TOKENS} }}"
ME = "{ users_me { email } }"
LIST = '{ roles(sort: ["name"]) { name } users(limit: 5) { email } }'
CREATE = (
    "mutation C($data: [create_directus_users_input!]) { create_users_items(data: $data) { id } }"
)


# What every fault test's server starts with: its secret, its first admin, cheap hashes.
SERVER_ENV = {
    "SECRET": "fault-secret-long-enough-for-hs256-0123456789",
    "ADMIN_EMAIL": ADMIN_EMAIL,
    "ADMIN_PASSWORD": ADMIN_PASSWORD,
    "HASH_MEMORY_COST": "1024",
    "HASH_TIME_COST": "1",
    "HASH_PARALLELISM": "1",
}


def base_env(db_url: str, extra: Mapping[str, str] | None = None) -> dict[str, str]:
    return {
        **SERVER_ENV,
        "LOGIN_STALL_TIME": "0",
        "DB_CLIENT": "pg",
        "DB_CONNECTION_STRING": db_url,
        "DB_POOL_MAX": "4",
        "DB_CONNECT_TIMEOUT": "2s",
        **(extra or {}),
    }


@contextmanager
def served_on_postgres(
    postgres: Postgres,
    workdir: Path,
    extra: Mapping[str, str] | None = None,
    *,
    db_port: int | None = None,
) -> Iterator[RunningServer]:
    """A fresh database on `postgres`, bootstrapped and served (through `db_port` when a
    proxy such as PgBouncer stands in front)."""
    execute(postgres.url(), 'CREATE DATABASE "dauth"')
    with running_server(workdir, base_env(postgres.url("dauth", db_port), extra)) as server:
        yield server


def gql(
    server: RunningServer,
    query: str,
    variables: Mapping[str, Any] | None = None,
    token: str | None = None,
) -> GraphQLReply:
    reply = post_graphql(server.url, query, variables, token=token, timeout=CLIENT_TIMEOUT_S)
    leak = leak_in(reply.response.text)
    assert leak is None, f"response leaks {leak!r}"
    return reply


def rest(server: RunningServer, method: str, path: str, **kwargs: Any) -> httpx.Response:
    return httpx.request(method, f"{server.url}{path}", timeout=CLIENT_TIMEOUT_S, **kwargs)


def login(server: RunningServer) -> dict[str, str]:
    reply = gql(server, LOGIN, {"e": ADMIN_EMAIL, "p": ADMIN_PASSWORD})
    tokens: dict[str, str] = reply.data["auth_login"]
    return tokens


def unavailable(reply: GraphQLReply) -> bool:
    """A GraphQL answer that is exactly the coded outage, nothing else."""
    return reply.codes == ["SERVICE_UNAVAILABLE"] and "Service unavailable" in str(reply.body)
