"""create_users_item / create_users_items: what is stored, what is refused, who may do it."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from app.services.container import Services
from tests.conftest import gql, login
from tests.graphql.mutation_seed import (
    CONCEALED,
    EMAIL_INVALID,
    PASSWORD_POLICY,
    SELF_FIELDS,
    UNKNOWN_ID,
    USER_FIELDS,
    add_permission,
    admin_token,
    app_user,
    email_not_unique,
    make_role,
    refused_by_schema,
    role_count,
    roles_named,
    stored_role,
    stored_user,
    user_count,
    users_with_email,
    write_refused,
)
from tests.graphql.seed import assert_validation_error
from tests.graphql_reply import ok, refused

CREATE_ONE = f"""
mutation Create($data: create_directus_users_input!) {{
  create_users_item(data: $data) {{ {USER_FIELDS} }}
}}
"""

# The same for a non-admin, who may not read the sign-in fields.
CREATE_ONE_AS_USER = CREATE_ONE.replace(USER_FIELDS, SELF_FIELDS)

CREATE_MANY = """
mutation CreateMany($data: [create_directus_users_input!], $filter: directus_users_filter,
                    $sort: [String]) {
  create_users_items(data: $data, filter: $filter, sort: $sort) {
    id email first_name status
  }
}
"""

SET_POLICY = """
mutation Policy($policy: String) {
  update_settings(data: { auth_password_policy: $policy }) { auth_password_policy }
}
"""


async def _create(
    client: httpx.AsyncClient, token: str | None, data: dict[str, Any]
) -> dict[str, Any] | None:
    reply = await gql(client, CREATE_ONE, {"data": data}, token=token)
    created: dict[str, Any] | None = ok(reply, "create_users_item")
    return created


# Happy path ---------------------------------------------------------------------------


async def test_admin_creates_a_user_and_it_is_stored(
    client: httpx.AsyncClient, services: Services
) -> None:
    token = await admin_token(client)
    role = await make_role(services, "Editors")
    data = {
        "email": "New.Person@Example.com",
        "password": "new-password-1",
        "first_name": "New",
        "last_name": "Person",
        "location": "Lisbon",
        "title": "Editor",
        "description": "Writes things",
        "tags": ["a", "b"],
        "language": "pt-PT",
        "status": "draft",
        "role": {"id": role.id, "name": "Editors"},
        "email_notifications": False,
        "appearance": "dark",
        "theme_dark": "Directus Color Match",
        "theme_light": "Directus Default",
        "theme_light_overrides": {"primary": "#ff0000"},
        "theme_dark_overrides": {"primary": "#00ff00"},
        "text_direction": "rtl",
    }
    created = await _create(client, token, data)
    assert created is not None
    assert created["id"]
    for key in (
        "email",
        "first_name",
        "last_name",
        "location",
        "title",
        "description",
        "tags",
        "language",
        "status",
        "email_notifications",
        "appearance",
        "theme_dark",
        "theme_light",
        "theme_light_overrides",
        "theme_dark_overrides",
        "text_direction",
    ):
        assert created[key] == data[key], key
    assert created["password"] == CONCEALED
    assert created["token"] is None
    assert created["tfa_secret"] is None
    assert created["provider"] == "default"
    assert created["role"] == {
        "id": role.id,
        "name": "Editors",
        "admin_access": False,
        "app_access": True,
    }

    row = await stored_user(services, created["id"])
    assert row.email == "New.Person@Example.com"  # stored as given
    assert row.first_name == "New"
    assert row.last_name == "Person"
    assert row.status == "draft"
    assert row.role == role.id
    assert row.tags == ["a", "b"]
    assert row.theme_light_overrides == {"primary": "#ff0000"}
    assert row.email_notifications is False
    assert row.text_direction == "rtl"
    assert row.password is not None
    assert row.password != "new-password-1"
    assert row.password.startswith("$argon2id$")


async def test_created_user_logs_in_with_its_password(
    client: httpx.AsyncClient, services: Services
) -> None:
    token = await admin_token(client)
    created = await _create(
        client,
        token,
        {
            "email": "login@example.com",
            "password": "fresh-password-9",
            "role": {"name": "App users", "app_access": True},
        },
    )
    assert created is not None
    assert created["password"] == CONCEALED
    assert created["status"] == "active"
    tokens = await login(client, "LOGIN@example.com", "fresh-password-9")
    me = await gql(client, "{ users_me { id email } }", token=tokens["access_token"])
    assert me.data["users_me"] == {"id": created["id"], "email": "login@example.com"}
    wrong = await gql(
        client,
        'mutation { auth_login(email: "login@example.com", password: "nope") { access_token } }',
    )
    assert wrong.codes == ["INVALID_CREDENTIALS"]


async def test_created_user_with_a_static_token_can_use_it(
    client: httpx.AsyncClient, services: Services
) -> None:
    token = await admin_token(client)
    created = await _create(
        client,
        token,
        {
            "email": "static@example.com",
            "token": "static-token-for-create-1",
            "role": {"name": "Token users", "app_access": True},
        },
    )
    assert created is not None
    assert created["token"] == CONCEALED
    row = await stored_user(services, created["id"])
    assert row.token is not None
    assert row.token != "static-token-for-create-1"
    me = await gql(client, "{ users_me { id } }", token="static-token-for-create-1")
    assert me.data["users_me"] == {"id": created["id"]}


async def test_admin_creates_a_user_with_a_given_id(
    client: httpx.AsyncClient, services: Services
) -> None:
    token = await admin_token(client)
    created = await _create(client, token, {"id": UNKNOWN_ID, "email": "given@example.com"})
    assert created is not None
    assert created["id"] == UNKNOWN_ID
    assert (await stored_user(services, UNKNOWN_ID)).email == "given@example.com"

    again = await gql(
        client, CREATE_ONE, {"data": {"id": UNKNOWN_ID, "email": "other@example.com"}}, token=token
    )
    refused(again, "RECORD_NOT_UNIQUE")
    assert await users_with_email(services, "other@example.com") == []


async def test_admin_may_create_an_external_user_without_email(
    client: httpx.AsyncClient, services: Services
) -> None:
    token = await admin_token(client)
    created = await _create(
        client,
        token,
        {
            "email": None,
            "provider": "openid",
            "external_identifier": "sub-12345",
            "auth_data": {"issuer": "https://id.example.com"},
        },
    )
    assert created is not None
    assert created["email"] is None
    assert created["provider"] == "openid"
    assert created["external_identifier"] == "sub-12345"
    assert created["auth_data"] == {"issuer": "https://id.example.com"}
    row = await stored_user(services, created["id"])
    assert row.email is None
    assert row.provider == "openid"
    assert row.external_identifier == "sub-12345"


async def test_admin_may_create_with_tfa_secret_null(
    client: httpx.AsyncClient, services: Services
) -> None:
    token = await admin_token(client)
    created = await _create(client, token, {"email": "notfa@example.com", "tfa_secret": None})
    assert created is not None
    assert created["tfa_secret"] is None
    assert (await stored_user(services, created["id"])).tfa_secret is None


async def test_create_with_a_new_avatar_file(client: httpx.AsyncClient, services: Services) -> None:
    token = await admin_token(client)
    reply = await gql(
        client,
        """
        mutation {
          create_users_item(data: {
            email: "avatar@example.com",
            avatar: { storage: "local", filename_download: "me.png", type: "image/png" }
          }) { id avatar { id storage filename_download type } }
        }
        """,
        token=token,
    )
    created = ok(reply, "create_users_item")
    avatar = created["avatar"]
    assert avatar["storage"] == "local"
    assert avatar["filename_download"] == "me.png"
    assert avatar["type"] == "image/png"
    assert (await stored_user(services, created["id"])).avatar == avatar["id"]


# Refusals -----------------------------------------------------------------------------


async def test_duplicate_email_in_another_case_is_not_unique(
    client: httpx.AsyncClient, services: Services
) -> None:
    token = await admin_token(client)
    assert await _create(client, token, {"email": "taken@example.com"}) is not None
    before = await user_count(services)
    reply = await gql(client, CREATE_ONE, {"data": {"email": "TAKEN@Example.COM"}}, token=token)
    refused(reply, "RECORD_NOT_UNIQUE", email_not_unique("TAKEN@Example.COM"))
    assert await user_count(services) == before
    rows = await users_with_email(services, "taken@example.com")
    assert [row.email for row in rows] == ["taken@example.com"]


async def test_duplicate_of_the_admin_email_is_not_unique(
    client: httpx.AsyncClient, services: Services
) -> None:
    token = await admin_token(client)
    reply = await gql(client, CREATE_ONE, {"data": {"email": "Admin@Example.com"}}, token=token)
    refused(reply, "RECORD_NOT_UNIQUE", email_not_unique("Admin@Example.com"))
    assert len(await users_with_email(services, "admin@example.com")) == 1


@pytest.mark.parametrize(
    "email", ["not-an-email", "two@@example.com", "spaces in@example.com", "@example.com", ""]
)
async def test_invalid_email_fails_validation(
    client: httpx.AsyncClient, services: Services, email: str
) -> None:
    token = await admin_token(client)
    before = await user_count(services)
    reply = await gql(client, CREATE_ONE, {"data": {"email": email}}, token=token)
    refused(reply, "FAILED_VALIDATION", EMAIL_INVALID)
    assert await user_count(services) == before


async def test_tfa_secret_in_the_payload_is_an_invalid_payload(
    client: httpx.AsyncClient, services: Services
) -> None:
    token = await admin_token(client)
    reply = await gql(
        client,
        CREATE_ONE,
        {"data": {"email": "tfa@example.com", "tfa_secret": "JBSWY3DPEHPK3PXP"}},
        token=token,
    )
    refused(reply, "INVALID_PAYLOAD")
    assert reply.body["errors"][0]["message"].startswith("Invalid payload. ")
    assert await users_with_email(services, "tfa@example.com") == []


@pytest.mark.parametrize("status", ["enabled", "ACTIVE", "", "deleted"])
async def test_unknown_status_fails_validation(
    client: httpx.AsyncClient, services: Services, status: str
) -> None:
    token = await admin_token(client)
    reply = await gql(
        client, CREATE_ONE, {"data": {"email": "status@example.com", "status": status}}, token=token
    )
    refused(reply, "FAILED_VALIDATION")
    assert reply.body["errors"][0]["message"].startswith('Validation failed for field "status". ')
    assert await users_with_email(services, "status@example.com") == []


@pytest.mark.parametrize(
    "status", ["draft", "invited", "unverified", "active", "suspended", "archived"]
)
async def test_every_known_status_is_accepted(
    client: httpx.AsyncClient, services: Services, status: str
) -> None:
    token = await admin_token(client)
    created = await _create(client, token, {"email": f"{status}@example.com", "status": status})
    assert created is not None
    assert created["status"] == status
    assert (await stored_user(services, created["id"])).status == status


async def test_password_policy_refuses_a_short_password(
    client: httpx.AsyncClient, services: Services
) -> None:
    token = await admin_token(client)
    policy = await gql(client, SET_POLICY, {"policy": PASSWORD_POLICY}, token=token)
    assert ok(policy, "update_settings") == {"auth_password_policy": PASSWORD_POLICY}

    short = await gql(
        client, CREATE_ONE, {"data": {"email": "p@example.com", "password": "short"}}, token=token
    )
    refused(
        short,
        "FAILED_VALIDATION",
        'Validation failed for field "password". Value doesn\'t have the correct format.',
    )
    assert await users_with_email(services, "p@example.com") == []

    created = await _create(client, token, {"email": "p@example.com", "password": "long-enough"})
    assert created is not None
    await login(client, "p@example.com", "long-enough")


async def test_duplicate_static_token_is_not_unique(
    client: httpx.AsyncClient, services: Services
) -> None:
    token = await admin_token(client)
    assert await _create(client, token, {"email": "t1@example.com", "token": "shared-t"})
    reply = await gql(
        client, CREATE_ONE, {"data": {"email": "t2@example.com", "token": "shared-t"}}, token=token
    )
    refused(
        reply,
        "RECORD_NOT_UNIQUE",
        'Value for field "token" in collection "directus_users" has to be unique.',
    )
    assert await users_with_email(services, "t2@example.com") == []


async def test_unknown_field_type_is_a_graphql_validation_error(
    client: httpx.AsyncClient, services: Services
) -> None:
    token = await admin_token(client)
    reply = await gql(
        client, CREATE_ONE, {"data": {"email": "x@example.com", "nope": 1}}, token=token
    )
    assert reply.status == 400
    assert reply.codes == ["GRAPHQL_VALIDATION"]
    assert await users_with_email(services, "x@example.com") == []


# Nested role --------------------------------------------------------------------------


async def test_nested_role_without_id_creates_the_role(
    client: httpx.AsyncClient, services: Services
) -> None:
    token = await admin_token(client)
    created = await _create(
        client, token, {"email": "nested@example.com", "role": {"name": "New", "app_access": True}}
    )
    assert created is not None
    role = created["role"]
    assert role["name"] == "New"
    assert role["admin_access"] is False
    assert role["app_access"] is True
    stored = await roles_named(services, "New")
    assert [row.id for row in stored] == [role["id"]]
    assert (await stored_user(services, created["id"])).role == role["id"]


async def test_nested_role_with_existing_id_links(
    client: httpx.AsyncClient, services: Services
) -> None:
    token = await admin_token(client)
    role = await make_role(services, "Existing")
    roles_before = await role_count(services)
    # create_directus_roles_input requires a name: the current one links without a change.
    created = await _create(
        client, token, {"email": "link@example.com", "role": {"id": role.id, "name": "Existing"}}
    )
    assert created is not None
    assert created["role"]["id"] == role.id
    assert created["role"]["name"] == "Existing"
    assert await role_count(services) == roles_before
    assert (await stored_user(services, created["id"])).role == role.id


async def test_nested_role_with_existing_id_and_fields_updates_the_role(
    client: httpx.AsyncClient, services: Services
) -> None:
    token = await admin_token(client)
    role = await make_role(services, "Before")
    created = await _create(
        client, token, {"email": "upd@example.com", "role": {"id": role.id, "name": "After"}}
    )
    assert created is not None
    assert created["role"] == {
        "id": role.id,
        "name": "After",
        "admin_access": False,
        "app_access": True,
    }
    assert (await stored_role(services, role.id)).name == "After"


async def test_nested_role_with_unknown_id_creates_it_with_that_id(
    client: httpx.AsyncClient, services: Services
) -> None:
    """The docs' upsert example: an id that does not exist yet is used for the new role."""
    token = await admin_token(client)
    created = await _create(
        client, token, {"email": "upsert@example.com", "role": {"id": UNKNOWN_ID, "name": "X"}}
    )
    assert created is not None
    assert created["role"]["id"] == UNKNOWN_ID
    assert created["role"]["name"] == "X"
    assert (await stored_role(services, UNKNOWN_ID)).name == "X"
    assert (await stored_user(services, created["id"])).role == UNKNOWN_ID


async def test_nested_role_is_not_created_when_the_user_fails(
    client: httpx.AsyncClient, services: Services
) -> None:
    token = await admin_token(client)
    roles_before = await role_count(services)
    reply = await gql(
        client,
        CREATE_ONE,
        {"data": {"email": "ADMIN@example.com", "role": {"name": "Orphan"}}},
        token=token,
    )
    refused(reply, "RECORD_NOT_UNIQUE", email_not_unique("ADMIN@example.com"))
    assert await roles_named(services, "Orphan") == []
    assert await role_count(services) == roles_before


# Who may create -----------------------------------------------------------------------


async def test_non_admin_app_user_cannot_create_users(
    client: httpx.AsyncClient, services: Services
) -> None:
    _, token = await app_user(client, services, "plain@example.com")
    before = await user_count(services)
    # create_users_item(s) are not in its schema.
    reply = await gql(client, CREATE_ONE, {"data": {"email": "new@example.com"}}, token=token)
    assert_validation_error(reply)
    many = await gql(client, CREATE_MANY, {"data": [{"email": "m1@example.com"}]}, token=token)
    assert_validation_error(many)
    assert await user_count(services) == before


async def test_anonymous_cannot_create_users(client: httpx.AsyncClient, services: Services) -> None:
    before = await user_count(services)
    reply = await gql(client, CREATE_ONE, {"data": {"email": "anon@example.com"}})
    assert_validation_error(reply)
    many = await gql(client, CREATE_MANY, {"data": [{"email": "anon2@example.com"}]})
    assert_validation_error(many)
    assert await user_count(services) == before


async def _rest_create_refused(
    client: httpx.AsyncClient, data: dict[str, Any], token: str, field: str
) -> None:
    """The payload the caller's GraphQL input type cannot carry, over REST: the permission
    rule's own FORBIDDEN, Directus's reason naming the field."""
    answer = await client.post("/users", json=data, headers={"Authorization": f"Bearer {token}"})
    assert answer.status_code == 403, answer.text
    assert answer.json()["errors"][0]["message"] == write_refused("create", field)


async def test_non_admin_with_full_create_permission_cannot_write_admin_only_fields(
    client: httpx.AsyncClient, services: Services
) -> None:
    user, token = await app_user(client, services, "creator@example.com")
    await add_permission(
        services, role=user.role, collection="directus_users", action="create", fields=["*"]
    )
    for field, value in (
        ("provider", "openid"),
        ("external_identifier", "ext-1"),
        ("auth_data", {"a": 1}),
    ):
        reply = await gql(
            client,
            CREATE_ONE_AS_USER,
            {"data": {"email": "admin-only@example.com", field: value}},
            token=token,
        )
        refused_by_schema(reply, field)
        await _rest_create_refused(
            client, {"email": "admin-only@example.com", field: value}, token, field
        )
        assert await users_with_email(services, "admin-only@example.com") == []
    reply = await gql(
        client,
        'mutation { create_users_item(data: { email: "ok@example.com" }) { id } }',
        token=token,
    )
    assert "errors" not in reply.body, reply.body
    assert len(await users_with_email(services, "ok@example.com")) == 1


# Custom permissions -------------------------------------------------------------------


async def _corp_creator(client: httpx.AsyncClient, services: Services) -> str:
    user, token = await app_user(client, services, "hr@corp.example")
    await add_permission(
        services,
        role=user.role,
        collection="directus_users",
        action="create",
        fields=["email", "first_name", "password"],
        presets={"title": "Preset"},
        validation={"email": {"_ends_with": "@corp.example"}},
    )
    await add_permission(
        services,
        role=user.role,
        collection="directus_users",
        action="read",
        fields=["*"],
        permissions={"email": {"_ends_with": "@corp.example"}},
    )
    return token


async def test_custom_create_permission_allows_its_fields_and_applies_presets(
    client: httpx.AsyncClient, services: Services
) -> None:
    token = await _corp_creator(client, services)
    reply = await gql(
        client,
        """
        mutation Create($data: create_directus_users_input!) {
          create_users_item(data: $data) { id email first_name title password }
        }
        """,
        {"data": {"email": "new@corp.example", "first_name": "Nina", "password": "pw-123456"}},
        token=token,
    )
    created = ok(reply, "create_users_item")
    assert created is not None, reply.body
    assert created["email"] == "new@corp.example"
    assert created["first_name"] == "Nina"
    assert created["title"] == "Preset"
    assert created["password"] == CONCEALED
    row = await stored_user(services, created["id"])
    assert row.title == "Preset"
    assert row.first_name == "Nina"
    await login(client, "new@corp.example", "pw-123456")


async def test_custom_create_permission_forbids_other_fields(
    client: httpx.AsyncClient, services: Services
) -> None:
    token = await _corp_creator(client, services)
    for field, value in (("last_name", "Nope"), ("status", "active"), ("title", "Boss")):
        reply = await gql(
            client,
            CREATE_ONE_AS_USER,
            {"data": {"email": "other@corp.example", field: value}},
            token=token,
        )
        refused_by_schema(reply, field)
        await _rest_create_refused(
            client, {"email": "other@corp.example", field: value}, token, field
        )
    assert await users_with_email(services, "other@corp.example") == []


async def test_custom_create_permission_validation_refuses_off_domain_email(
    client: httpx.AsyncClient, services: Services
) -> None:
    token = await _corp_creator(client, services)
    before = await user_count(services)
    reply = await gql(
        client,
        CREATE_ONE_AS_USER,
        {"data": {"email": "outsider@gmail.example", "first_name": "Out"}},
        token=token,
    )
    refused(reply, "FAILED_VALIDATION")
    assert reply.body["errors"][0]["message"].startswith('Validation failed for field "email".')
    assert await users_with_email(services, "outsider@gmail.example") == []
    assert await user_count(services) == before


async def test_custom_create_validation_without_presets_refuses_off_domain_email(
    client: httpx.AsyncClient, services: Services
) -> None:
    """The validation rule on its own (no presets in the permission)."""
    user, token = await app_user(client, services, "it@corp.example")
    await add_permission(
        services,
        role=user.role,
        collection="directus_users",
        action="create",
        fields=["email", "first_name"],
        validation={"email": {"_ends_with": "@corp.example"}},
    )
    reply = await gql(
        client, CREATE_ONE_AS_USER, {"data": {"email": "outsider@gmail.example"}}, token=token
    )
    refused(reply, "FAILED_VALIDATION")
    assert reply.body["errors"][0]["message"].startswith('Validation failed for field "email".')
    assert await users_with_email(services, "outsider@gmail.example") == []

    inside = await gql(
        client,
        'mutation { create_users_item(data: { email: "in@corp.example" }) { id } }',
        token=token,
    )
    assert "errors" not in inside.body, inside.body
    assert len(await users_with_email(services, "in@corp.example")) == 1


# create_users_items -------------------------------------------------------------------


async def test_create_many_creates_every_item_in_order(
    client: httpx.AsyncClient, services: Services
) -> None:
    token = await admin_token(client)
    data = [
        {"email": "c@example.com", "first_name": "C"},
        {"email": "a@example.com", "first_name": "A", "status": "invited"},
        {"email": "b@example.com", "first_name": "B"},
    ]
    created = ok(await gql(client, CREATE_MANY, {"data": data}, token=token), "create_users_items")
    assert [item["email"] for item in created] == [
        "c@example.com",
        "a@example.com",
        "b@example.com",
    ]
    assert [item["status"] for item in created] == ["active", "invited", "active"]
    for item, sent in zip(created, data, strict=True):
        row = await stored_user(services, item["id"])
        assert row.email == sent["email"]
        assert row.first_name == sent["first_name"]


async def test_create_many_answer_honours_filter_and_sort(
    client: httpx.AsyncClient, services: Services
) -> None:
    token = await admin_token(client)
    data = [
        {"email": "x1@example.com", "first_name": "B"},
        {"email": "x2@example.com", "first_name": "A"},
        {"email": "y@example.com", "first_name": "C"},
    ]
    reply = await gql(
        client,
        CREATE_MANY,
        {"data": data, "filter": {"email": {"_starts_with": "x"}}, "sort": ["first_name"]},
        token=token,
    )
    created = ok(reply, "create_users_items")
    assert [item["email"] for item in created] == ["x2@example.com", "x1@example.com"]
    assert len(await users_with_email(services, "y@example.com")) == 1


async def test_create_many_with_a_duplicate_third_item_writes_nothing(
    client: httpx.AsyncClient, services: Services
) -> None:
    token = await admin_token(client)
    before = await user_count(services)
    data = [
        {"email": "first@example.com"},
        {"email": "second@example.com"},
        {"email": "ADMIN@EXAMPLE.COM"},
    ]
    reply = await gql(client, CREATE_MANY, {"data": data}, token=token)
    refused(reply, "RECORD_NOT_UNIQUE", email_not_unique("ADMIN@EXAMPLE.COM"))
    assert await users_with_email(services, "first@example.com") == []
    assert await users_with_email(services, "second@example.com") == []
    assert await user_count(services) == before


async def test_create_many_with_a_duplicate_inside_the_batch_writes_nothing(
    client: httpx.AsyncClient, services: Services
) -> None:
    token = await admin_token(client)
    before = await user_count(services)
    data = [
        {"email": "twin@example.com"},
        {"email": "single@example.com"},
        {"email": "Twin@Example.com"},
    ]
    reply = await gql(client, CREATE_MANY, {"data": data}, token=token)
    refused(reply, "RECORD_NOT_UNIQUE", email_not_unique("Twin@Example.com"))
    assert await users_with_email(services, "twin@example.com") == []
    assert await users_with_email(services, "single@example.com") == []
    assert await user_count(services) == before


async def test_create_many_with_an_invalid_third_email_writes_nothing(
    client: httpx.AsyncClient, services: Services
) -> None:
    token = await admin_token(client)
    before = await user_count(services)
    data = [
        {"email": "one@example.com"},
        {"email": "two@example.com"},
        {"email": "three-at-example.com"},
    ]
    reply = await gql(client, CREATE_MANY, {"data": data}, token=token)
    refused(reply, "FAILED_VALIDATION", EMAIL_INVALID)
    assert await users_with_email(services, "one@example.com") == []
    assert await users_with_email(services, "two@example.com") == []
    assert await user_count(services) == before


async def test_create_many_with_nested_roles_rolls_back_the_roles_too(
    client: httpx.AsyncClient, services: Services
) -> None:
    token = await admin_token(client)
    roles_before = await role_count(services)
    data = [
        {"email": "r1@example.com", "role": {"name": "Rolled back"}},
        {"email": "r1@EXAMPLE.com"},
    ]
    reply = await gql(client, CREATE_MANY, {"data": data}, token=token)
    refused(reply, "RECORD_NOT_UNIQUE", email_not_unique("r1@EXAMPLE.com"))
    assert await roles_named(services, "Rolled back") == []
    assert await role_count(services) == roles_before
    assert await users_with_email(services, "r1@example.com") == []


class TestMaxBatchMutation:
    """MAX_BATCH_MUTATION=2 for the tests of this class only."""

    @pytest.fixture
    def settings_overrides(self) -> dict[str, Any]:
        return {"max_batch_mutation": 2}

    async def test_three_items_are_an_invalid_payload(
        self, client: httpx.AsyncClient, services: Services
    ) -> None:
        token = await admin_token(client)
        before = await user_count(services)
        data = [{"email": f"batch{n}@example.com"} for n in range(3)]
        reply = await gql(client, CREATE_MANY, {"data": data}, token=token)
        refused(reply, "INVALID_PAYLOAD")
        assert reply.body["errors"][0]["message"].startswith("Invalid payload. ")
        assert await user_count(services) == before

    async def test_two_items_are_fine(self, client: httpx.AsyncClient, services: Services) -> None:
        token = await admin_token(client)
        data = [{"email": f"batch{n}@example.com"} for n in range(2)]
        created = ok(
            await gql(client, CREATE_MANY, {"data": data}, token=token), "create_users_items"
        )
        assert len(created) == 2
        assert len(await users_with_email(services, "batch1@example.com")) == 1


async def test_a_password_with_a_lone_surrogate_fails_validation(
    client: httpx.AsyncClient, services: Services
) -> None:
    """JSON carries "\\ud800"; no encoding can, so it cannot be hashed: a 400-class answer."""
    token = await admin_token(client)
    before = await user_count(services)
    data = {"email": "surrogate@example.com", "password": "pass\ud800word"}
    reply = await gql(client, CREATE_ONE, {"data": data}, token=token)
    refused(reply, "FAILED_VALIDATION")
    assert await user_count(services) == before
