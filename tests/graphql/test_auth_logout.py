"""auth_logout: ends the session in every mode, and always says true."""

from __future__ import annotations

from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

import httpx

from tests.conftest import gql, login
from tests.graphql.helpers import (
    LOGOUT,
    ME_ID,
    MISSING_REFRESH_MESSAGE,
    REFRESH,
    REFRESH_COOKIE,
    SESSION_COOKIE,
    cookie_header_for,
)
from tests.graphql_reply import GraphQLReply

INVALID_CREDENTIALS_BODY = {
    "errors": [
        {"message": "Invalid user credentials.", "extensions": {"code": "INVALID_CREDENTIALS"}}
    ]
}


def _logged_out(reply: GraphQLReply) -> None:
    assert reply.status == 200, reply.body
    assert "errors" not in reply.body, reply.body
    assert reply.data == {"auth_logout": True}


def _clears(cookie: str) -> bool:
    """True when a Set-Cookie header tells the browser to drop the cookie now."""
    value = cookie.split(";", 1)[0].split("=", 1)[1].strip('"')
    attributes = {}
    for part in cookie.split(";")[1:]:
        key, _, attribute = part.strip().partition("=")
        attributes[key.lower()] = attribute
    if attributes.get("max-age") == "0":
        return True
    expires = attributes.get("expires")
    return (
        value == "" and expires is not None and parsedate_to_datetime(expires) < datetime.now(UTC)
    )


async def test_json_logout_refuses_the_refresh_token_afterwards(
    client: httpx.AsyncClient,
) -> None:
    """After logout the refresh token cannot mint new access tokens."""
    token = (await login(client))["refresh_token"]
    _logged_out(await gql(client, LOGOUT, {"refresh_token": token}))
    reply = await gql(client, REFRESH, {"refresh_token": token})
    assert "data" not in reply.body
    assert reply.codes == ["INVALID_CREDENTIALS"]


async def test_cookie_logout_clears_the_cookie_and_ends_the_session(
    client: httpx.AsyncClient,
) -> None:
    """The browser is told to drop the cookie, and the value is dead server-side anyway."""
    await login(client, mode="cookie")
    token = client.cookies.get(REFRESH_COOKIE)
    assert token
    reply = await gql(client, LOGOUT, {"mode": "cookie"})
    _logged_out(reply)
    cookie = cookie_header_for(reply.response.headers, REFRESH_COOKIE)
    assert _clears(cookie), cookie
    assert "Path=/" in cookie
    assert client.cookies.get(REFRESH_COOKIE) is None

    stale = await gql(
        client, REFRESH, {"mode": "cookie"}, headers={"Cookie": f"{REFRESH_COOKIE}={token}"}
    )
    assert "data" not in stale.body
    assert stale.codes == ["INVALID_CREDENTIALS"]


async def test_session_logout_kills_the_session_jwt_at_once(client: httpx.AsyncClient) -> None:
    """A session JWT is only as alive as its session: logout ends it before its exp."""
    await login(client, mode="session")
    token = client.cookies.get(SESSION_COOKIE)
    assert token
    reply = await gql(client, LOGOUT, {"mode": "session"})
    _logged_out(reply)
    cookie = cookie_header_for(reply.response.headers, SESSION_COOKIE)
    assert _clears(cookie), cookie

    as_bearer = await gql(client, ME_ID, token=token)
    assert as_bearer.status == 401
    assert as_bearer.body == INVALID_CREDENTIALS_BODY
    as_cookie = await gql(client, ME_ID, headers={"Cookie": f"{SESSION_COOKIE}={token}"})
    assert as_cookie.status == 401
    assert as_cookie.body == INVALID_CREDENTIALS_BODY


async def test_logout_with_unknown_token_still_returns_true(client: httpx.AsyncClient) -> None:
    """Logout reveals nothing about whether the token existed."""
    _logged_out(await gql(client, LOGOUT, {"refresh_token": "y" * 64}))


async def test_logout_without_any_token_is_invalid_payload(client: httpx.AsyncClient) -> None:
    """With nothing to end, the request itself is malformed."""
    reply = await gql(client, LOGOUT)
    assert reply.status == 200
    assert "data" not in reply.body
    assert reply.codes == ["INVALID_PAYLOAD"]
    assert reply.body["errors"][0]["message"] == MISSING_REFRESH_MESSAGE
