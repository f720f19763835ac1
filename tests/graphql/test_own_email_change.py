"""A user's own email change (issue 15): it needs the current password, sent with the change,
or a login within AUTH_FRESH_LOGIN_WINDOW; a wrong password is a failed login; the change is
audited. Admins changing other users' addresses are not asked."""

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
from tests.graphql.security_helpers import activity_rows
from tests.graphql.seed import add_permission
from tests.graphql_reply import ok, refused

PASSWORD = "owner-password-1"
UPDATE_ME = """
mutation($data: update_directus_users_input, $current: String) {
  update_users_me(data: $data, current_password: $current) { id email }
}
"""
UPDATE_ONE = """
mutation($id: ID!, $data: update_directus_users_input!) {
  update_users_item(id: $id, data: $data) { id email }
}
"""
STALE = timedelta(minutes=6)  # past the 5-minute window, inside the 15-minute token


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    return {"auth_lockout_threshold": 2}


async def owner(client: httpx.AsyncClient, services: Services, email: str) -> tuple[str, str]:
    user = await create_user(services, email, PASSWORD)
    token: str = (await login(client, email, PASSWORD))["access_token"]
    return user.id, token


def email_changes(rows: list[dict[str, Any]]) -> list[tuple[str, str, str]]:
    return [
        (row["user"], row["item"], row["comment"])
        for row in reversed(rows)
        if row["action"] == "email.changed"
    ]


async def test_a_stale_login_without_the_password_is_refused(
    client: httpx.AsyncClient, services: Services, clock: SettableClock
) -> None:
    user_id, token = await owner(client, services, "stale@example.com")
    clock.advance(STALE)
    reply = await gql(client, UPDATE_ME, {"data": {"email": "thief@example.com"}}, token=token)
    refused(reply, "INVALID_PAYLOAD")
    assert "current_password" in reply.body["errors"][0]["message"]
    rest = await client.patch(
        "/users/me",
        json={"email": "thief@example.com"},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert rest.status_code == 400, rest.text
    assert rest.json()["errors"][0]["extensions"]["code"] == "INVALID_PAYLOAD"
    assert (await stored_user(services, user_id)).email == "stale@example.com"
    # Everything else about the profile still changes without a password.
    reply = await gql(client, UPDATE_ME, {"data": {"first_name": "Still me"}}, token=token)
    assert ok(reply, "update_users_me")["email"] == "stale@example.com"


async def test_the_current_password_proves_it_and_the_change_is_audited(
    client: httpx.AsyncClient, services: Services, clock: SettableClock
) -> None:
    user_id, token = await owner(client, services, "proved@example.com")
    clock.advance(STALE)
    reply = await gql(
        client,
        UPDATE_ME,
        {"data": {"email": "proved-new@example.com"}, "current": PASSWORD},
        token=token,
    )
    assert ok(reply, "update_users_me")["email"] == "proved-new@example.com"
    rest = await client.patch(
        "/users/me",
        json={"email": "proved-rest@example.com", "current_password": PASSWORD},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert rest.status_code == 200, rest.text
    assert rest.json()["data"]["email"] == "proved-rest@example.com"
    rows = await activity_rows(client, await admin_token(client))
    assert email_changes(rows) == [
        (user_id, user_id, "proved@example.com -> proved-new@example.com"),
        (user_id, user_id, "proved-new@example.com -> proved-rest@example.com"),
    ]
    assert PASSWORD not in str(rows)


async def test_a_fresh_login_is_proof_enough(client: httpx.AsyncClient, services: Services) -> None:
    """Directus clients send no password with the change: right after a login they work."""
    user_id, token = await owner(client, services, "fresh@example.com")
    reply = await gql(client, UPDATE_ME, {"data": {"email": "fresh-new@example.com"}}, token=token)
    assert ok(reply, "update_users_me")["email"] == "fresh-new@example.com"
    rows = await activity_rows(client, await admin_token(client))
    assert email_changes(rows) == [(user_id, user_id, "fresh@example.com -> fresh-new@example.com")]


async def test_a_refreshed_token_is_not_a_fresh_login(
    client: httpx.AsyncClient, services: Services
) -> None:
    await create_user(services, "refreshed@example.com", PASSWORD)
    tokens = await login(client, "refreshed@example.com", PASSWORD)
    refreshed = await gql(client, REFRESH, {"refresh_token": tokens["refresh_token"]})
    token = refreshed.data["auth_refresh"]["access_token"]
    reply = await gql(client, UPDATE_ME, {"data": {"email": "other@example.com"}}, token=token)
    refused(reply, "INVALID_PAYLOAD")


async def test_a_wrong_password_is_a_failed_login(
    client: httpx.AsyncClient, services: Services, clock: SettableClock
) -> None:
    user_id, token = await owner(client, services, "guessed@example.com")
    clock.advance(STALE)
    for _ in range(2):
        reply = await gql(
            client,
            UPDATE_ME,
            {"data": {"email": "thief@example.com"}, "current": "wrong-guess-1"},
            token=token,
        )
        refused(reply, "INVALID_CREDENTIALS")
    # Two failures reach AUTH_LOCKOUT_THRESHOLD: the account is locked, for logins too.
    locked = await gql(
        client,
        "mutation($e: String!, $p: String!) { auth_login(email: $e, password: $p) { expires } }",
        {"e": "guessed@example.com", "p": PASSWORD},
    )
    assert locked.codes == ["INVALID_CREDENTIALS"]
    # During the lock even the right password is neither checked nor counted.
    during = await gql(
        client,
        UPDATE_ME,
        {"data": {"email": "thief@example.com"}, "current": PASSWORD},
        token=token,
    )
    refused(during, "INVALID_CREDENTIALS")
    row = await stored_user(services, user_id)
    assert row.email == "guessed@example.com"
    rows = await activity_rows(client, await admin_token(client))
    actions = [r["action"] for r in rows if r["user"] == user_id]
    assert actions.count("login.failed") == 2
    assert "login.locked" in actions
    rest = await client.patch(
        "/users/me",
        json={"email": "thief@example.com", "current_password": "wrong-guess-2"},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert rest.status_code == 401, rest.text
    assert rest.json()["errors"][0]["extensions"]["code"] == "INVALID_CREDENTIALS"


async def test_a_static_token_needs_the_password(
    client: httpx.AsyncClient, services: Services
) -> None:
    static = "owner-static-token-0001"
    user = await create_user(services, "static-owner@example.com", PASSWORD, static_token=static)
    reply = await gql(client, UPDATE_ME, {"data": {"email": "x@example.com"}}, token=static)
    refused(reply, "INVALID_PAYLOAD")
    reply = await gql(
        client, UPDATE_ME, {"data": {"email": "x@example.com"}, "current": PASSWORD}, token=static
    )
    assert ok(reply, "update_users_me")["email"] == "x@example.com"
    assert (await stored_user(services, user.id)).email == "x@example.com"


async def test_every_path_to_ones_own_email_asks(
    client: httpx.AsyncClient, services: Services, clock: SettableClock
) -> None:
    """update_users_item on one's own id is no way around it."""
    static = "item-path-static-token-01"
    user = await create_user(services, "item-path@example.com", PASSWORD, static_token=static)
    own_row = {"id": {"_eq": "$CURRENT_USER"}}
    await add_permission(services, user.role, ["email"], own_row, action="update")
    reply = await gql(
        client, UPDATE_ONE, {"id": user.id, "data": {"email": "x@example.com"}}, token=static
    )
    refused(reply, "INVALID_PAYLOAD")
    rest = await client.patch(
        f"/users/{user.id}",
        json={"email": "x@example.com"},
        headers={"Authorization": f"Bearer {static}"},
    )
    assert rest.status_code == 400, rest.text
    assert (await stored_user(services, user.id)).email == "item-path@example.com"


async def test_a_user_without_a_password_needs_a_fresh_login(
    client: httpx.AsyncClient, services: Services
) -> None:
    """Single sign-on users have no password to send: a fresh login through their provider
    is the only proof, and any `current_password` is refused."""
    static = "sso-static-token-000001"
    await create_user(services, "sso@example.com", None, static_token=static)
    reply = await gql(client, UPDATE_ME, {"data": {"email": "x@example.com"}}, token=static)
    refused(reply, "INVALID_PAYLOAD")
    reply = await gql(
        client, UPDATE_ME, {"data": {"email": "x@example.com"}, "current": "anything"}, token=static
    )
    refused(reply, "INVALID_CREDENTIALS")


async def test_an_unchanged_email_needs_no_proof(
    client: httpx.AsyncClient, services: Services, clock: SettableClock
) -> None:
    _, token = await owner(client, services, "same@example.com")
    clock.advance(STALE)
    reply = await gql(client, UPDATE_ME, {"data": {"email": "same@example.com"}}, token=token)
    assert ok(reply, "update_users_me")["email"] == "same@example.com"
    assert email_changes(await activity_rows(client, await admin_token(client))) == []


async def test_an_admin_changes_another_users_email_without_proof(
    client: httpx.AsyncClient, services: Services, clock: SettableClock
) -> None:
    admin = await admin_token(client)
    admin_id = (await gql(client, "{ users_me { id } }", token=admin)).data["users_me"]["id"]
    other = await create_user(services, "managed@example.com", PASSWORD)
    clock.advance(STALE)
    reply = await gql(
        client, UPDATE_ONE, {"id": other.id, "data": {"email": "moved@example.com"}}, token=admin
    )
    assert ok(reply, "update_users_item")["email"] == "moved@example.com"
    rows = await activity_rows(client, admin)
    assert email_changes(rows) == [(admin_id, other.id, "managed@example.com -> moved@example.com")]


class TestWindowOff:
    @pytest.fixture
    def settings_overrides(self) -> dict[str, Any]:
        return {"auth_fresh_login_window": 0}

    async def test_even_a_fresh_login_needs_the_password(
        self, client: httpx.AsyncClient, services: Services
    ) -> None:
        _, token = await owner(client, services, "strict@example.com")
        reply = await gql(client, UPDATE_ME, {"data": {"email": "x@example.com"}}, token=token)
        refused(reply, "INVALID_PAYLOAD")
        reply = await gql(
            client,
            UPDATE_ME,
            {"data": {"email": "x@example.com"}, "current": PASSWORD},
            token=token,
        )
        assert ok(reply, "update_users_me")["email"] == "x@example.com"


async def test_a_role_payload_naming_oneself_needs_a_fresh_login(
    client: httpx.AsyncClient, services: Services
) -> None:
    """Users nested in a role update are written inside the role's transaction: there only a
    fresh login proves an own email change."""
    static = "admin-static-token-00001"
    admin = await create_user(
        services, "role-admin@example.com", PASSWORD, admin=True, static_token=static
    )
    update = """
    mutation($id: ID!, $data: update_directus_roles_input!) {
      update_roles_item(id: $id, data: $data) { id }
    }"""
    data = {"users": [{"id": admin.id, "email": "moved-admin@example.com"}]}
    reply = await gql(client, update, {"id": admin.role, "data": data}, token=static)
    refused(reply, "INVALID_PAYLOAD")
    assert (await stored_user(services, admin.id)).email == "role-admin@example.com"
    fresh = (await login(client, "role-admin@example.com", PASSWORD))["access_token"]
    reply = await gql(client, update, {"id": admin.role, "data": data}, token=fresh)
    ok(reply, "update_roles_item")
    assert (await stored_user(services, admin.id)).email == "moved-admin@example.com"
