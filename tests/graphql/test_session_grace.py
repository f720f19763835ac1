"""Session mode: a cookie replaced by `auth_refresh(mode: session)` keeps working for
SESSION_REFRESH_GRACE_PERIOD (requests a tab sent before the new cookie came), and a dead
session cookie is cleared by the 401 that refuses it (GraphQL and REST)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx
import pytest

from app.clock import SettableClock
from tests.conftest import gql, login
from tests.graphql.helpers import (
    LOGOUT,
    ME_ID,
    REFRESH,
    SESSION_COOKIE,
    claims_of,
    cookie_header_for,
    set_cookie_headers,
)
from tests.graphql_reply import GraphQLReply
from tests.rest import INVALID_CREDENTIALS, TOKEN_EXPIRED, bearer

GRACE = timedelta(seconds=10)  # SESSION_REFRESH_GRACE_PERIOD's default
CLEARED = ("Max-Age=0", "Expires=Thu, 01 Jan 1970 00:00:00 GMT", "Path=/", "SameSite=Lax")


def as_cookie(value: str) -> dict[str, str]:
    return {"Cookie": f"{SESSION_COOKIE}={value}"}


async def session_login(client: httpx.AsyncClient) -> str:
    await login(client, mode="session")
    value = client.cookies.get(SESSION_COOKIE)
    assert value
    return value


async def session_refresh(client: httpx.AsyncClient, cookie: str) -> str:
    """A session refresh presenting `cookie`; the new cookie it answers."""
    reply = await gql(client, REFRESH, {"mode": "session"}, headers=as_cookie(cookie))
    assert reply.status == 200, reply.body
    assert reply.data == {
        "auth_refresh": {"access_token": None, "refresh_token": None, "expires": "86400000"}
    }, reply.body
    new = cookie_header_for(reply.response.headers, SESSION_COOKIE).split(";")[0].split("=", 1)[1]
    assert new
    return new


async def me(client: httpx.AsyncClient, cookie: str) -> str:
    reply = await gql(client, ME_ID, headers=as_cookie(cookie))
    assert reply.status == 200, reply.body
    user: str = reply.data["users_me"]["id"]
    return user


def assert_cleared(headers: httpx.Headers) -> None:
    attributes = [part.strip() for part in cookie_header_for(headers, SESSION_COOKIE).split(";")]
    assert attributes[0] == f"{SESSION_COOKIE}="
    for attribute in CLEARED:
        assert attribute in attributes


def assert_dead(reply: GraphQLReply, body: dict[str, Any] = INVALID_CREDENTIALS) -> None:
    """Refused before GraphQL runs, and told to drop the cookie."""
    assert reply.status == 401, reply.body
    assert reply.body == body
    assert_cleared(reply.response.headers)


async def test_replaced_cookie_serves_requests_until_the_grace_period_ends(
    client: httpx.AsyncClient, clock: SettableClock
) -> None:
    old = await session_login(client)
    user = await me(client, old)
    new = await session_refresh(client, old)

    clock.advance(GRACE - timedelta(seconds=1))
    assert await me(client, old) == user
    rest = await client.get("/users/me", headers=as_cookie(old))
    assert rest.status_code == 200
    assert rest.json()["data"]["id"] == user

    clock.advance(timedelta(seconds=1))
    assert_dead(await gql(client, ME_ID, headers=as_cookie(old)))
    rest = await client.get("/users/me", headers=as_cookie(old))
    assert (rest.status_code, rest.json()) == (401, INVALID_CREDENTIALS)
    assert_cleared(rest.headers)
    assert await me(client, new) == user


async def test_replaced_cookie_refreshes_inside_the_grace_period(
    client: httpx.AsyncClient, clock: SettableClock
) -> None:
    """A tab refreshing with the cookie another tab just replaced gets a cookie for the
    login's current session; nothing is revoked, and after the window it is refused."""
    old = await session_login(client)
    user = await me(client, old)
    new = await session_refresh(client, old)

    clock.advance(GRACE / 2)
    again = await session_refresh(client, old)
    assert again not in (old, new)
    assert await me(client, again) == user
    assert await me(client, new) == user

    # Through REST too, still inside the window.
    rest = await client.post("/auth/refresh", json={"mode": "session"}, headers=as_cookie(old))
    assert rest.status_code == 200, rest.json()
    assert rest.json() == {"data": {"expires": 86_400_000}}
    assert cookie_header_for(rest.headers, SESSION_COOKIE).split(";")[0] != f"{SESSION_COOKIE}="

    clock.advance(GRACE / 2)
    assert_dead(await gql(client, REFRESH, {"mode": "session"}, headers=as_cookie(old)))
    assert await me(client, new) == user
    assert await me(client, again) == user
    assert await me(client, await session_refresh(client, new)) == user


async def test_a_chain_of_refreshes_inside_the_window_leads_to_the_current_session(
    client: httpx.AsyncClient, clock: SettableClock
) -> None:
    first = await session_login(client)
    second = await session_refresh(client, first)
    clock.advance(timedelta(seconds=2))
    third = await session_refresh(client, second)
    clock.advance(timedelta(seconds=2))
    from_first = await session_refresh(client, first)

    assert claims_of(from_first)["session"] == claims_of(third)["session"]

    clock.advance(GRACE)  # first and second are past their windows now
    assert_dead(await gql(client, ME_ID, headers=as_cookie(first)))
    assert_dead(await gql(client, ME_ID, headers=as_cookie(second)))
    assert await me(client, third) == await me(client, from_first)


async def test_logout_ends_the_replaced_cookie_too(
    client: httpx.AsyncClient, clock: SettableClock
) -> None:
    """The grace is for requests in flight, not for a login the user ended."""
    old = await session_login(client)
    new = await session_refresh(client, old)
    reply = await gql(client, LOGOUT, {"mode": "session"}, headers=as_cookie(new))
    assert reply.data == {"auth_logout": True}
    assert_cleared(reply.response.headers)
    assert_dead(await gql(client, ME_ID, headers=as_cookie(old)))
    assert_dead(await gql(client, ME_ID, headers=as_cookie(new)))
    rest = await client.get("/users/me", headers=as_cookie(new))
    assert (rest.status_code, rest.json()) == (401, INVALID_CREDENTIALS)
    assert_cleared(rest.headers)


async def test_an_expired_session_cookie_is_cleared(
    client: httpx.AsyncClient, clock: SettableClock
) -> None:
    cookie = await session_login(client)
    clock.advance(timedelta(days=1, seconds=1))
    assert_dead(await gql(client, ME_ID, headers=as_cookie(cookie)), TOKEN_EXPIRED)
    rest = await client.post("/auth/refresh", json={"mode": "session"}, headers=as_cookie(cookie))
    assert (rest.status_code, rest.json()) == (401, TOKEN_EXPIRED)
    assert_cleared(rest.headers)


@pytest.mark.parametrize("value", ["not-a-session", "a.b.c"])
async def test_a_session_cookie_that_names_nothing_is_cleared(
    client: httpx.AsyncClient, value: str
) -> None:
    assert_dead(await gql(client, ME_ID, headers=as_cookie(value)))


async def test_a_dead_token_in_the_header_clears_no_cookie(
    client: httpx.AsyncClient, clock: SettableClock
) -> None:
    """Only the cookie's own failure clears it: a header token is the client's business,
    and a live cookie sent beside a dead header token stays."""
    old = await session_login(client)
    new = await session_refresh(client, old)
    clock.advance(GRACE)
    reply = await gql(client, ME_ID, token=old, headers=as_cookie(new))
    assert reply.status == 401
    assert reply.body == INVALID_CREDENTIALS
    assert set_cookie_headers(reply.response.headers) == []
    rest = await client.get("/users/me", headers={**bearer(old), **as_cookie(new)})
    assert rest.status_code == 401
    assert rest.headers.get_list("set-cookie") == []


class TestGracePeriodSetting:
    """SESSION_REFRESH_GRACE_PERIOD is a duration like the others."""

    @pytest.fixture
    def settings_overrides(self) -> dict[str, Any]:
        return {"session_refresh_grace_period": "1m"}

    async def test_a_longer_window(self, client: httpx.AsyncClient, clock: SettableClock) -> None:
        old = await session_login(client)
        user = await me(client, old)
        await session_refresh(client, old)
        clock.advance(timedelta(seconds=59))
        assert await me(client, old) == user
        clock.advance(timedelta(seconds=1))
        assert_dead(await gql(client, ME_ID, headers=as_cookie(old)))


class TestNoGracePeriod:
    @pytest.fixture
    def settings_overrides(self) -> dict[str, Any]:
        return {"session_refresh_grace_period": "0"}

    async def test_the_replaced_cookie_dies_at_once(self, client: httpx.AsyncClient) -> None:
        old = await session_login(client)
        new = await session_refresh(client, old)
        assert_dead(await gql(client, ME_ID, headers=as_cookie(old)))
        assert_dead(await gql(client, REFRESH, {"mode": "session"}, headers=as_cookie(old)))
        assert await me(client, new)
