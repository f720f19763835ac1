"""Refresh-token reuse: a rotated-out token presented again is a theft signal and kills the
whole chain, except inside REFRESH_TOKEN_REUSE_INTERVAL (10 s), where it returns the very same
successor (two tabs refreshing at once)."""

from __future__ import annotations

from datetime import timedelta

import httpx
import pytest

from app.clock import SettableClock
from app.services.container import Services
from tests.conftest import ADMIN_EMAIL, ADMIN_PASSWORD, create_user, gql, login
from tests.graphql.helpers import ME_ID, REFRESH
from tests.graphql.security_helpers import activity_rows
from tests.graphql_reply import GraphQLReply

EMAIL = "tabs@example.com"
PASSWORD = "tabs-password-1"
GRACE = timedelta(seconds=10)


@pytest.fixture
async def user_id(services: Services) -> str:
    user = await create_user(services, EMAIL, PASSWORD)
    return user.id


async def refresh(client: httpx.AsyncClient, token: str) -> GraphQLReply:
    return await gql(client, REFRESH, {"refresh_token": token, "mode": "json"})


async def rotated(client: httpx.AsyncClient, token: str) -> dict[str, str]:
    reply = await refresh(client, token)
    assert reply.status == 200, reply.body
    assert not reply.body.get("errors"), reply.body
    tokens: dict[str, str] = reply.data["auth_refresh"]
    assert tokens["refresh_token"] != token
    return tokens


def assert_refused(reply: GraphQLReply) -> None:
    assert reply.status == 200, reply.body
    assert reply.codes == ["INVALID_CREDENTIALS"], reply.body
    assert "data" not in reply.body


async def test_replay_after_the_grace_window_revokes_the_chain(
    client: httpx.AsyncClient, user_id: str, clock: SettableClock
) -> None:
    token_a = (await login(client, EMAIL, PASSWORD))["refresh_token"]
    token_b = (await rotated(client, token_a))["refresh_token"]

    clock.advance(GRACE + timedelta(seconds=1))
    assert_refused(await refresh(client, token_a))
    # The thief or the victim holds B: neither may keep the session.
    assert_refused(await refresh(client, token_b))
    assert_refused(await refresh(client, token_a))


async def test_replay_revokes_every_later_link(
    client: httpx.AsyncClient, user_id: str, clock: SettableClock
) -> None:
    token_a = (await login(client, EMAIL, PASSWORD))["refresh_token"]
    clock.advance(timedelta(minutes=1))
    token_b = (await rotated(client, token_a))["refresh_token"]
    clock.advance(timedelta(minutes=1))
    token_c = (await rotated(client, token_b))["refresh_token"]

    assert_refused(await refresh(client, token_a))
    assert_refused(await refresh(client, token_c))


async def test_replay_leaves_other_logins_alone(
    client: httpx.AsyncClient, user_id: str, clock: SettableClock
) -> None:
    other = (await login(client, EMAIL, PASSWORD))["refresh_token"]
    token_a = (await login(client, EMAIL, PASSWORD))["refresh_token"]
    await rotated(client, token_a)
    clock.advance(GRACE + timedelta(seconds=1))
    assert_refused(await refresh(client, token_a))
    assert (await rotated(client, other))["access_token"]


async def test_inside_the_grace_window_the_same_successor_is_returned(
    client: httpx.AsyncClient, user_id: str, clock: SettableClock
) -> None:
    token_a = (await login(client, EMAIL, PASSWORD))["refresh_token"]
    first = await rotated(client, token_a)

    clock.advance(GRACE - timedelta(seconds=1))
    again = await refresh(client, token_a)
    assert not again.body.get("errors"), again.body
    assert again.data["auth_refresh"]["refresh_token"] == first["refresh_token"]
    me = await gql(client, ME_ID, token=again.data["auth_refresh"]["access_token"])
    assert me.data == {"users_me": {"id": user_id, "email": EMAIL}}

    # B is still the live link: it rotates normally afterwards.
    token_c = (await rotated(client, first["refresh_token"]))["refresh_token"]
    assert (await rotated(client, token_c))["access_token"]


async def test_a_grace_replay_is_repeatable_within_the_window(
    client: httpx.AsyncClient, user_id: str, clock: SettableClock
) -> None:
    token_a = (await login(client, EMAIL, PASSWORD))["refresh_token"]
    token_b = (await rotated(client, token_a))["refresh_token"]
    for _ in range(3):
        clock.advance(timedelta(seconds=2))
        again = await refresh(client, token_a)
        assert again.data["auth_refresh"]["refresh_token"] == token_b, again.body
    assert await rotated(client, token_b)


async def test_the_grace_window_ends_once_the_successor_has_rotated(
    client: httpx.AsyncClient, user_id: str, clock: SettableClock
) -> None:
    """Within 10 s of A's rotation, but B was already used: handing B out again would revive a
    spent token, so the replay is judged as theft."""
    token_a = (await login(client, EMAIL, PASSWORD))["refresh_token"]
    token_b = (await rotated(client, token_a))["refresh_token"]
    token_c = (await rotated(client, token_b))["refresh_token"]
    assert_refused(await refresh(client, token_a))
    assert_refused(await refresh(client, token_c))


async def test_replay_is_recorded_in_the_audit_trail(
    client: httpx.AsyncClient, user_id: str, clock: SettableClock
) -> None:
    token_a = (await login(client, EMAIL, PASSWORD))["refresh_token"]
    await rotated(client, token_a)
    clock.advance(GRACE + timedelta(seconds=1))
    assert_refused(await refresh(client, token_a))

    admin = (await login(client, ADMIN_EMAIL, ADMIN_PASSWORD))["access_token"]
    rows = await activity_rows(client, admin)
    reused = [row for row in rows if row["action"] == "refresh.reused"]
    assert len(reused) == 1, rows
    assert reused[0]["user"] == user_id
    assert reused[0]["ip"] == "203.0.113.7"
    assert token_a not in str(rows)


async def test_a_grace_replay_is_not_recorded_as_reuse(
    client: httpx.AsyncClient, user_id: str, clock: SettableClock
) -> None:
    token_a = (await login(client, EMAIL, PASSWORD))["refresh_token"]
    await rotated(client, token_a)
    again = await refresh(client, token_a)
    assert not again.body.get("errors"), again.body

    admin = (await login(client, ADMIN_EMAIL, ADMIN_PASSWORD))["access_token"]
    rows = await activity_rows(client, admin)
    assert "refresh.reused" not in [row["action"] for row in rows]


async def test_an_unknown_token_is_no_replay(
    client: httpx.AsyncClient, user_id: str, clock: SettableClock
) -> None:
    """A token that never existed is just wrong: it revokes nothing."""
    live = (await login(client, EMAIL, PASSWORD))["refresh_token"]
    assert_refused(await refresh(client, "x" * 64))
    assert await rotated(client, live)
