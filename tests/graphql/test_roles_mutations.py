"""Role mutations: create (with nested users), update, delete, the last admin, who may."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from app.services.container import Services
from tests.conftest import create_user, gql, login
from tests.graphql.helpers import ME_ID, claims_of
from tests.graphql.mutation_seed import (
    FORBIDDEN_MESSAGE,
    LAST_ADMIN_MESSAGE,
    ROLE_FIELDS,
    UNKNOWN_ID,
    add_permission,
    admin_role_id,
    admin_token,
    app_user,
    email_not_unique,
    make_role,
    permission_count,
    refused_by_schema,
    role_count,
    role_row,
    roles_named,
    stored_role,
    stored_user,
    the_admin,
    users_with_email,
    write_refused,
)
from tests.graphql.seed import assert_validation_error
from tests.graphql_reply import ok, refused

CREATE_ONE = f"""
mutation Create($data: create_directus_roles_input!) {{
  create_roles_item(data: $data) {{ {ROLE_FIELDS} }}
}}
"""

CREATE_MANY = """
mutation CreateMany($data: [create_directus_roles_input!]) {
  create_roles_items(data: $data) { id name admin_access }
}
"""

UPDATE_ONE = f"""
mutation Update($id: ID!, $data: update_directus_roles_input!) {{
  update_roles_item(id: $id, data: $data) {{ {ROLE_FIELDS} }}
}}
"""

UPDATE_MANY = """
mutation UpdateMany($ids: [ID]!, $data: update_directus_roles_input!) {
  update_roles_items(ids: $ids, data: $data) { id name description app_access }
}
"""

DELETE_ONE = "mutation Delete($id: ID!) { delete_roles_item(id: $id) { id } }"
DELETE_MANY = "mutation DeleteMany($ids: [ID]!) { delete_roles_items(ids: $ids) { ids } }"


# create_roles_item --------------------------------------------------------------------


async def test_admin_creates_a_role(client: httpx.AsyncClient, services: Services) -> None:
    token = await admin_token(client)
    data = {
        "name": "Reviewers",
        "icon": "rate_review",
        "description": "People who review",
        "ip_access": ["10.0.0.0/8", "192.168.1.7"],
        "enforce_tfa": True,
        "admin_access": False,
        "app_access": False,
    }
    created = ok(await gql(client, CREATE_ONE, {"data": data}, token=token), "create_roles_item")
    assert created["id"]
    for key, value in data.items():
        assert created[key] == value, key
    assert created["users"] == []

    row = await stored_role(services, created["id"])
    assert row.name == "Reviewers"
    assert row.icon == "rate_review"
    assert row.description == "People who review"
    assert row.ip_access == ["10.0.0.0/8", "192.168.1.7"]
    assert (row.enforce_tfa, row.admin_access, row.app_access) == (True, False, False)


async def test_role_defaults(client: httpx.AsyncClient, services: Services) -> None:
    token = await admin_token(client)
    created = ok(
        await gql(client, CREATE_ONE, {"data": {"name": "Plain"}}, token=token), "create_roles_item"
    )
    assert created["enforce_tfa"] is False
    assert created["admin_access"] is False
    assert created["app_access"] is True
    assert created["ip_access"] is None
    row = await stored_role(services, created["id"])
    assert (row.enforce_tfa, row.admin_access, row.app_access) == (False, False, True)


async def test_create_with_a_given_id_and_a_duplicate_id(
    client: httpx.AsyncClient, services: Services
) -> None:
    token = await admin_token(client)
    created = ok(
        await gql(client, CREATE_ONE, {"data": {"id": UNKNOWN_ID, "name": "Fixed"}}, token=token),
        "create_roles_item",
    )
    assert created["id"] == UNKNOWN_ID
    assert (await stored_role(services, UNKNOWN_ID)).name == "Fixed"
    again = await gql(
        client, CREATE_ONE, {"data": {"id": UNKNOWN_ID, "name": "Clash"}}, token=token
    )
    refused(
        again,
        "RECORD_NOT_UNIQUE",
        f'Value "{UNKNOWN_ID}" for field "id" in collection "directus_roles" has to be unique.',
    )
    assert (await stored_role(services, UNKNOWN_ID)).name == "Fixed"
    assert await roles_named(services, "Clash") == []


async def test_empty_role_name_fails_validation(
    client: httpx.AsyncClient, services: Services
) -> None:
    token = await admin_token(client)
    before = await role_count(services)
    reply = await gql(client, CREATE_ONE, {"data": {"name": ""}}, token=token)
    refused(reply, "FAILED_VALIDATION")
    assert reply.body["errors"][0]["message"].startswith('Validation failed for field "name". ')
    assert await role_count(services) == before


async def test_create_with_nested_users_creates_them_in_the_role(
    client: httpx.AsyncClient, services: Services
) -> None:
    token = await admin_token(client)
    data = {
        "name": "Team",
        "users": [
            {"email": "member1@example.com", "password": "member-pass-1", "first_name": "One"},
            {"email": "member2@example.com"},
        ],
    }
    created = ok(await gql(client, CREATE_ONE, {"data": data}, token=token), "create_roles_item")
    emails = sorted(user["email"] for user in created["users"])
    assert emails == ["member1@example.com", "member2@example.com"]
    for email in emails:
        [row] = await users_with_email(services, email)
        assert row.role == created["id"]
    [first] = await users_with_email(services, "member1@example.com")
    assert first.first_name == "One"
    tokens = await login(client, "member1@example.com", "member-pass-1")
    me = await gql(client, "{ users_me { role { id name } } }", token=tokens["access_token"])
    assert me.data["users_me"]["role"] == {"id": created["id"], "name": "Team"}


async def test_create_with_a_nested_existing_user_moves_it_into_the_role(
    client: httpx.AsyncClient, services: Services
) -> None:
    token = await admin_token(client)
    user = await create_user(services, "joiner@example.com")
    created = ok(
        await gql(
            client,
            CREATE_ONE,
            {"data": {"name": "Joined", "users": [{"id": user.id, "first_name": "Joined"}]}},
            token=token,
        ),
        "create_roles_item",
    )
    assert [item["id"] for item in created["users"]] == [user.id]
    row = await stored_user(services, user.id)
    assert row.role == created["id"]
    assert row.first_name == "Joined"


async def test_create_with_a_bad_nested_user_creates_nothing(
    client: httpx.AsyncClient, services: Services
) -> None:
    token = await admin_token(client)
    before = await role_count(services)
    data = {
        "name": "Doomed",
        "users": [{"email": "fine@example.com"}, {"email": "ADMIN@Example.com"}],
    }
    reply = await gql(client, CREATE_ONE, {"data": data}, token=token)
    refused(reply, "RECORD_NOT_UNIQUE", email_not_unique("ADMIN@Example.com"))
    assert await roles_named(services, "Doomed") == []
    assert await role_count(services) == before
    assert await users_with_email(services, "fine@example.com") == []


async def test_create_many_roles(client: httpx.AsyncClient, services: Services) -> None:
    token = await admin_token(client)
    data = [{"name": "R1"}, {"name": "R2", "admin_access": True}]
    created = ok(await gql(client, CREATE_MANY, {"data": data}, token=token), "create_roles_items")
    assert [(item["name"], item["admin_access"]) for item in created] == [
        ("R1", False),
        ("R2", True),
    ]
    for item in created:
        assert (await stored_role(services, item["id"])).name == item["name"]


async def test_create_many_roles_with_one_bad_item_creates_nothing(
    client: httpx.AsyncClient, services: Services
) -> None:
    token = await admin_token(client)
    before = await role_count(services)
    data = [
        {"name": "Good 1"},
        {"name": "Good 2", "users": [{"email": "g2@example.com"}]},
        {"name": "Bad", "users": [{"email": "not an email"}]},
    ]
    reply = await gql(client, CREATE_MANY, {"data": data}, token=token)
    refused(reply, "FAILED_VALIDATION")
    assert await role_count(services) == before
    assert await roles_named(services, "Good 1") == []
    assert await users_with_email(services, "g2@example.com") == []


# update_roles_item --------------------------------------------------------------------


async def test_admin_updates_a_role(client: httpx.AsyncClient, services: Services) -> None:
    token = await admin_token(client)
    role = await make_role(services, "Old name")
    data = {
        "name": "New name",
        "icon": "star",
        "description": "Changed",
        "ip_access": ["203.0.113.0/24"],
        "enforce_tfa": True,
        "app_access": False,
    }
    updated = ok(
        await gql(client, UPDATE_ONE, {"id": role.id, "data": data}, token=token),
        "update_roles_item",
    )
    for key, value in data.items():
        assert updated[key] == value, key
    row = await stored_role(services, role.id)
    assert row.name == "New name"
    assert row.icon == "star"
    assert row.description == "Changed"
    assert row.ip_access == ["203.0.113.0/24"]
    assert (row.enforce_tfa, row.app_access, row.admin_access) == (True, False, False)


async def test_ip_access_outside_the_clients_network_removes_role_rights(
    client: httpx.AsyncClient, services: Services
) -> None:
    """The test client connects from 203.0.113.7."""
    user, user_token = await app_user(client, services, "remote@example.com")
    token = await admin_token(client)
    assert ok(await gql(client, ME_ID, token=user_token), "users_me")["id"] == user.id

    outside = await gql(
        client, UPDATE_ONE, {"id": user.role, "data": {"ip_access": ["10.0.0.0/8"]}}, token=token
    )
    assert ok(outside, "update_roles_item")["ip_access"] == ["10.0.0.0/8"]
    assert (await stored_role(services, str(user.role))).ip_access == ["10.0.0.0/8"]
    # No permission applies, so users_me is not in its schema.
    assert_validation_error(await gql(client, ME_ID, token=user_token))

    inside = await gql(
        client,
        UPDATE_ONE,
        {"id": user.role, "data": {"ip_access": ["10.0.0.0/8", "203.0.113.0/24"]}},
        token=token,
    )
    assert ok(inside, "update_roles_item")["ip_access"] == ["10.0.0.0/8", "203.0.113.0/24"]
    assert ok(await gql(client, ME_ID, token=user_token), "users_me")["id"] == user.id

    cleared = await gql(
        client, UPDATE_ONE, {"id": user.role, "data": {"ip_access": None}}, token=token
    )
    assert ok(cleared, "update_roles_item")["ip_access"] is None
    assert (await stored_role(services, str(user.role))).ip_access is None


async def test_enforce_tfa_marks_new_access_tokens(
    client: httpx.AsyncClient, services: Services
) -> None:
    user, user_token = await app_user(client, services, "tfa-needed@example.com")
    assert "enforce_tfa" not in claims_of(user_token) or not claims_of(user_token)["enforce_tfa"]
    token = await admin_token(client)
    updated = ok(
        await gql(
            client, UPDATE_ONE, {"id": user.role, "data": {"enforce_tfa": True}}, token=token
        ),
        "update_roles_item",
    )
    assert updated["enforce_tfa"] is True
    assert (await stored_role(services, str(user.role))).enforce_tfa is True
    fresh = (await login(client, "tfa-needed@example.com", "user-password-1"))["access_token"]
    assert claims_of(fresh)["enforce_tfa"] is True


async def test_update_role_with_nested_new_users(
    client: httpx.AsyncClient, services: Services
) -> None:
    token = await admin_token(client)
    role = await make_role(services, "Growing")
    updated = ok(
        await gql(
            client,
            UPDATE_ONE,
            {"id": role.id, "data": {"users": [{"email": "recruit@example.com"}]}},
            token=token,
        ),
        "update_roles_item",
    )
    assert [user["email"] for user in updated["users"]] == ["recruit@example.com"]
    [row] = await users_with_email(services, "recruit@example.com")
    assert row.role == role.id


async def test_update_unknown_role_is_forbidden(client: httpx.AsyncClient) -> None:
    token = await admin_token(client)
    reply = await gql(client, UPDATE_ONE, {"id": UNKNOWN_ID, "data": {"name": "X"}}, token=token)
    refused(reply, "FORBIDDEN", FORBIDDEN_MESSAGE)


async def test_update_many_roles(client: httpx.AsyncClient, services: Services) -> None:
    token = await admin_token(client)
    first = await make_role(services, "A")
    second = await make_role(services, "B")
    kept = await make_role(services, "C")
    reply = await gql(
        client,
        UPDATE_MANY,
        {"ids": [first.id, second.id], "data": {"description": "bulk", "app_access": False}},
        token=token,
    )
    updated = ok(reply, "update_roles_items")
    assert [item["id"] for item in updated] == [first.id, second.id]
    assert all(item["description"] == "bulk" for item in updated)
    for role_id in (first.id, second.id):
        row = await stored_role(services, role_id)
        assert (row.description, row.app_access) == ("bulk", False)
    row = await stored_role(services, kept.id)
    assert (row.description, row.app_access) == (None, True)


async def test_update_many_roles_skips_an_unknown_id(
    client: httpx.AsyncClient, services: Services
) -> None:
    token = await admin_token(client)
    first = await make_role(services, "Changed")
    kept = await make_role(services, "Unchanged")
    reply = await gql(
        client,
        UPDATE_MANY,
        {"ids": [UNKNOWN_ID, first.id], "data": {"description": "some"}},
        token=token,
    )
    updated = ok(reply, "update_roles_items")
    assert [(item["id"], item["description"]) for item in updated] == [(first.id, "some")]
    assert (await stored_role(services, first.id)).description == "some"
    assert (await stored_role(services, kept.id)).description is None


async def test_unknown_role_ids_do_not_lift_the_permission_checks(
    client: httpx.AsyncClient, services: Services
) -> None:
    """Every existing role still needs the grant: one outside it refuses the whole write;
    and for anyone but an admin an unknown id is refused too (Directus's validateAccess), so
    a grant holder cannot probe which ids exist."""
    user, token = await app_user(client, services, "role-keeper@example.com")
    mine = await make_role(services, "Mine")
    theirs = await make_role(services, "Theirs")
    for action in ("update", "delete", "read"):
        await add_permission(
            services,
            role=user.role,
            collection="directus_roles",
            action=action,
            fields=["*"],
            permissions={"name": {"_eq": "Mine"}},
        )
    mixed = {"ids": [mine.id, UNKNOWN_ID, theirs.id], "data": {"description": "x"}}
    refused(
        await gql(client, UPDATE_MANY, mixed, token=token),
        "FORBIDDEN",
        write_refused("update", "description", collection="directus_roles"),
    )
    deleting = {"ids": [mine.id, UNKNOWN_ID, theirs.id]}
    refused(await gql(client, DELETE_MANY, deleting, token=token), "FORBIDDEN", FORBIDDEN_MESSAGE)
    assert (await stored_role(services, mine.id)).description is None
    assert await role_row(services, theirs.id) is not None

    update = (
        "mutation M($ids: [ID]!, $data: update_directus_roles_input!) "
        "{ update_roles_items(ids: $ids, data: $data) { id description } }"
    )
    probe = {"ids": [mine.id, UNKNOWN_ID], "data": {"description": "x"}}
    refused(
        await gql(client, update, probe, token=token),
        "FORBIDDEN",
        write_refused("update", "description", collection="directus_roles"),
    )
    probe_delete = {"ids": [UNKNOWN_ID, mine.id]}
    refused(await gql(client, DELETE_MANY, probe_delete, token=token), "FORBIDDEN")
    assert (await stored_role(services, mine.id)).description is None

    reply = await gql(client, update, {"ids": [mine.id], "data": {"description": "x"}}, token=token)
    assert ok(reply, "update_roles_items") == [{"id": mine.id, "description": "x"}]
    deleted = await gql(client, DELETE_MANY, {"ids": [mine.id]}, token=token)
    assert ok(deleted, "delete_roles_items") == {"ids": [mine.id]}
    assert await role_row(services, mine.id) is None
    assert await role_row(services, theirs.id) is not None


# delete_roles_item --------------------------------------------------------------------


async def test_deleting_a_role_leaves_its_users_without_role(
    client: httpx.AsyncClient, services: Services
) -> None:
    token = await admin_token(client)
    role = await make_role(services, "Temporary")
    await add_permission(
        services, role=role.id, collection="directus_users", action="create", fields=["*"]
    )
    member, _ = await app_user(client, services, "member@example.com")
    await gql(
        client,
        "mutation M($id: ID!, $r: ID) { update_users_item(id: $id, data: { role: { id: $r } }) "
        "{ id } }",
        {"id": member.id, "r": role.id},
        token=token,
    )
    assert (await stored_user(services, member.id)).role == role.id
    assert await permission_count(services, role.id) == 1

    reply = await gql(client, DELETE_ONE, {"id": role.id}, token=token)
    assert ok(reply, "delete_roles_item") == {"id": role.id}
    assert await role_row(services, role.id) is None
    assert await permission_count(services, role.id) == 0
    row = await stored_user(services, member.id)
    assert row.role is None
    assert row.status == "active"


async def test_delete_many_roles(client: httpx.AsyncClient, services: Services) -> None:
    token = await admin_token(client)
    first = await make_role(services, "X1")
    second = await make_role(services, "X2")
    user = await create_user(services, "x2-member@example.com")
    reply = await gql(client, DELETE_MANY, {"ids": [first.id, second.id]}, token=token)
    assert ok(reply, "delete_roles_items") == {"ids": [first.id, second.id]}
    assert await role_row(services, first.id) is None
    assert await role_row(services, second.id) is None
    assert user.role is not None
    assert await role_row(services, user.role) is not None


async def test_delete_roles_with_an_unknown_id_answers_every_id_asked(
    client: httpx.AsyncClient, services: Services
) -> None:
    token = await admin_token(client)
    first = await make_role(services, "Goes")
    kept = await make_role(services, "Stays")
    reply = await gql(client, DELETE_MANY, {"ids": [first.id, UNKNOWN_ID]}, token=token)
    assert ok(reply, "delete_roles_items") == {"ids": [first.id, UNKNOWN_ID]}
    assert await role_row(services, first.id) is None
    assert await role_row(services, kept.id) is not None
    one = await gql(client, DELETE_ONE, {"id": UNKNOWN_ID}, token=token)
    assert ok(one, "delete_roles_item") == {"id": UNKNOWN_ID}


async def test_an_unknown_id_beside_the_last_admin_role_keeps_the_guard(
    client: httpx.AsyncClient, services: Services
) -> None:
    token = await admin_token(client)
    admin_role = await admin_role_id(services)
    reply = await gql(client, DELETE_MANY, {"ids": [UNKNOWN_ID, admin_role]}, token=token)
    refused(reply, "UNPROCESSABLE_CONTENT", LAST_ADMIN_MESSAGE)
    assert await role_row(services, admin_role) is not None


# The last admin -----------------------------------------------------------------------


async def test_removing_admin_access_from_the_last_admin_role_is_unprocessable(
    client: httpx.AsyncClient, services: Services
) -> None:
    token = await admin_token(client)
    role_id = await admin_role_id(services)
    reply = await gql(
        client,
        UPDATE_ONE,
        {"id": role_id, "data": {"admin_access": False, "name": "Demoted"}},
        token=token,
    )
    refused(reply, "UNPROCESSABLE_CONTENT", LAST_ADMIN_MESSAGE)
    row = await stored_role(services, role_id)
    assert row.admin_access is True
    assert row.name == "Administrator"
    many = await gql(
        client, UPDATE_MANY, {"ids": [role_id], "data": {"admin_access": False}}, token=token
    )
    refused(many, "UNPROCESSABLE_CONTENT", LAST_ADMIN_MESSAGE)
    assert (await stored_role(services, role_id)).admin_access is True


async def test_deleting_the_last_admin_role_is_unprocessable(
    client: httpx.AsyncClient, services: Services
) -> None:
    token = await admin_token(client)
    role_id = await admin_role_id(services)
    other = await make_role(services, "Bystander")
    reply = await gql(client, DELETE_ONE, {"id": role_id}, token=token)
    refused(reply, "UNPROCESSABLE_CONTENT", LAST_ADMIN_MESSAGE)
    many = await gql(client, DELETE_MANY, {"ids": [other.id, role_id]}, token=token)
    refused(many, "UNPROCESSABLE_CONTENT", LAST_ADMIN_MESSAGE)
    assert await role_row(services, role_id) is not None
    assert await role_row(services, other.id) is not None
    assert (await the_admin(services)).role == role_id
    me = await gql(client, "{ users_me { role { admin_access } } }", token=token)
    assert me.data["users_me"]["role"] == {"admin_access": True}


async def test_with_another_admin_the_administrator_role_can_go(
    client: httpx.AsyncClient, services: Services
) -> None:
    token = await admin_token(client)
    await create_user(services, "other-admin@example.com", admin=True)
    role_id = await admin_role_id(services)
    demoted = await gql(
        client, UPDATE_ONE, {"id": role_id, "data": {"admin_access": False}}, token=token
    )
    assert ok(demoted, "update_roles_item")["admin_access"] is False
    assert (await stored_role(services, role_id)).admin_access is False

    other_token = (await login(client, "other-admin@example.com", "user-password-1"))[
        "access_token"
    ]
    reply = await gql(client, DELETE_ONE, {"id": role_id}, token=other_token)
    assert ok(reply, "delete_roles_item") == {"id": role_id}
    assert await role_row(services, role_id) is None
    assert (await the_admin(services)).role is None


# Who may ------------------------------------------------------------------------------


async def _attempt_every_role_mutation(
    client: httpx.AsyncClient, token: str | None, role_id: str
) -> None:
    attempts: list[tuple[str, dict[str, Any]]] = [
        (CREATE_ONE, {"data": {"name": "Sneaky"}}),
        (CREATE_MANY, {"data": [{"name": "Sneaky"}]}),
        (UPDATE_ONE, {"id": role_id, "data": {"admin_access": True}}),
        (UPDATE_MANY, {"ids": [role_id], "data": {"name": "Sneaky"}}),
        (DELETE_ONE, {"id": role_id}),
        (DELETE_MANY, {"ids": [role_id]}),
    ]
    for document, variables in attempts:
        # No role mutation is in the schema of a caller that may not write roles.
        assert_validation_error(await gql(client, document, variables, token=token))


async def test_app_user_cannot_write_roles(client: httpx.AsyncClient, services: Services) -> None:
    user, token = await app_user(client, services, "roleless@example.com")
    assert user.role is not None
    before = await role_count(services)
    await _attempt_every_role_mutation(client, token, user.role)
    await _attempt_every_role_mutation(client, token, await admin_role_id(services))
    assert await role_count(services) == before
    assert await roles_named(services, "Sneaky") == []
    row = await stored_role(services, user.role)
    assert (row.name, row.admin_access) == ("role-for-roleless@example.com", False)


async def test_anonymous_cannot_write_roles(client: httpx.AsyncClient, services: Services) -> None:
    role_id = await admin_role_id(services)
    before = await role_count(services)
    await _attempt_every_role_mutation(client, None, role_id)
    assert await role_count(services) == before
    assert (await stored_role(services, role_id)).name == "Administrator"


async def test_custom_role_create_permission_applies(
    client: httpx.AsyncClient, services: Services
) -> None:
    user, token = await app_user(client, services, "rolemaker@example.com")
    for action in ("create", "read"):
        await add_permission(
            services,
            role=user.role,
            collection="directus_roles",
            action=action,
            fields=["name", "description"] if action == "create" else ["*"],
        )
    created = ok(
        await gql(client, CREATE_ONE, {"data": {"name": "Made", "description": "ok"}}, token=token),
        "create_roles_item",
    )
    assert created["name"] == "Made"
    assert (await stored_role(services, created["id"])).description == "ok"
    escalate = await gql(
        client, CREATE_ONE, {"data": {"name": "Root", "admin_access": True}}, token=token
    )
    # Not in the caller's create input: the variable fails coercion; REST meets the rule.
    refused_by_schema(escalate, "admin_access")
    rest = await client.post(
        "/roles",
        json={"name": "Root", "admin_access": True},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert rest.status_code == 403, rest.text
    assert rest.json()["errors"][0]["message"] == write_refused(
        "create", "admin_access", collection="directus_roles"
    )
    assert await roles_named(services, "Root") == []


async def test_custom_role_create_permission_presets_fill_unlisted_fields(
    client: httpx.AsyncClient, services: Services
) -> None:
    """Directus checks the permitted fields on the payload, then merges the presets."""
    user, token = await app_user(client, services, "presetter@example.com")
    await add_permission(
        services,
        role=user.role,
        collection="directus_roles",
        action="create",
        fields=["name"],
        presets={"description": "From preset"},
    )
    await add_permission(
        services, role=user.role, collection="directus_roles", action="read", fields=["*"]
    )
    reply = await gql(client, CREATE_ONE, {"data": {"name": "Preset role"}}, token=token)
    created = ok(reply, "create_roles_item")
    assert created["description"] == "From preset"
    [row] = await roles_named(services, "Preset role")
    assert row.description == "From preset"


class TestMaxBatchMutation:
    """MAX_BATCH_MUTATION=2 for the tests of this class only."""

    @pytest.fixture
    def settings_overrides(self) -> dict[str, Any]:
        return {"max_batch_mutation": 2}

    async def test_three_roles_are_an_invalid_payload(
        self, client: httpx.AsyncClient, services: Services
    ) -> None:
        token = await admin_token(client)
        before = await role_count(services)
        reply = await gql(
            client, CREATE_MANY, {"data": [{"name": f"Cap {n}"} for n in range(3)]}, token=token
        )
        refused(reply, "INVALID_PAYLOAD")
        assert await role_count(services) == before

        roles = [await make_role(services, f"Capped {n}") for n in range(3)]
        ids = [role.id for role in roles]
        update = await gql(
            client, UPDATE_MANY, {"ids": ids, "data": {"description": "x"}}, token=token
        )
        refused(update, "INVALID_PAYLOAD")
        delete = await gql(client, DELETE_MANY, {"ids": ids}, token=token)
        refused(delete, "INVALID_PAYLOAD")
        for role in roles:
            row = await stored_role(services, role.id)
            assert row.description is None
