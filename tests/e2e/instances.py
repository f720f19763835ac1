"""Several real server processes sharing one PostgreSQL database and one Redis.

`shared_backends()` gives a fresh PostgreSQL database (dropped afterwards) and a reachable
Redis, or skips (fails under CI) when either is down. `running_instances()` bootstraps the
database once, from the first instance, and serves it from every instance on its own port.
"""

from __future__ import annotations

import os
import random
import socket
from collections.abc import Iterator, Mapping
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NoReturn
from urllib.parse import urlsplit

import pytest

from tests import databases
from tests.e2e.server_process import RunningServer, running_server
from tests.graphql_reply import GraphQLReply, post_graphql
from tests.leaks import leak_in

REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379")

SECRET = "e2e-cluster-secret-long-enough-for-hs256-0123456789"
ADMIN_EMAIL = "owner@example.com"
ADMIN_PASSWORD = "e2e-cluster-password-1"
SESSION_COOKIE = "directus_session_token"

CHEAP = {
    "HASH_MEMORY_COST": "1024",
    "HASH_TIME_COST": "1",
    "HASH_PARALLELISM": "1",
    "LOGIN_STALL_TIME": "0",
}


def unavailable(message: str) -> NoReturn:
    """A missing service fails the run under CI and skips it on a developer's machine."""
    if databases.running_in_ci():
        pytest.fail(message)
    pytest.skip(message)


def redis_answers(url: str) -> str | None:
    """None when Redis answers PING at `url`, else why not (raw RESP: no client needed)."""
    parts = urlsplit(url)
    host, port = parts.hostname or "127.0.0.1", parts.port or 6379
    try:
        with socket.create_connection((host, port), timeout=2) as sock:
            sock.settimeout(2)
            sock.sendall(b"PING\r\n")
            answer = sock.recv(64)
    except OSError as error:
        return f"{type(error).__name__}: {error}"
    if not answer.startswith(b"+PONG"):
        return f"unexpected answer to PING: {answer!r}"
    return None


@dataclass(frozen=True)
class Backends:
    db_url: str
    redis_url: str


@contextmanager
def shared_backends() -> Iterator[Backends]:
    """A fresh, migrated PostgreSQL database for this test, and the shared Redis."""
    problem = redis_answers(REDIS_URL)
    if problem is not None:
        unavailable(f"Redis is not reachable at {REDIS_URL}: {problem}")
    try:
        name = databases.create_pg_database()
    except (OSError, ConnectionError) as error:
        unavailable(f"PostgreSQL is not reachable at {databases.PG_ADMIN_DSN}: {error}")
    try:
        yield Backends(db_url=databases.pg_url(name), redis_url=REDIS_URL)
    finally:
        databases.drop_pg_database(name)


def random_ip() -> str:
    """A 10.x address nobody else uses: a fresh rate-limit budget in the shared Redis."""
    generator = random.SystemRandom()
    return "10.{}.{}.{}".format(*(generator.randrange(1, 255) for _ in range(3)))


def cluster_env(backends: Backends, extra: Mapping[str, str]) -> dict[str, str]:
    """What every instance shares: secret, database, Redis, cheap hashing, trusted proxy."""
    return {
        "SECRET": SECRET,
        "ADMIN_EMAIL": ADMIN_EMAIL,
        "ADMIN_PASSWORD": ADMIN_PASSWORD,
        **CHEAP,
        "DB_CLIENT": "pg",
        "DB_CONNECTION_STRING": backends.db_url,
        "DB_POOL_MIN": "0",
        "DB_POOL_MAX": "4",
        "RATE_LIMITER_ENABLED": "true",
        "RATE_LIMITER_STORE": "redis",
        "RATE_LIMITER_REDIS": backends.redis_url,
        "RATE_LIMITER_POINTS": "1000",
        "RATE_LIMITER_DURATION": "60s",
        "RATE_LIMITER_AUTH_POINTS": "1000",
        "RATE_LIMITER_AUTH_DURATION": "60s",
        # Every request below names its own client in X-Forwarded-For: all come from loopback.
        "IP_TRUST_PROXY": "true",
        **extra,
    }


@contextmanager
def running_instances(
    tmp_path: Path, env: Mapping[str, str], names: tuple[str, ...] = ("A", "B", "C")
) -> Iterator[dict[str, RunningServer]]:
    """One server per name, each in its own folder and port; the first one bootstraps."""
    servers: dict[str, RunningServer] = {}
    with ExitStack() as stack:
        for index, name in enumerate(names):
            workdir = tmp_path / f"instance-{name.lower()}"
            workdir.mkdir()
            servers[name] = stack.enter_context(
                running_server(
                    workdir,
                    dict(env),
                    bootstrap=index == 0,
                    ready_headers={"X-Forwarded-For": random_ip()},
                )
            )
        yield servers


def gql(
    server: RunningServer,
    query: str,
    variables: Mapping[str, Any] | None = None,
    *,
    ip: str | None = None,
    token: str | None = None,
    cookies: Mapping[str, str] | None = None,
) -> GraphQLReply:
    """POSTs to /graphql/system as client `ip` (a fresh one when not given)."""
    headers = {"X-Forwarded-For": ip or random_ip()}
    if cookies:
        headers["Cookie"] = "; ".join(f"{name}={value}" for name, value in cookies.items())
    reply = post_graphql(server.url, query, variables, token=token, headers=headers)
    leak = leak_in(reply.response.text)
    assert leak is None, f"response leaks {leak!r}: {reply.response.text[:500]}"
    return reply
