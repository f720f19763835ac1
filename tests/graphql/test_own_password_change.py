"""A user's own password change needs the same proof as its own email change (review
finding 4): the current password in `current_password`, or a login within
AUTH_FRESH_LOGIN_WINDOW. Otherwise a stolen or refreshed token could set a password of the
thief's choosing and end the owner's sessions. Admins changing others' passwords need none.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx
import pytest

from app.clock import SettableClock
from app.services.container import Services
from tests.conftest import create_user, gql, login
from tests.graphql.helpers import REFRESH
from tests.graphql.mutation_seed import admin_token, stored_user
from tests.graphql.security_helpers import attempt_login
from tests.graphql.seed import add_permission
from tests.graphql_reply import ok, refused

PASSWORD = "owner-password-1"
NEW = "attacker-chosen-pw-1"
UPDATE_ME = """
mutation($data: update_directus_users_input, $current: String) {
  update_users_me(data: $data, current_password: $current) { id }
}
"""
UPDATE_ONE = """
mutation($id: ID!, $data: update_directus_users_input!) {
  update_users_item(id: $id, data: $data) { id }
}
"""
UPDATE_BATCH = """
mutation($data: [update_directus_users_input!]) { update_users_batch(data: $data) { id } }
"""
STALE = timedelta(minutes=6)


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    return {"auth_lockout_threshold": 2}


async def logs_in(client: httpx.AsyncClient, email: str, password: str) -> bool:
    return not (await attempt_login(client, email, password)).body.get("errors")


async def test_a_refreshed_token_cannot_set_a_new_password(
    client: httpx.AsyncClient, services: Services
) -> None:
    await create_user(services, "victim@example.com", PASSWORD)
    tokens = await login(client, "victim@example.com", PASSWORD)
    refreshed = await gql(client, REFRESH, {"refresh_token": tokens["refresh_token"]})
    token = refreshed.data["auth_refresh"]["access_token"]
    reply = await gql(client, UPDATE_ME, {"data": {"password": NEW}}, token=token)
    refused(reply, "INVALID_PAYLOAD")
    assert "current_password" in reply.body["errors"][0]["message"]
    rest = await client.patch(
        "/users/me", json={"password": NEW}, headers={"Authorization": f"Bearer {token}"}
    )
    assert rest.status_code == 400, rest.text
    assert rest.json()["errors"][0]["extensions"]["code"] == "INVALID_PAYLOAD"
    assert not await logs_in(client, "victim@example.com", NEW)
    assert await logs_in(client, "victim@example.com", PASSWORD)


async def test_the_current_password_or_a_fresh_login_proves_it(
    client: httpx.AsyncClient, services: Services, clock: SettableClock
) -> None:
    await create_user(services, "owner@example.com", PASSWORD)
    token = (await login(client, "owner@example.com", PASSWORD))["access_token"]
    reply = await gql(client, UPDATE_ME, {"data": {"password": "fresh-login-pw-2"}}, token=token)
    ok(reply, "update_users_me")
    token = (await login(client, "owner@example.com", "fresh-login-pw-2"))["access_token"]
    clock.advance(STALE)
    variables = {"data": {"password": "proved-pw-3"}, "current": "fresh-login-pw-2"}
    ok(await gql(client, UPDATE_ME, variables, token=token), "update_users_me")
    assert await logs_in(client, "owner@example.com", "proved-pw-3")


async def test_a_wrong_current_password_is_a_failed_login(
    client: httpx.AsyncClient, services: Services, clock: SettableClock
) -> None:
    user = await create_user(services, "guessed@example.com", PASSWORD)
    token = (await login(client, "guessed@example.com", PASSWORD))["access_token"]
    clock.advance(STALE)
    variables = {"data": {"password": NEW}, "current": "a-guess"}
    refused(await gql(client, UPDATE_ME, variables, token=token), "INVALID_CREDENTIALS")
    assert (await stored_user(services, user.id)).failed_login_attempts == 1


async def test_every_path_to_ones_own_password_asks(
    client: httpx.AsyncClient, services: Services
) -> None:
    """update_users_item, update_users_batch and REST's PATCH by id, keys and batch."""
    static = "pw-path-static-token-0001"
    user = await create_user(services, "pw-path@example.com", PASSWORD, static_token=static)
    own_row = {"id": {"_eq": "$CURRENT_USER"}}
    await add_permission(services, user.role, ["password"], own_row, action="update")
    data = {"password": NEW}
    refused(
        await gql(client, UPDATE_ONE, {"id": user.id, "data": data}, token=static),
        "INVALID_PAYLOAD",
    )
    refused(
        await gql(client, UPDATE_BATCH, {"data": [{"id": user.id, **data}]}, token=static),
        "INVALID_PAYLOAD",
    )
    headers = {"Authorization": f"Bearer {static}"}
    for path, body in (
        (f"/users/{user.id}", data),
        ("/users", {"keys": [user.id], "data": data}),
        ("/users", [{"id": user.id, **data}]),
    ):
        rest = await client.patch(path, json=body, headers=headers)
        assert rest.status_code == 400, (path, rest.text)
        assert rest.json()["errors"][0]["extensions"]["code"] == "INVALID_PAYLOAD"
    assert not await logs_in(client, "pw-path@example.com", NEW)


async def test_an_admin_sets_another_users_password_without_proof(
    client: httpx.AsyncClient, services: Services, clock: SettableClock
) -> None:
    admin = await admin_token(client)
    other = await create_user(services, "managed-pw@example.com", PASSWORD)
    clock.advance(STALE)
    reply = await gql(client, UPDATE_ONE, {"id": other.id, "data": {"password": NEW}}, token=admin)
    ok(reply, "update_users_item")
    assert await logs_in(client, "managed-pw@example.com", NEW)
