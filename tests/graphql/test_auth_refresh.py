"""auth_refresh: rotation in every mode, and the ways a refresh is refused."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import httpx

from app.clock import SettableClock
from app.services.container import Services
from tests.conftest import create_user, gql, login
from tests.graphql.helpers import (
    ME_ID,
    ME_LAST_ACCESS,
    MISSING_REFRESH_MESSAGE,
    REFRESH,
    REFRESH_COOKIE,
    SESSION_COOKIE,
    cookie_header_for,
    set_status,
)
from tests.graphql_reply import GraphQLReply

# REFRESH_TOKEN_REUSE_INTERVAL's default: a rotated token is answered, not refused, inside it.
REUSE_GRACE_SECONDS = 10
# SESSION_REFRESH_GRACE_PERIOD's default: a replaced session cookie still serves inside it.
SESSION_GRACE_SECONDS = 10


def _ok(reply: GraphQLReply) -> dict[str, str | None]:
    assert reply.status == 200, reply.body
    assert "errors" not in reply.body, reply.body
    tokens: dict[str, str | None] = reply.data["auth_refresh"]
    return tokens


def _refused(reply: GraphQLReply, code: str) -> None:
    assert reply.status == 200, reply.body
    assert "data" not in reply.body
    assert reply.codes == [code]


def _parse_date(value: str) -> datetime:
    when = datetime.fromisoformat(value.replace("Z", "+00:00"))
    return when if when.tzinfo is not None else when.replace(tzinfo=UTC)


async def test_json_refresh_rotates_the_refresh_token(
    client: httpx.AsyncClient, clock: SettableClock
) -> None:
    """A refresh hands out a new pair; the presented token is spent (past the reuse grace)."""
    old = (await login(client))["refresh_token"]
    tokens = _ok(await gql(client, REFRESH, {"refresh_token": old}))
    assert tokens["access_token"]
    assert tokens["expires"] == "900000"
    new = tokens["refresh_token"]
    assert isinstance(new, str)
    assert len(new) == 64
    assert new != old
    me = await gql(client, ME_ID, token=tokens["access_token"])
    assert me.data["users_me"]["id"]
    assert _ok(await gql(client, REFRESH, {"refresh_token": new}))["refresh_token"]

    clock.advance(timedelta(seconds=REUSE_GRACE_SECONDS + 1))
    _refused(await gql(client, REFRESH, {"refresh_token": old}), "INVALID_CREDENTIALS")


async def test_cookie_refresh_reads_and_rotates_the_cookie(
    client: httpx.AsyncClient, clock: SettableClock
) -> None:
    """Cookie mode needs no argument; the old cookie value stops working."""
    await login(client, mode="cookie")
    old = client.cookies.get(REFRESH_COOKIE)
    assert old
    reply = await gql(client, REFRESH, {"mode": "cookie"})
    tokens = _ok(reply)
    assert tokens["access_token"]
    assert tokens["refresh_token"] is None
    cookie = cookie_header_for(reply.response.headers, REFRESH_COOKIE)
    new = cookie.split(";", 1)[0].split("=", 1)[1]
    assert new
    assert new != old
    assert "Max-Age=604800" in cookie
    assert client.cookies.get(REFRESH_COOKIE) == new
    _ok(await gql(client, REFRESH, {"mode": "cookie"}))

    clock.advance(timedelta(seconds=REUSE_GRACE_SECONDS + 1))
    stale = await gql(
        client, REFRESH, {"mode": "cookie"}, headers={"Cookie": f"{REFRESH_COOKIE}={old}"}
    )
    _refused(stale, "INVALID_CREDENTIALS")


async def test_session_refresh_rotates_the_session_cookie(
    client: httpx.AsyncClient, clock: SettableClock
) -> None:
    """Session mode refreshes through the cookie; the old session JWT dies once
    SESSION_REFRESH_GRACE_PERIOD (10 s) is over (test_session_grace.py has the window)."""
    await login(client, mode="session")
    old = client.cookies.get(SESSION_COOKIE)
    assert old
    reply = await gql(client, REFRESH, {"mode": "session"})
    assert _ok(reply) == {"access_token": None, "refresh_token": None, "expires": "86400000"}
    cookie = cookie_header_for(reply.response.headers, SESSION_COOKIE)
    new = cookie.split(";", 1)[0].split("=", 1)[1]
    assert new
    assert new != old
    assert client.cookies.get(SESSION_COOKIE) == new

    clock.advance(timedelta(seconds=SESSION_GRACE_SECONDS + 1))
    stale = await gql(client, ME_ID, token=old)
    assert stale.status == 401
    assert stale.body == {
        "errors": [
            {"message": "Invalid user credentials.", "extensions": {"code": "INVALID_CREDENTIALS"}}
        ]
    }
    fresh = await gql(client, ME_ID, token=new)
    assert fresh.status == 200
    assert fresh.data["users_me"]["id"]


async def test_missing_refresh_token_is_invalid_payload(client: httpx.AsyncClient) -> None:
    """No argument and no cookie: the client sent nothing to refresh with."""
    for mode in ("json", "cookie", "session"):
        reply = await gql(client, REFRESH, {"mode": mode})
        _refused(reply, "INVALID_PAYLOAD")
        assert reply.body["errors"][0]["message"] == MISSING_REFRESH_MESSAGE


async def test_unknown_refresh_token_is_invalid_credentials(client: httpx.AsyncClient) -> None:
    """A token that was never issued is refused like a wrong password."""
    reply = await gql(client, REFRESH, {"refresh_token": "x" * 64})
    _refused(reply, "INVALID_CREDENTIALS")
    assert reply.body["errors"][0]["message"] == "Invalid user credentials."


async def test_expired_refresh_token_is_invalid_credentials(
    client: httpx.AsyncClient, clock: SettableClock
) -> None:
    """Past REFRESH_TOKEN_TTL (7 days) the session is gone."""
    token = (await login(client))["refresh_token"]
    clock.advance(timedelta(days=7, seconds=1))
    _refused(await gql(client, REFRESH, {"refresh_token": token}), "INVALID_CREDENTIALS")


async def test_expired_refresh_cookie_is_invalid_credentials(
    client: httpx.AsyncClient, clock: SettableClock
) -> None:
    """The refresh cookie's session expires after 7 days too, whatever the browser keeps."""
    await login(client, mode="cookie")
    clock.advance(timedelta(days=7, seconds=1))
    _refused(await gql(client, REFRESH, {"mode": "cookie"}), "INVALID_CREDENTIALS")


async def test_expired_session_cookie_is_token_expired(
    client: httpx.AsyncClient, clock: SettableClock
) -> None:
    """An expired session JWT fails request authentication before GraphQL runs."""
    await login(client, mode="session")
    clock.advance(timedelta(days=7, seconds=1))
    reply = await gql(client, REFRESH, {"mode": "session"})
    assert reply.status == 401
    assert reply.body == {
        "errors": [{"message": "Token expired.", "extensions": {"code": "TOKEN_EXPIRED"}}]
    }


async def test_suspended_user_refresh_is_user_suspended(
    client: httpx.AsyncClient, services: Services
) -> None:
    """A suspension ends the ability to refresh, with its own code."""
    user = await create_user(services, "soon-suspended@example.com", "user-password-1")
    token = (await login(client, "soon-suspended@example.com", "user-password-1"))["refresh_token"]
    await set_status(services, user.id, "suspended")
    reply = await gql(client, REFRESH, {"refresh_token": token})
    _refused(reply, "USER_SUSPENDED")
    assert reply.body["errors"][0]["message"] == "User suspended."


async def test_refresh_moves_last_access(
    client: httpx.AsyncClient, services: Services, clock: SettableClock
) -> None:
    """last_access follows the refreshes, not only the first login."""
    await create_user(services, "active@example.com", "user-password-1")
    first = await login(client, "active@example.com", "user-password-1")
    me = await gql(client, ME_LAST_ACCESS, token=first["access_token"])
    at_login = _parse_date(me.data["users_me"]["last_access"])

    clock.advance(timedelta(hours=2))
    tokens = _ok(await gql(client, REFRESH, {"refresh_token": first["refresh_token"]}))
    me = await gql(client, ME_LAST_ACCESS, token=tokens["access_token"])
    at_refresh = _parse_date(me.data["users_me"]["last_access"])
    assert abs((at_refresh - at_login) - timedelta(hours=2)) < timedelta(seconds=1)
    assert abs((at_refresh - clock.now()).total_seconds()) < 1


async def test_parallel_refreshes_share_one_successor(client: httpx.AsyncClient) -> None:
    """Tabs refreshing at once (inside REFRESH_TOKEN_REUSE_INTERVAL) all get the same
    successor; rotation still happens once. The strict variant is in
    test_auth_refresh_strict.py."""
    token = (await login(client))["refresh_token"]
    replies = await asyncio.gather(
        *(gql(client, REFRESH, {"refresh_token": token}) for _ in range(20))
    )
    successors = {_ok(reply)["refresh_token"] for reply in replies}
    assert len(successors) == 1
    successor = successors.pop()
    assert successor != token
    assert _ok(await gql(client, REFRESH, {"refresh_token": successor}))["refresh_token"]
