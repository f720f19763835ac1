"""Redis (rate limits and the subscription channel) stopped under a real server: logins,
refreshes, reads and subscriptions go on, the limits are counted in the process's memory
with one warning, and once Redis is back the counts are kept there again."""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.server_process import RunningServer, running_server
from tests.e2e.sockets import next_message, subscription, users_mutated
from tests.faults.processes import Redis, running
from tests.faults.served import ADMIN_EMAIL, ADMIN_PASSWORD, LOGIN, ME, REFRESH, SERVER_ENV
from tests.graphql_reply import GraphQLReply, post_graphql

pytestmark = pytest.mark.e2e

AUTH_POINTS = 5
CREATE = "mutation($e: String!) { create_users_item(data: {email: $e}) { id } }"


@pytest.fixture(scope="module")
def redis() -> Iterator[Redis]:
    with running(Redis()) as service:
        yield service


@pytest.fixture(scope="module")
def server(redis: Redis, tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    env = {
        **SERVER_ENV,
        "LOGIN_STALL_TIME": "0",
        "RATE_LIMITER_ENABLED": "true",
        "RATE_LIMITER_STORE": "redis",
        "RATE_LIMITER_REDIS": redis.url(),
        "RATE_LIMITER_POINTS": "1000",
        "RATE_LIMITER_AUTH_POINTS": str(AUTH_POINTS),
        "RATE_LIMITER_AUTH_DURATION": "60",
        "MESSENGER_STORE": "redis",
        "MESSENGER_REDIS": redis.url(),
        "IP_TRUST_PROXY": "true",
    }
    workdir: Path = tmp_path_factory.mktemp("served")
    with running_server(workdir, env, ready_headers={"X-Forwarded-For": "10.9.9.9"}) as served:
        yield served


def _as(server: RunningServer, ip: str, query: str, **variables: str) -> GraphQLReply:
    token = variables.pop("token", None)
    return post_graphql(
        server.url, query, variables, token=token, headers={"X-Forwarded-For": ip}, timeout=20
    )


def _ask(redis: Redis, command: bytes) -> bytes:
    """One inline command to the test's Redis, over raw RESP: its whole answer."""
    with socket.create_connection(("127.0.0.1", redis.port), timeout=5) as conn:
        conn.sendall(command + b"\r\n")
        return conn.recv(256)


def _keys(redis: Redis) -> int:
    answer = _ask(redis, b"DBSIZE")
    assert answer.startswith(b":"), answer
    return int(answer[1:].strip())


def _channel_listened(redis: Redis) -> bool:
    """Whether the server's listener is subscribed to the users channel again."""
    for _ in range(100):
        if not _ask(redis, b"PUBSUB NUMSUB directus:users").endswith(b":0\r\n"):
            return True
        time.sleep(0.1)
    return False


def _login_refresh_and_read(server: RunningServer, ip: str) -> None:
    tokens = _as(server, ip, LOGIN, e=ADMIN_EMAIL, p=ADMIN_PASSWORD).data["auth_login"]
    refreshed = _as(server, ip, REFRESH, t=tokens["refresh_token"]).data["auth_refresh"]
    me = _as(server, ip, ME, token=refreshed["access_token"])
    assert me.data == {"users_me": {"email": ADMIN_EMAIL}}


def _exceeds_after(server: RunningServer, ip: str, logins: int) -> bool:
    """Whether `logins` logins from `ip` pass and the next one is refused as too many."""
    for _ in range(logins):
        assert _as(server, ip, LOGIN, e=ADMIN_EMAIL, p=ADMIN_PASSWORD).codes == []
    return _as(server, ip, LOGIN, e=ADMIN_EMAIL, p=ADMIN_PASSWORD).codes == ["REQUESTS_EXCEEDED"]


def test_limits_fall_back_to_memory_while_redis_is_down_and_return_to_it(
    redis: Redis, server: RunningServer
) -> None:
    _login_refresh_and_read(server, "10.1.0.1")
    assert _keys(redis) > 0, "the limits are counted in Redis"
    redis.stop()
    # A login, a refresh and a read (two auth points each round) from many clients.
    for n in range(10):
        _login_refresh_and_read(server, f"10.2.0.{n}")
    # The limits still hold, counted in the process's memory.
    assert _exceeds_after(server, "10.3.0.1", AUTH_POINTS)
    warnings = server.log.read_text().count("RATE_LIMITER_REDIS cannot be reached")
    assert warnings == 1, "one warning, not one per request"
    redis.start()
    assert _keys(redis) == 0
    # Redis is tried again a few seconds after the failure: within a bounded number of
    # requests the counts are kept there again.
    for n in range(60):
        if _keys(redis):
            break
        _login_refresh_and_read(server, f"10.4.0.{n}")
        time.sleep(0.5)
    assert _keys(redis) > 0
    assert "rate limits are shared again" in server.log.read_text()
    assert _exceeds_after(server, "10.5.0.1", AUTH_POINTS)
    assert "Traceback" not in server.log.read_text()


async def test_subscriptions_hear_this_process_while_redis_is_down(
    redis: Redis, server: RunningServer
) -> None:
    admin = _as(server, "10.6.0.1", LOGIN, e=ADMIN_EMAIL, p=ADMIN_PASSWORD)
    token = admin.data["auth_login"]["access_token"]
    redis.stop()
    try:
        async with subscription(server, token) as socket_:
            created = _as(server, "10.6.0.2", CREATE, e="down@example.com", token=token)
            assert created.codes == []
            event = users_mutated(await next_message(socket_))
            assert event["key"] == created.data["create_users_item"]["id"]
    finally:
        redis.start()
    assert "MESSENGER_REDIS cannot be reached" in server.log.read_text()
    # Back: the listener subscribes again and the channel carries the events.
    assert _channel_listened(redis)
    async with subscription(server, token) as socket_:
        created = _as(server, "10.6.0.3", CREATE, e="back@example.com", token=token)
        event = users_mutated(await next_message(socket_))
        assert event["key"] == created.data["create_users_item"]["id"]
    assert "Traceback" not in server.log.read_text()
