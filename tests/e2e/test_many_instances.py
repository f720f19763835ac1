"""Three real instances (A, B, C) on one PostgreSQL database and one Redis.

Whatever a client does on one instance holds on the others: sessions and refresh rotation
(the database), the per-IP rate limits (Redis) and the account lockout (the database).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest

from tests.e2e.instances import (
    ADMIN_EMAIL,
    ADMIN_PASSWORD,
    SESSION_COOKIE,
    cluster_env,
    gql,
    random_ip,
    running_instances,
    shared_backends,
)
from tests.e2e.server_process import RunningServer
from tests.graphql.helpers import LOGOUT, REFRESH
from tests.graphql_reply import GraphQLReply

pytestmark = pytest.mark.e2e

LOGIN = """
mutation Login($email: String!, $password: String!, $mode: auth_mode) {
  auth_login(email: $email, password: $password, mode: $mode) {
    access_token refresh_token expires
  }
}
"""
ME = "{ users_me { email } }"
PING = "{ server_ping }"
CREATE_USER = """
mutation Create($data: create_directus_users_input!) {
  create_users_item(data: $data) { email }
}
"""
OPEN_REGISTRATION = """
mutation { update_settings(data: {public_registration: true,
  public_registration_verify_email: false}) { public_registration } }
"""
REGISTER = """
mutation Register($email: String!, $password: String!) {
  users_register(email: $email, password: $password)
}
"""
LOCKED_EMAIL = "locked@example.com"
LOCKED_PASSWORD = "locked-password-1"


# One cluster for the module: each test below uses its own login, user or client IP.
CLUSTER_ENV = {
    "REFRESH_TOKEN_REUSE_INTERVAL": "0",  # a rotated-out refresh token is spent at once
    "RATE_LIMITER_POINTS": "6",
    "RATE_LIMITER_DURATION": "60s",
    "AUTH_LOCKOUT_THRESHOLD": "3",
    "AUTH_LOCKOUT_DURATION": "15m",
}


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, RunningServer]]:
    """A, B and C on one fresh PostgreSQL database and one Redis; A bootstraps it."""
    with (
        shared_backends() as backends,
        running_instances(
            tmp_path_factory.mktemp("cluster"), cluster_env(backends, CLUSTER_ENV)
        ) as servers,
    ):
        yield servers


def login(
    server: RunningServer,
    password: str = ADMIN_PASSWORD,
    mode: str = "json",
    email: str = ADMIN_EMAIL,
) -> GraphQLReply:
    return gql(server, LOGIN, {"email": email, "password": password, "mode": mode})


def logged_in(server: RunningServer) -> dict[str, str]:
    reply = login(server)
    assert reply.status == 200, reply.body
    assert not reply.codes, reply.body
    tokens: dict[str, str] = reply.data["auth_login"]
    return tokens


def refresh(server: RunningServer, token: str) -> GraphQLReply:
    return gql(server, REFRESH, {"refresh_token": token, "mode": "json"})


def refused(reply: GraphQLReply, field: str) -> None:
    """The GraphQL shape of a refused login or refresh."""
    assert "data" not in reply.body, reply.body
    assert reply.codes == ["INVALID_CREDENTIALS"], reply.body


def test_login_refresh_and_logout_hold_across_instances(
    cluster: dict[str, RunningServer],
) -> None:
    a, b, c = cluster["A"], cluster["B"], cluster["C"]

    # Login on A; the access token is good on B (same SECRET, same database).
    first = logged_in(a)
    me = gql(b, ME, token=first["access_token"])
    assert me.body == {"data": {"users_me": {"email": ADMIN_EMAIL}}}

    # Refresh on B rotates the token A issued.
    rotated = refresh(b, first["refresh_token"])
    assert not rotated.codes, rotated.body
    second: dict[str, str] = rotated.data["auth_refresh"]
    assert second["refresh_token"] != first["refresh_token"]

    # Logout on C with B's token ends the login everywhere.
    logout = gql(c, LOGOUT, {"refresh_token": second["refresh_token"], "mode": "json"})
    assert logout.body == {"data": {"auth_logout": True}}
    refused(refresh(a, second["refresh_token"]), "auth_refresh")
    refused(refresh(b, first["refresh_token"]), "auth_refresh")


def test_spent_refresh_token_replayed_elsewhere_ends_the_login(
    cluster: dict[str, RunningServer],
) -> None:
    """REFRESH_TOKEN_REUSE_INTERVAL=0: a rotated-out token is spent at once on every instance,
    and replaying it (on C) revokes the successor another instance (B) handed out."""
    a, b, c = cluster["A"], cluster["B"], cluster["C"]
    first = logged_in(a)
    rotated = refresh(b, first["refresh_token"])
    assert not rotated.codes, rotated.body
    successor: str = rotated.data["auth_refresh"]["refresh_token"]

    refused(refresh(c, first["refresh_token"]), "auth_refresh")
    refused(refresh(a, successor), "auth_refresh")


def test_session_jwt_from_a_is_refused_on_b_after_logout_on_c(
    cluster: dict[str, RunningServer],
) -> None:
    a, b, c = cluster["A"], cluster["B"], cluster["C"]
    reply = login(a, mode="session")
    assert not reply.codes, reply.body
    assert reply.data["auth_login"]["access_token"] is None
    session_jwt = reply.response.cookies.get(SESSION_COOKIE)
    assert session_jwt, reply.response.headers

    before = gql(b, ME, token=session_jwt)
    assert before.body == {"data": {"users_me": {"email": ADMIN_EMAIL}}}

    logout = gql(c, LOGOUT, {"mode": "session"}, cookies={SESSION_COOKIE: session_jwt})
    assert logout.body == {"data": {"auth_logout": True}}

    for attempt in (
        gql(b, ME, token=session_jwt),
        gql(b, ME, cookies={SESSION_COOKIE: session_jwt}),
    ):
        assert attempt.status == 401, attempt.body
        assert attempt.codes == ["INVALID_CREDENTIALS"], attempt.body


def test_per_ip_rate_limit_counts_across_instances(cluster: dict[str, RunningServer]) -> None:
    """RATE_LIMITER_POINTS=6 per 60 s, counted in the shared Redis."""
    client = random_ip()  # a budget of its own, whatever the Redis already holds
    for name in ("A", "B", "C"):
        for _ in range(2):
            reply = gql(cluster[name], PING, ip=client)
            assert reply.status == 200, (name, reply.body)
            assert reply.body == {"data": {"server_ping": "pong"}}

    # The 7th request, on whichever instance, is over the shared budget.
    for name in ("A", "B", "C"):
        over = gql(cluster[name], PING, ip=client)
        assert over.status == 429, (name, over.body)
        assert over.codes == ["REQUESTS_EXCEEDED"], over.body
        retry_after = over.response.headers.get("Retry-After", "")
        assert retry_after.isdigit(), over.response.headers
        assert 1 <= int(retry_after) <= 60

    # Per IP: another client still gets through.
    other = gql(cluster["B"], PING, ip=random_ip())
    assert other.body == {"data": {"server_ping": "pong"}}


def test_registration_limit_counts_across_instances(cluster: dict[str, RunningServer]) -> None:
    """RATE_LIMITER_REGISTRATION_* is on by default (5 per 60 s per IP), counted in Redis."""
    a, b, c = cluster["A"], cluster["B"], cluster["C"]
    opened = gql(a, OPEN_REGISTRATION, token=logged_in(a)["access_token"])
    assert opened.body == {"data": {"update_settings": {"public_registration": True}}}

    def register(server: RunningServer, ip: str) -> GraphQLReply:
        email = f"joiner-{uuid.uuid4().hex[:12]}@example.com"
        return gql(server, REGISTER, {"email": email, "password": "joiner-password-1"}, ip=ip)

    client = random_ip()
    for server in (a, b, a, b, a):
        reply = register(server, client)
        assert reply.body == {"data": {"users_register": True}}, reply.body

    # The 6th, on the one instance that has seen none of them, is over the shared budget
    # (the registration's own: the field answers; RATE_LIMITER_POINTS=6 is not spent yet).
    over = register(c, client)
    assert over.status == 429, over.body
    assert "data" not in over.body
    assert over.codes == ["REQUESTS_EXCEEDED"], over.body
    retry_after = over.response.headers.get("Retry-After", "")
    assert retry_after.isdigit(), over.response.headers
    assert 1 <= int(retry_after) <= 60

    # Per IP: another client still registers.
    assert register(b, random_ip()).body == {"data": {"users_register": True}}


def test_account_lockout_counts_across_instances(cluster: dict[str, RunningServer]) -> None:
    """AUTH_LOCKOUT_THRESHOLD=3: one wrong password on each instance locks the account."""
    a, b, c = cluster["A"], cluster["B"], cluster["C"]
    admin = logged_in(b)
    created = gql(
        c,
        CREATE_USER,
        {"data": {"email": LOCKED_EMAIL, "password": LOCKED_PASSWORD, "status": "active"}},
        token=admin["access_token"],
    )
    assert created.body == {"data": {"create_users_item": {"email": LOCKED_EMAIL}}}
    assert not login(a, LOCKED_PASSWORD, email=LOCKED_EMAIL).codes  # the account works

    for server in (a, b, c):
        refused(login(server, "not-the-password", email=LOCKED_EMAIL), "auth_login")

    # Locked: even the right password is refused, on A and everywhere else.
    for server in (a, b, c):
        refused(login(server, LOCKED_PASSWORD, email=LOCKED_EMAIL), "auth_login")
    # Another account is not affected.
    assert not login(a).codes
