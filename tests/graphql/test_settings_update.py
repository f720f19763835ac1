"""update_settings: what an admin may change, what is refused, who may not."""

from __future__ import annotations

import httpx
import pytest

from app.services.container import Services
from tests.conftest import create_user, gql, login
from tests.graphql.mutation_seed import (
    PASSWORD_POLICY,
    UNKNOWN_ID,
    add_permission,
    admin_token,
    app_user,
    make_role,
    refused_by_schema,
    roles_named,
    settings_row,
    stored_role,
    stored_user,
    users_with_email,
    write_refused,
)
from tests.graphql.seed import assert_validation_error
from tests.graphql_reply import ok, refused

SETTINGS_FIELDS = """
  id project_name public_registration public_registration_verify_email
  public_registration_role { id name } public_registration_email_filter
  auth_login_attempts auth_password_policy
"""

UPDATE = f"""
mutation Update($data: update_directus_settings_input!) {{
  update_settings(data: $data) {{ {SETTINGS_FIELDS} }}
}}
"""

REGISTER = """
mutation Register($email: String!, $password: String!) {
  users_register(email: $email, password: $password)
}
"""


async def test_admin_changes_the_settings(client: httpx.AsyncClient, services: Services) -> None:
    token = await admin_token(client)
    role = await make_role(services, "Registrants")
    data = {
        "project_name": "My Project",
        "public_registration": True,
        "public_registration_verify_email": False,
        "public_registration_role": {"id": role.id},
        "public_registration_email_filter": {"_and": [{"email": {"_ends_with": "@corp.example"}}]},
        "auth_login_attempts": 5,
        "auth_password_policy": PASSWORD_POLICY,
    }
    updated = ok(await gql(client, UPDATE, {"data": data}, token=token), "update_settings")
    assert updated == {
        "id": "1",
        "project_name": "My Project",
        "public_registration": True,
        "public_registration_verify_email": False,
        "public_registration_role": {"id": role.id, "name": "Registrants"},
        "public_registration_email_filter": {"_and": [{"email": {"_ends_with": "@corp.example"}}]},
        "auth_login_attempts": 5,
        "auth_password_policy": PASSWORD_POLICY,
    }
    row = await settings_row(services)
    assert row.project_name == "My Project"
    assert row.public_registration is True
    assert row.public_registration_verify_email is False
    assert row.public_registration_role == role.id
    assert row.public_registration_email_filter == {
        "_and": [{"email": {"_ends_with": "@corp.example"}}]
    }
    assert row.auth_login_attempts == 5
    assert row.auth_password_policy == PASSWORD_POLICY
    assert (await stored_role(services, role.id)).name == "Registrants"


async def test_partial_update_leaves_other_settings_alone(
    client: httpx.AsyncClient, services: Services
) -> None:
    token = await admin_token(client)
    updated = ok(
        await gql(client, UPDATE, {"data": {"project_name": "Only name"}}, token=token),
        "update_settings",
    )
    assert updated["project_name"] == "Only name"
    assert updated["auth_login_attempts"] == 25
    assert updated["public_registration"] is False
    row = await settings_row(services)
    assert (row.project_name, row.auth_login_attempts, row.public_registration) == (
        "Only name",
        25,
        False,
    )


async def test_registration_role_without_id_is_created(
    client: httpx.AsyncClient, services: Services
) -> None:
    token = await admin_token(client)
    updated = ok(
        await gql(
            client,
            UPDATE,
            {"data": {"public_registration_role": {"name": "Self-registered"}}},
            token=token,
        ),
        "update_settings",
    )
    [role] = await roles_named(services, "Self-registered")
    assert updated["public_registration_role"] == {"id": role.id, "name": "Self-registered"}
    assert (await settings_row(services)).public_registration_role == role.id
    assert role.admin_access is False


async def test_registration_role_with_id_and_name_renames_it(
    client: httpx.AsyncClient, services: Services
) -> None:
    token = await admin_token(client)
    role = await make_role(services, "Old")
    updated = ok(
        await gql(
            client,
            UPDATE,
            {"data": {"public_registration_role": {"id": role.id, "name": "New"}}},
            token=token,
        ),
        "update_settings",
    )
    assert updated["public_registration_role"] == {"id": role.id, "name": "New"}
    assert (await stored_role(services, role.id)).name == "New"


async def test_registration_role_null_clears_it(
    client: httpx.AsyncClient, services: Services
) -> None:
    token = await admin_token(client)
    role = await make_role(services, "Temporary")
    await gql(client, UPDATE, {"data": {"public_registration_role": {"id": role.id}}}, token=token)
    assert (await settings_row(services)).public_registration_role == role.id
    cleared = ok(
        await gql(client, UPDATE, {"data": {"public_registration_role": None}}, token=token),
        "update_settings",
    )
    assert cleared["public_registration_role"] is None
    assert (await settings_row(services)).public_registration_role is None
    assert await stored_role(services, role.id)  # only the link is gone


async def test_unknown_registration_role_id_with_a_name_creates_it(
    client: httpx.AsyncClient, services: Services
) -> None:
    token = await admin_token(client)
    updated = ok(
        await gql(
            client,
            UPDATE,
            {"data": {"public_registration_role": {"id": UNKNOWN_ID, "name": "Upserted"}}},
            token=token,
        ),
        "update_settings",
    )
    assert updated["public_registration_role"] == {"id": UNKNOWN_ID, "name": "Upserted"}
    assert (await stored_role(services, UNKNOWN_ID)).name == "Upserted"


@pytest.mark.parametrize("attempts", [-1, -25])
async def test_negative_login_attempts_fail_validation(
    client: httpx.AsyncClient, services: Services, attempts: int
) -> None:
    token = await admin_token(client)
    reply = await gql(
        client,
        UPDATE,
        {"data": {"auth_login_attempts": attempts, "project_name": "Not saved"}},
        token=token,
    )
    refused(reply, "FAILED_VALIDATION")
    assert reply.body["errors"][0]["message"].startswith(
        'Validation failed for field "auth_login_attempts". '
    )
    row = await settings_row(services)
    assert (row.auth_login_attempts, row.project_name) == (25, "Directus")


async def test_too_long_project_name_is_refused_with_a_code(
    client: httpx.AsyncClient, services: Services
) -> None:
    """project_name is varchar(100), as in Directus; longer is the client's error, not a 500."""
    token = await admin_token(client)
    reply = await gql(client, UPDATE, {"data": {"project_name": "x" * 101}}, token=token)
    refused(reply, "FAILED_VALIDATION")
    assert (await settings_row(services)).project_name == "Directus"


async def test_a_null_project_name_is_refused_with_a_code(
    client: httpx.AsyncClient, services: Services
) -> None:
    """project_name is NOT NULL; schemathesis once found a null answered by a 500."""
    token = await admin_token(client)
    reply = await gql(
        client, UPDATE, {"data": {"project_name": None, "auth_login_attempts": 3}}, token=token
    )
    refused(reply, "FAILED_VALIDATION")
    assert reply.body["errors"][0]["message"] == (
        'Validation failed for field "project_name". Value can\'t be null.'
    )
    row = await settings_row(services)
    assert (row.project_name, row.auth_login_attempts) == ("Directus", 25)


async def test_password_policy_setting_applies_to_user_mutations(
    client: httpx.AsyncClient, services: Services
) -> None:
    token = await admin_token(client)
    ok(
        await gql(client, UPDATE, {"data": {"auth_password_policy": PASSWORD_POLICY}}, token=token),
        "update_settings",
    )
    user = await create_user(services, "policy@example.com")
    reply = await gql(
        client,
        'mutation U($id: ID!) { update_users_item(id: $id, data: { password: "short" }) { id } }',
        {"id": user.id},
        token=token,
    )
    refused(reply, "FAILED_VALIDATION")
    ok(
        await gql(client, UPDATE, {"data": {"auth_password_policy": None}}, token=token),
        "update_settings",
    )
    assert (await settings_row(services)).auth_password_policy is None
    reply = await gql(
        client,
        'mutation U($id: ID!) { update_users_item(id: $id, data: { password: "short" }) { id } }',
        {"id": user.id},
        token=token,
    )
    assert ok(reply, "update_users_item") == {"id": user.id}
    await login(client, "policy@example.com", "short")


async def test_login_attempts_setting_suspends_after_that_many_failures(
    client: httpx.AsyncClient, services: Services
) -> None:
    token = await admin_token(client)
    ok(
        await gql(client, UPDATE, {"data": {"auth_login_attempts": 2}}, token=token),
        "update_settings",
    )
    user = await create_user(services, "guessed@example.com")
    for _ in range(2):
        reply = await gql(
            client,
            'mutation { auth_login(email: "guessed@example.com", password: "wrong") '
            "{ access_token } }",
        )
        assert reply.codes == ["INVALID_CREDENTIALS"]
    assert (await stored_user(services, user.id)).status == "suspended"


async def test_public_registration_uses_the_configured_role(
    client: httpx.AsyncClient, services: Services
) -> None:
    token = await admin_token(client)
    role = await make_role(services, "Members")
    closed = await gql(client, REGISTER, {"email": "early@example.com", "password": "pw-12345678"})
    refused(closed, "FORBIDDEN")
    ok(
        await gql(
            client,
            UPDATE,
            {
                "data": {
                    "public_registration": True,
                    "public_registration_verify_email": False,
                    "public_registration_role": {"id": role.id},
                }
            },
            token=token,
        ),
        "update_settings",
    )
    opened = await gql(client, REGISTER, {"email": "joined@example.com", "password": "pw-12345678"})
    assert ok(opened, "users_register") is True
    [row] = await users_with_email(services, "joined@example.com")
    assert row.role == role.id
    assert row.status == "active"


# Who may ------------------------------------------------------------------------------


async def test_app_user_cannot_update_settings(
    client: httpx.AsyncClient, services: Services
) -> None:
    _, token = await app_user(client, services, "curious@example.com")
    reply = await gql(
        client,
        UPDATE,
        {"data": {"project_name": "Hijacked", "public_registration": True}},
        token=token,
    )
    assert_validation_error(reply)
    row = await settings_row(services)
    assert (row.project_name, row.public_registration) == ("Directus", False)


async def test_anonymous_cannot_update_settings(
    client: httpx.AsyncClient, services: Services
) -> None:
    reply = await gql(client, UPDATE, {"data": {"public_registration": True}})
    assert_validation_error(reply)
    assert (await settings_row(services)).public_registration is False


async def test_custom_settings_permission_limits_fields(
    client: httpx.AsyncClient, services: Services
) -> None:
    user, token = await app_user(client, services, "brand@example.com")
    await add_permission(
        services,
        role=user.role,
        collection="directus_settings",
        action="update",
        fields=["project_name"],
    )
    updated = ok(
        await gql(client, UPDATE, {"data": {"project_name": "Rebranded"}}, token=token),
        "update_settings",
    )
    assert updated["project_name"] == "Rebranded"
    assert (await settings_row(services)).project_name == "Rebranded"
    denied = await gql(client, UPDATE, {"data": {"auth_login_attempts": 0}}, token=token)
    refused_by_schema(denied, "auth_login_attempts")
    rest = await client.patch(
        "/settings", json={"auth_login_attempts": 0}, headers={"Authorization": f"Bearer {token}"}
    )
    assert rest.status_code == 403, rest.text
    assert rest.json()["errors"][0]["message"] == write_refused(
        "update", "auth_login_attempts", collection="directus_settings"
    )
    assert (await settings_row(services)).auth_login_attempts == 25
