"""What Directus sends beside `code` in an error's `extensions` (reason; collection, field,
value; field, type, path), and the body without `data` when no root field answered."""

from __future__ import annotations

from typing import Any

import httpx

from app.services.container import Services
from tests.conftest import create_user, gql, login
from tests.graphql.mutation_seed import (
    PASSWORD_POLICY,
    UNKNOWN_ID,
    add_permission,
    admin_token,
    set_password_policy,
    stored_user,
    the_admin,
    user_count,
)

CREATE_ONE = (
    "mutation($data: create_directus_users_input!) { create_users_item(data: $data) { id } }"
)
UPDATE_ME = "mutation($data: update_directus_users_input!) { update_users_me(data: $data) { id } }"
DELETE_ONE = "mutation($id: ID!) { delete_users_item(id: $id) { id } }"
INVITE = "mutation($email: String!, $role: String!) { users_invite(email: $email, role: $role) }"
LIST = "query($limit: Int, $sort: [String]) { users(limit: $limit, sort: $sort) { id } }"


def the_error(body: dict[str, Any]) -> dict[str, Any]:
    """The only error of a body in which no root field answered (so: no `data` key)."""
    assert "data" not in body, body
    [error] = body["errors"]
    return {"message": error["message"], "extensions": error["extensions"]}


# FAILED_VALIDATION: field, type, path -----------------------------------------------------


async def test_a_bad_email_is_type_email(client: httpx.AsyncClient) -> None:
    token = await admin_token(client)
    reply = await gql(client, CREATE_ONE, {"data": {"email": "not-an-email"}}, token=token)
    assert the_error(reply.body) == {
        "message": 'Validation failed for field "email". Value has to be a valid email address.',
        "extensions": {"code": "FAILED_VALIDATION", "field": "email", "type": "email", "path": []},
    }


async def test_the_password_policy_is_type_regex_and_never_echoes_the_password(
    client: httpx.AsyncClient, services: Services
) -> None:
    """Directus sends the refused password back as `invalid`; it is never sent here."""
    await set_password_policy(services, PASSWORD_POLICY)
    token = await admin_token(client)
    data = {"email": "weak@example.com", "password": "tiny1"}
    reply = await gql(client, CREATE_ONE, {"data": data}, token=token)
    assert the_error(reply.body) == {
        "message": (
            'Validation failed for field "password". Value doesn\'t have the correct format.'
        ),
        "extensions": {
            "code": "FAILED_VALIDATION",
            "field": "password",
            "type": "regex",
            "path": [],
        },
    }
    assert "tiny1" not in reply.response.text


async def test_an_unknown_status_is_type_in_with_the_valid_values(
    client: httpx.AsyncClient,
) -> None:
    token = await admin_token(client)
    data = {"email": "status@example.com", "status": "sleeping"}
    extensions = the_error((await gql(client, CREATE_ONE, {"data": data}, token=token)).body)[
        "extensions"
    ]
    assert extensions == {
        "code": "FAILED_VALIDATION",
        "field": "status",
        "type": "in",
        "path": [],
        "valid": ["draft", "invited", "unverified", "active", "suspended", "archived"],
    }


async def test_a_too_long_value_is_type_lte_with_the_limit(client: httpx.AsyncClient) -> None:
    token = await admin_token(client)
    data = {"email": "long@example.com", "first_name": "x" * 51}
    error = the_error((await gql(client, CREATE_ONE, {"data": data}, token=token)).body)
    assert error["extensions"] == {
        "code": "FAILED_VALIDATION",
        "field": "first_name",
        "type": "lte",
        "path": [],
        "valid": 50,
    }


async def test_a_permission_validation_rule_names_its_operator_and_operand(
    client: httpx.AsyncClient, services: Services
) -> None:
    user = await create_user(services, "checked@example.com", app_access=False)
    await add_permission(
        services,
        role=user.role,
        collection="directus_users",
        action="update",
        fields=["first_name"],
        permissions={"id": {"_eq": "$CURRENT_USER"}},
        validation={"_and": [{"first_name": {"_starts_with": "A"}}]},
    )
    await add_permission(
        services,
        role=user.role,
        collection="directus_users",
        action="read",
        fields=["id"],
        permissions={"id": {"_eq": "$CURRENT_USER"}},
    )
    token = (await login(client, "checked@example.com", "user-password-1"))["access_token"]
    reply = await gql(client, UPDATE_ME, {"data": {"first_name": "Bob"}}, token=token)
    assert the_error(reply.body)["extensions"] == {
        "code": "FAILED_VALIDATION",
        "field": "first_name",
        "type": "starts_with",
        "path": [],
        "substring": "A",
    }
    accepted = await gql(client, UPDATE_ME, {"data": {"first_name": "Ann"}}, token=token)
    assert accepted.body == {"data": {"update_users_me": {"id": user.id}}}


# reason -----------------------------------------------------------------------------------


async def test_invalid_query_carries_its_reason(client: httpx.AsyncClient) -> None:
    token = await admin_token(client)
    reply = await gql(client, LIST, {"limit": -5}, token=token)
    assert the_error(reply.body) == {
        "message": 'Invalid query. "limit" has to be -1 or greater.',
        "extensions": {"code": "INVALID_QUERY", "reason": '"limit" has to be -1 or greater'},
    }


async def test_unprocessable_content_carries_its_reason(
    client: httpx.AsyncClient, services: Services
) -> None:
    token = await admin_token(client)
    admin = await the_admin(services)
    reply = await gql(client, DELETE_ONE, {"id": admin.id}, token=token)
    assert the_error(reply.body) == {
        "message": "Can't process content. Cannot remove the last admin user from the system.",
        "extensions": {
            "code": "UNPROCESSABLE_CONTENT",
            "reason": "Cannot remove the last admin user from the system",
        },
    }


async def test_a_plain_forbidden_has_no_reason(
    client: httpx.AsyncClient, services: Services
) -> None:
    await create_user(services, "plain@example.com")
    token = (await login(client, "plain@example.com", "user-password-1"))["access_token"]
    admin = await the_admin(services)
    reply = await gql(client, f'{{ users_by_id(id: "{admin.id}") {{ id }} }}', token=token)
    assert the_error(reply.body) == {
        "message": "You don't have permission to access this.",
        "extensions": {"code": "FORBIDDEN"},
    }


# INVALID_FOREIGN_KEY ----------------------------------------------------------------------

UNKNOWN_ROLE = {
    "message": "Invalid foreign key.",
    "extensions": {
        "code": "INVALID_FOREIGN_KEY",
        "collection": "directus_users",
        "field": "role",
    },
}


async def test_inviting_into_a_role_that_does_not_exist_is_invalid_foreign_key(
    client: httpx.AsyncClient, services: Services
) -> None:
    token = await admin_token(client)
    before = await user_count(services)
    variables = {"email": "guest@example.com", "role": UNKNOWN_ID}
    reply = await gql(client, INVITE, variables, token=token)
    assert reply.status == 200
    assert the_error(reply.body) == UNKNOWN_ROLE
    assert await user_count(services) == before


async def test_creating_or_updating_a_user_with_an_unknown_role_id_is_invalid_foreign_key(
    client: httpx.AsyncClient, services: Services
) -> None:
    """REST takes the role's id (GraphQL's role object with an unknown id creates it)."""
    headers = {"Authorization": f"Bearer {await admin_token(client)}"}
    data = {"email": "orphan@example.com", "role": UNKNOWN_ID}
    created = await client.post("/users", json=data, headers=headers)
    assert created.status_code == 400
    assert the_error(created.json()) == UNKNOWN_ROLE
    user = await create_user(services, "member@example.com")
    updated = await client.patch(f"/users/{user.id}", json={"role": UNKNOWN_ID}, headers=headers)
    assert updated.status_code == 400
    assert the_error(updated.json()) == UNKNOWN_ROLE
    assert (await stored_user(services, user.id)).role == user.role


async def test_an_avatar_that_does_not_exist_is_invalid_foreign_key(
    client: httpx.AsyncClient,
) -> None:
    headers = {"Authorization": f"Bearer {await admin_token(client)}"}
    data = {"email": "face@example.com", "avatar": UNKNOWN_ID}
    response = await client.post("/users", json=data, headers=headers)
    assert response.status_code == 400
    assert the_error(response.json()) == {
        "message": "Invalid foreign key.",
        "extensions": {
            "code": "INVALID_FOREIGN_KEY",
            "collection": "directus_users",
            "field": "avatar",
        },
    }


# The body: `data` only when some root field answered ----------------------------------------


async def test_data_stays_when_another_root_field_answered(client: httpx.AsyncClient) -> None:
    token = await admin_token(client)
    document = f'{{ users_me {{ email }} users_by_id(id: "{UNKNOWN_ID}") {{ id }} }}'
    reply = await gql(client, document, token=token)
    assert reply.status == 200, reply.body
    assert reply.body["data"] == {"users_me": {"email": "admin@example.com"}, "users_by_id": None}
    assert reply.codes == ["FORBIDDEN"]


async def test_a_failed_non_null_root_field_leaves_no_data(client: httpx.AsyncClient) -> None:
    """`users` is non-null: its failure nulls the whole data, so there is none to send."""
    token = await admin_token(client)
    document = '{ users_me { email } users(sort: ["nope"]) { id } }'
    reply = await gql(client, document, token=token)
    assert reply.status == 200, reply.body
    assert "data" not in reply.body
    assert reply.codes == ["FORBIDDEN"]


async def test_a_null_answer_without_an_error_keeps_data(
    client: httpx.AsyncClient, services: Services
) -> None:
    """A public that may read users has users_me, null for it and not an error: the body is
    plain data."""
    await add_permission(services, collection="directus_users", action="read", fields=["id"])
    reply = await gql(client, "{ users_me { id } }")
    assert reply.body == {"data": {"users_me": None}}
