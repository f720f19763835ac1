"""Static tokens (issue 15): an app user cannot mint its own, a password reset clears them,
and every change — set, changed, cleared — is in the audit trail, by whom and never the value.
"""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from app.security.tokens import hash_token, password_fingerprint
from app.services.account_flows import RESET_SCOPE
from app.services.container import Services
from tests.conftest import create_user, gql, login
from tests.graphql.helpers import ME_ID
from tests.graphql.mutation_seed import add_permission, admin_token, app_user, stored_user
from tests.graphql.security_helpers import activity_rows
from tests.graphql.seed import assert_validation_error
from tests.graphql_reply import ok

UPDATE_ME = "mutation($data: update_directus_users_input) { update_users_me(data: $data) { id } }"
UPDATE_ONE = """
mutation($id: ID!, $data: update_directus_users_input!) {
  update_users_item(id: $id, data: $data) { id }
}
"""
UPDATE_MANY = """
mutation($ids: [ID]!, $data: update_directus_users_input!) {
  update_users_items(ids: $ids, data: $data) { id }
}
"""
UPDATE_BATCH = """
mutation($data: [update_directus_users_input!]) { update_users_batch(data: $data) { id } }
"""
CREATE_ONE = (
    "mutation($data: create_directus_users_input!) { create_users_item(data: $data) { id } }"
)
CREATE_MANY = """
mutation($data: [create_directus_users_input!]) { create_users_items(data: $data) { id } }
"""
RESET = "mutation($t: String!, $p: String!) { auth_password_reset(token: $t, password: $p) }"

MINTED = "self-minted-static-token-0123"


def token_rows(rows: list[dict[str, Any]]) -> list[tuple[str, str | None, str | None]]:
    """(action, by, of) of every static-token entry, oldest first."""
    return [
        (row["action"], row["user"], row["item"])
        for row in reversed(rows)
        if str(row["action"]).startswith("token.")
    ]


def assert_never_holds(rows: list[dict[str, Any]], *secrets: str) -> None:
    text = json.dumps(rows)
    for secret in secrets:
        assert secret not in text
        assert hash_token(secret) not in text


# An app user cannot mint its own ---------------------------------------------------------


async def test_an_app_user_cannot_set_its_own_token(
    client: httpx.AsyncClient, services: Services
) -> None:
    user, token = await app_user(client, services, "minter@example.com")
    # Not in its schema's input: its variable fails coercion, as a literal fails validation.
    assert_validation_error(await gql(client, UPDATE_ME, {"data": {"token": MINTED}}, token=token))
    assert_validation_error(
        await gql(client, UPDATE_ONE, {"id": user.id, "data": {"token": MINTED}}, token=token)
    )
    rest = await client.patch(
        "/users/me", json={"token": MINTED}, headers={"Authorization": f"Bearer {token}"}
    )
    assert rest.status_code == 403, rest.text
    assert rest.json()["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert (await stored_user(services, user.id)).token is None
    assert (await gql(client, ME_ID, token=MINTED)).codes == ["INVALID_CREDENTIALS"]


async def test_an_explicit_grant_still_lets_a_role_set_it(
    client: httpx.AsyncClient, services: Services
) -> None:
    """Removing it from the defaults is not a ban: an admin may grant `token` to a role."""
    user, token = await app_user(client, services, "granted@example.com")
    await add_permission(
        services,
        role=user.role,
        collection="directus_users",
        action="update",
        fields=["token"],
        permissions={"id": {"_eq": "$CURRENT_USER"}},
    )
    ok(await gql(client, UPDATE_ME, {"data": {"token": MINTED}}, token=token), "update_users_me")
    assert (await gql(client, ME_ID, token=MINTED)).data["users_me"]["id"] == user.id
    rows = await activity_rows(client, await admin_token(client))
    assert token_rows(rows) == [("token.set", user.id, user.id)]
    assert_never_holds(rows, MINTED)


# A password reset clears it ---------------------------------------------------------------


async def _reset_token(services: Services, user_id: str) -> str:
    user = await stored_user(services, user_id)
    return services.tokens.sign_scoped(
        RESET_SCOPE,
        {"email": user.email, "hash": password_fingerprint(user.password)},
        60_000,
    )


@pytest.mark.parametrize("transport", ["graphql", "rest"])
async def test_a_password_reset_clears_the_static_token(
    client: httpx.AsyncClient, services: Services, transport: str
) -> None:
    static = "static-token-before-reset-1"
    user = await create_user(services, "reset-me@example.com", static_token=static)
    assert (await gql(client, ME_ID, token=static)).data["users_me"]["id"] == user.id
    reset = await _reset_token(services, user.id)
    if transport == "graphql":
        reply = await gql(client, RESET, {"t": reset, "p": "brand-new-password-1"})
        assert reply.body == {"data": {"auth_password_reset": True}}, reply.body
    else:
        response = await client.post(
            "/auth/password/reset", json={"token": reset, "password": "brand-new-password-1"}
        )
        assert response.status_code == 204, response.text
    assert (await stored_user(services, user.id)).token is None
    refused_reply = await gql(client, ME_ID, token=static)
    assert refused_reply.status == 401
    assert refused_reply.codes == ["INVALID_CREDENTIALS"]
    await login(client, "reset-me@example.com", "brand-new-password-1")
    rows = await activity_rows(client, await admin_token(client))
    assert token_rows(rows) == [("token.cleared", user.id, user.id)]
    assert_never_holds(rows, static)


async def test_a_reset_without_a_static_token_records_no_token_change(
    client: httpx.AsyncClient, services: Services
) -> None:
    user = await create_user(services, "plain-reset@example.com")
    reset = await _reset_token(services, user.id)
    reply = await gql(client, RESET, {"t": reset, "p": "brand-new-password-1"})
    assert reply.body == {"data": {"auth_password_reset": True}}, reply.body
    assert token_rows(await activity_rows(client, await admin_token(client))) == []


# Every change is audited -------------------------------------------------------------------


async def test_every_graphql_write_path_is_audited(
    client: httpx.AsyncClient, services: Services
) -> None:
    admin = await admin_token(client)
    admin_id = (await gql(client, ME_ID, token=admin)).data["users_me"]["id"]
    one = await create_user(services, "audited-one@example.com")
    two = await create_user(services, "audited-two@example.com")
    secrets = [f"audited-static-token-{n}" for n in range(7)]

    async def run(query: str, variables: dict[str, Any], field: str) -> list[str]:
        return [
            row["id"] for row in _rows(ok(await gql(client, query, variables, token=admin), field))
        ]

    await run(UPDATE_ONE, {"id": one.id, "data": {"token": secrets[0]}}, "update_users_item")
    await run(UPDATE_ONE, {"id": one.id, "data": {"token": secrets[1]}}, "update_users_item")
    await run(UPDATE_ONE, {"id": one.id, "data": {"first_name": "No token"}}, "update_users_item")
    await run(UPDATE_ONE, {"id": one.id, "data": {"token": None}}, "update_users_item")
    await run(UPDATE_MANY, {"ids": [two.id], "data": {"token": secrets[2]}}, "update_users_items")
    await run(
        UPDATE_BATCH,
        {"data": [{"id": two.id, "token": secrets[3]}, {"id": one.id, "token": None}]},
        "update_users_batch",
    )
    [created] = await run(
        CREATE_ONE,
        {"data": {"email": "made-1@example.com", "token": secrets[4]}},
        "create_users_item",
    )
    made = await run(
        CREATE_MANY,
        {
            "data": [
                {"email": "made-2@example.com", "token": secrets[5]},
                {"email": "made-3@example.com"},
            ]
        },
        "create_users_items",
    )
    rows = await activity_rows(client, admin)
    assert token_rows(rows) == [
        ("token.set", admin_id, one.id),
        ("token.changed", admin_id, one.id),
        ("token.cleared", admin_id, one.id),
        ("token.set", admin_id, two.id),
        ("token.changed", admin_id, two.id),
        ("token.set", admin_id, created),
        ("token.set", admin_id, made[0]),
    ]
    assert_never_holds(rows, *secrets)


async def test_every_rest_write_path_is_audited(
    client: httpx.AsyncClient, services: Services
) -> None:
    admin = await admin_token(client)
    headers = {"Authorization": f"Bearer {admin}"}
    admin_id = (await gql(client, ME_ID, token=admin)).data["users_me"]["id"]
    one = await create_user(services, "rest-one@example.com")
    secrets = [f"rest-static-token-{n}" for n in range(4)]
    for method, path, body in (
        ("PATCH", f"/users/{one.id}", {"token": secrets[0]}),
        ("PATCH", "/users", {"keys": [one.id], "data": {"token": secrets[1]}}),
        ("PATCH", "/users", [{"id": one.id, "token": None}]),
        ("POST", "/users", {"email": "rest-made@example.com", "token": secrets[2]}),
    ):
        response = await client.request(method, path, json=body, headers=headers)
        assert response.status_code == 200, response.text
    created = (
        await client.get(
            "/users", params={"filter[email][_eq]": "rest-made@example.com"}, headers=headers
        )
    ).json()["data"][0]["id"]
    rows = await activity_rows(client, admin)
    assert token_rows(rows) == [
        ("token.set", admin_id, one.id),
        ("token.changed", admin_id, one.id),
        ("token.cleared", admin_id, one.id),
        ("token.set", admin_id, created),
    ]
    assert_never_holds(rows, *secrets)


async def test_a_failed_write_records_nothing(
    client: httpx.AsyncClient, services: Services
) -> None:
    """The entries share the write's transaction: a refused batch leaves no trace."""
    admin = await admin_token(client)
    one = await create_user(services, "atomic@example.com")
    reply = await gql(
        client,
        UPDATE_BATCH,
        {"data": [{"id": one.id, "token": "atomic-token-1"}, {"id": one.id, "email": "bad"}]},
        token=admin,
    )
    assert reply.codes == ["FAILED_VALIDATION"], reply.body
    assert token_rows(await activity_rows(client, admin)) == []
    assert (await stored_user(services, one.id)).token is None


def _rows(value: Any) -> list[dict[str, Any]]:
    return value if isinstance(value, list) else [value]
