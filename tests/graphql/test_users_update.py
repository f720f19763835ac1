"""update_users_item / _items / _batch / _me: stored effects, refusals, sessions, permissions."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from app.services.container import Services
from tests.conftest import create_user, gql, login
from tests.graphql.helpers import ME_ID, REFRESH, SESSION_COOKIE
from tests.graphql.mutation_seed import (
    CONCEALED,
    EMAIL_INVALID,
    FORBIDDEN_MESSAGE,
    LAST_ADMIN_MESSAGE,
    PASSWORD_POLICY,
    SELF_FIELDS,
    UNKNOWN_ID,
    USER_FIELDS,
    add_permission,
    admin_role_id,
    admin_token,
    app_user,
    email_not_unique,
    make_role,
    make_user,
    refused_by_schema,
    rest_write_refused,
    role_count,
    roles_named,
    session_count,
    set_password_policy,
    stored_role,
    stored_user,
    the_admin,
    write_refused,
)
from tests.graphql.seed import assert_validation_error
from tests.graphql_reply import ok, refused

UPDATE_ONE = f"""
mutation Update($id: ID!, $data: update_directus_users_input!) {{
  update_users_item(id: $id, data: $data) {{ {USER_FIELDS} }}
}}
"""

# The same for a non-admin, who may not read the sign-in fields.
UPDATE_ONE_AS_USER = UPDATE_ONE.replace(USER_FIELDS, SELF_FIELDS)

UPDATE_MANY = """
mutation UpdateMany($ids: [ID]!, $data: update_directus_users_input!) {
  update_users_items(ids: $ids, data: $data) { id email first_name status }
}
"""

UPDATE_BATCH = """
mutation UpdateBatch($data: [update_directus_users_input!]) {
  update_users_batch(data: $data) { id email first_name status }
}
"""

UPDATE_ME = f"""
mutation UpdateMe($data: update_directus_users_input) {{
  update_users_me(data: $data) {{ {SELF_FIELDS} }}
}}
"""

USER_BY_ID = "query One($id: ID!) { users_by_id(id: $id) { id email } }"
NO_DATA_MESSAGE = "Invalid payload. No data was included in the body."


async def _update(
    client: httpx.AsyncClient, token: str, user_id: str, data: dict[str, Any]
) -> dict[str, Any]:
    updated: dict[str, Any] = ok(
        await gql(client, UPDATE_ONE, {"id": user_id, "data": data}, token=token),
        "update_users_item",
    )
    assert updated is not None
    return updated


async def _refresh_refused(client: httpx.AsyncClient, refresh_token: str) -> None:
    reply = await gql(client, REFRESH, {"refresh_token": refresh_token})
    refused(reply, "INVALID_CREDENTIALS", "Invalid user credentials.")


# update_users_item: happy path --------------------------------------------------------


async def test_admin_updates_profile_fields(client: httpx.AsyncClient, services: Services) -> None:
    token = await admin_token(client)
    user = await create_user(services, "edit@example.com")
    data = {
        "first_name": "Edited",
        "last_name": "Person",
        "location": "Porto",
        "title": "Chief",
        "description": "Updated",
        "tags": ["x"],
        "language": "fr-FR",
        "email_notifications": False,
        "appearance": "light",
        "theme_light_overrides": {"a": 1},
        "text_direction": "ltr",
        "last_page": "/content",
    }
    updated = await _update(client, token, user.id, data)
    for key in data:
        if key != "last_page":
            assert updated[key] == data[key], key
    assert updated["email"] == "edit@example.com"
    assert updated["password"] == CONCEALED

    row = await stored_user(services, user.id)
    assert row.first_name == "Edited"
    assert row.last_name == "Person"
    assert row.location == "Porto"
    assert row.tags == ["x"]
    assert row.email_notifications is False
    assert row.theme_light_overrides == {"a": 1}
    assert row.last_page == "/content"
    assert row.email == "edit@example.com"
    assert row.role == user.role  # untouched


async def test_admin_changes_email_stored_as_given(
    client: httpx.AsyncClient, services: Services
) -> None:
    token = await admin_token(client)
    user = await create_user(services, "old@example.com")
    updated = await _update(client, token, user.id, {"email": "New.Address@Example.com"})
    assert updated["email"] == "New.Address@Example.com"
    assert (await stored_user(services, user.id)).email == "New.Address@Example.com"
    await login(client, "new.address@example.com", "user-password-1")


async def test_changing_the_case_of_ones_own_email_is_not_a_duplicate(
    client: httpx.AsyncClient, services: Services
) -> None:
    token = await admin_token(client)
    user = await create_user(services, "case@example.com")
    updated = await _update(client, token, user.id, {"email": "CASE@example.com"})
    assert updated["email"] == "CASE@example.com"
    assert (await stored_user(services, user.id)).email == "CASE@example.com"


async def test_duplicate_email_in_another_case_is_not_unique(
    client: httpx.AsyncClient, services: Services
) -> None:
    token = await admin_token(client)
    user = await create_user(services, "mine@example.com")
    reply = await gql(
        client, UPDATE_ONE, {"id": user.id, "data": {"email": "Admin@EXAMPLE.com"}}, token=token
    )
    refused(reply, "RECORD_NOT_UNIQUE", email_not_unique("Admin@EXAMPLE.com"))
    assert (await stored_user(services, user.id)).email == "mine@example.com"


async def test_invalid_email_fails_validation(
    client: httpx.AsyncClient, services: Services
) -> None:
    token = await admin_token(client)
    user = await create_user(services, "valid@example.com")
    reply = await gql(
        client, UPDATE_ONE, {"id": user.id, "data": {"email": "invalid@"}}, token=token
    )
    refused(reply, "FAILED_VALIDATION", EMAIL_INVALID)
    assert (await stored_user(services, user.id)).email == "valid@example.com"


async def test_admin_sets_a_password_that_is_hashed_and_works(
    client: httpx.AsyncClient, services: Services
) -> None:
    token = await admin_token(client)
    user = await create_user(services, "pw@example.com")
    before = (await stored_user(services, user.id)).password
    updated = await _update(client, token, user.id, {"password": "brand-new-pass"})
    assert updated["password"] == CONCEALED
    stored = (await stored_user(services, user.id)).password
    assert stored is not None
    assert stored != before
    assert stored != "brand-new-pass"
    assert stored.startswith("$argon2id$")
    await login(client, "pw@example.com", "brand-new-pass")
    old = await gql(
        client,
        'mutation { auth_login(email: "pw@example.com", password: "user-password-1") '
        "{ access_token } }",
    )
    assert old.codes == ["INVALID_CREDENTIALS"]


async def test_static_token_set_by_update_is_a_bearer_token(
    client: httpx.AsyncClient, services: Services
) -> None:
    token = await admin_token(client)
    user = await create_user(services, "static@example.com")
    updated = await _update(client, token, user.id, {"token": "my-static-token-0123"})
    assert updated["token"] == CONCEALED
    row = await stored_user(services, user.id)
    assert row.token is not None
    assert row.token != "my-static-token-0123"
    me = await gql(client, ME_ID, token="my-static-token-0123")
    assert me.data["users_me"] == {"id": user.id, "email": "static@example.com"}

    cleared = await _update(client, token, user.id, {"token": None})
    assert cleared["token"] is None
    assert (await stored_user(services, user.id)).token is None
    gone = await gql(client, ME_ID, token="my-static-token-0123")
    assert gone.status == 401
    assert gone.codes == ["INVALID_CREDENTIALS"]


async def test_duplicate_static_token_is_not_unique(
    client: httpx.AsyncClient, services: Services
) -> None:
    token = await admin_token(client)
    await create_user(services, "holder@example.com", static_token="taken-static-token")
    user = await create_user(services, "wants@example.com")
    reply = await gql(
        client, UPDATE_ONE, {"id": user.id, "data": {"token": "taken-static-token"}}, token=token
    )
    refused(
        reply,
        "RECORD_NOT_UNIQUE",
        'Value for field "token" in collection "directus_users" has to be unique.',
    )
    # Unlike Directus, a static token is never echoed: no `value` beside the code.
    assert reply.body["errors"][0]["extensions"] == {
        "code": "RECORD_NOT_UNIQUE",
        "collection": "directus_users",
        "field": "token",
    }
    assert (await stored_user(services, user.id)).token is None


async def test_tfa_secret_in_the_payload_is_an_invalid_payload(
    client: httpx.AsyncClient, services: Services
) -> None:
    token = await admin_token(client)
    user = await create_user(services, "tfa@example.com")
    reply = await gql(
        client,
        UPDATE_ONE,
        {"id": user.id, "data": {"tfa_secret": "JBSWY3DPEHPK3PXP"}},
        token=token,
    )
    refused(reply, "INVALID_PAYLOAD")
    assert reply.body["errors"][0]["message"].startswith("Invalid payload. ")
    assert (await stored_user(services, user.id)).tfa_secret is None


async def test_admin_may_clear_tfa_secret_with_null(
    client: httpx.AsyncClient, services: Services
) -> None:
    token = await admin_token(client)
    user = await create_user(services, "hastfa@example.com", tfa_secret="JBSWY3DPEHPK3PXP")
    updated = await _update(client, token, user.id, {"tfa_secret": None})
    assert updated["tfa_secret"] is None
    assert (await stored_user(services, user.id)).tfa_secret is None
    await login(client, "hastfa@example.com", "user-password-1")  # no otp needed any more


async def test_password_policy_refuses_a_short_password(
    client: httpx.AsyncClient, services: Services
) -> None:
    token = await admin_token(client)
    user = await create_user(services, "policy@example.com")
    await set_password_policy(services, PASSWORD_POLICY)
    before = (await stored_user(services, user.id)).password
    reply = await gql(
        client, UPDATE_ONE, {"id": user.id, "data": {"password": "1234567"}}, token=token
    )
    refused(
        reply,
        "FAILED_VALIDATION",
        'Validation failed for field "password". Value doesn\'t have the correct format.',
    )
    assert (await stored_user(services, user.id)).password == before
    await _update(client, token, user.id, {"password": "12345678"})
    await login(client, "policy@example.com", "12345678")


@pytest.mark.parametrize("status", ["banned", "Active", ""])
async def test_unknown_status_fails_validation(
    client: httpx.AsyncClient, services: Services, status: str
) -> None:
    token = await admin_token(client)
    user = await create_user(services, "st@example.com")
    reply = await gql(client, UPDATE_ONE, {"id": user.id, "data": {"status": status}}, token=token)
    refused(reply, "FAILED_VALIDATION")
    assert reply.body["errors"][0]["message"].startswith('Validation failed for field "status". ')
    assert (await stored_user(services, user.id)).status == "active"


async def test_admin_sets_provider_and_external_identifier(
    client: httpx.AsyncClient, services: Services
) -> None:
    token = await admin_token(client)
    user = await create_user(services, "ext@example.com")
    updated = await _update(
        client, token, user.id, {"provider": "saml", "external_identifier": "ext-42"}
    )
    assert updated["provider"] == "saml"
    assert updated["external_identifier"] == "ext-42"
    row = await stored_user(services, user.id)
    assert (row.provider, row.external_identifier) == ("saml", "ext-42")


async def test_unknown_user_id_is_forbidden(client: httpx.AsyncClient) -> None:
    token = await admin_token(client)
    reply = await gql(
        client, UPDATE_ONE, {"id": UNKNOWN_ID, "data": {"first_name": "Ghost"}}, token=token
    )
    refused(reply, "FORBIDDEN", FORBIDDEN_MESSAGE)


# Nested role --------------------------------------------------------------------------


async def test_nested_role_with_existing_id_links(
    client: httpx.AsyncClient, services: Services
) -> None:
    token = await admin_token(client)
    user = await create_user(services, "mover@example.com")
    target = await make_role(services, "Target")
    roles_before = await role_count(services)
    updated = await _update(client, token, user.id, {"role": {"id": target.id}})
    assert updated["role"]["id"] == target.id
    assert updated["role"]["name"] == "Target"
    assert (await stored_user(services, user.id)).role == target.id
    assert await role_count(services) == roles_before


async def test_nested_role_with_existing_id_and_name_renames_the_role(
    client: httpx.AsyncClient, services: Services
) -> None:
    token = await admin_token(client)
    user = await create_user(services, "renamer@example.com")
    assert user.role is not None
    updated = await _update(client, token, user.id, {"role": {"id": user.role, "name": "Renamed"}})
    assert updated["role"]["id"] == user.role
    assert updated["role"]["name"] == "Renamed"
    assert (await stored_role(services, user.role)).name == "Renamed"
    assert (await stored_user(services, user.id)).role == user.role


async def test_nested_role_without_id_creates_a_role(
    client: httpx.AsyncClient, services: Services
) -> None:
    token = await admin_token(client)
    user = await create_user(services, "fresh@example.com")
    updated = await _update(
        client, token, user.id, {"role": {"name": "Fresh", "app_access": False}}
    )
    created = await roles_named(services, "Fresh")
    assert [role.id for role in created] == [updated["role"]["id"]]
    assert created[0].app_access is False
    assert (await stored_user(services, user.id)).role == created[0].id


async def test_role_null_unlinks_the_role(client: httpx.AsyncClient, services: Services) -> None:
    token = await admin_token(client)
    user = await create_user(services, "norole@example.com")
    updated = await _update(client, token, user.id, {"role": None})
    assert updated["role"] is None
    assert (await stored_user(services, user.id)).role is None
    assert user.role is not None
    assert await stored_role(services, user.role)  # the role itself stays


# Sessions end on status / password / email change -------------------------------------


@pytest.mark.parametrize(
    "change",
    [
        {"status": "suspended"},
        {"status": "draft"},
        {"password": "another-password-2"},
        {"email": "moved@example.com"},
    ],
    ids=["suspended", "draft", "password", "email"],
)
async def test_admin_change_ends_the_users_sessions(
    client: httpx.AsyncClient, services: Services, change: dict[str, Any]
) -> None:
    user = await create_user(services, "sessions@example.com")
    first = (await login(client, "sessions@example.com", "user-password-1"))["refresh_token"]
    second = (await login(client, "sessions@example.com", "user-password-1"))["refresh_token"]
    assert await session_count(services, user.id) == 2
    token = await admin_token(client)
    await _update(client, token, user.id, change)
    assert await session_count(services, user.id) == 0
    await _refresh_refused(client, first)
    await _refresh_refused(client, second)


async def test_other_changes_keep_the_users_sessions(
    client: httpx.AsyncClient, services: Services
) -> None:
    user = await create_user(services, "keeps@example.com")
    refresh = (await login(client, "keeps@example.com", "user-password-1"))["refresh_token"]
    token = await admin_token(client)
    await _update(client, token, user.id, {"first_name": "Still", "language": "de-DE"})
    assert await session_count(services, user.id) == 1
    reply = await gql(client, REFRESH, {"refresh_token": refresh})
    assert ok(reply, "auth_refresh")["access_token"]


async def test_own_password_change_keeps_the_current_access(
    client: httpx.AsyncClient, services: Services
) -> None:
    """The request's own session and JWT keep working; the user's other sessions end."""
    user = await create_user(services, "self@example.com")
    other = await login(client, "self@example.com", "user-password-1")
    await login(client, "self@example.com", "user-password-1", mode="session")
    session_jwt = client.cookies.get(SESSION_COOKIE)
    assert session_jwt
    client.cookies.clear()

    reply = await gql(
        client, UPDATE_ME, {"data": {"password": "my-new-password-3"}}, token=session_jwt
    )
    assert ok(reply, "update_users_me")["password"] == CONCEALED

    me = await gql(client, ME_ID, token=session_jwt)
    assert me.data["users_me"] == {"id": user.id, "email": "self@example.com"}
    me_json = await gql(client, ME_ID, token=other["access_token"])
    assert me_json.data["users_me"]["id"] == user.id
    assert await session_count(services, user.id) == 1
    await _refresh_refused(client, other["refresh_token"])
    await login(client, "self@example.com", "my-new-password-3")


async def test_own_password_change_with_a_json_token_keeps_that_token(
    client: httpx.AsyncClient, services: Services
) -> None:
    user, token = await app_user(client, services, "jsonself@example.com")
    reply = await gql(client, UPDATE_ME, {"data": {"password": "changed-pass-4"}}, token=token)
    assert ok(reply, "update_users_me")["id"] == user.id
    me = await gql(client, ME_ID, token=token)
    assert me.data["users_me"]["id"] == user.id
    await login(client, "jsonself@example.com", "changed-pass-4")


# update_users_me: a non-admin app user ------------------------------------------------


async def test_app_user_updates_its_own_profile(
    client: httpx.AsyncClient, services: Services
) -> None:
    user, token = await app_user(client, services, "me@example.com")
    data = {
        "first_name": "Me",
        "last_name": "Myself",
        "email": "Me.Changed@example.com",
        "password": "me-password-22",
        "location": "Home",
        "title": "Self",
        "description": "About me",
        "language": "nl-NL",
        "appearance": "dark",
        "theme_dark": "Midnight",
        "theme_dark_overrides": {"x": 1},
        "email_notifications": False,
        "text_direction": "rtl",
    }
    updated = ok(await gql(client, UPDATE_ME, {"data": data}, token=token), "update_users_me")
    assert updated["id"] == user.id
    for key, value in data.items():
        if key != "password":
            assert updated[key] == value, key
    assert updated["password"] == CONCEALED
    row = await stored_user(services, user.id)
    assert row.first_name == "Me"
    assert row.email == "Me.Changed@example.com"
    assert row.theme_dark_overrides == {"x": 1}
    assert row.role == user.role
    assert row.status == "active"
    await login(client, "me.changed@example.com", "me-password-22")


async def test_app_user_cannot_set_its_own_static_token(
    client: httpx.AsyncClient, services: Services
) -> None:
    """Issue 15 changed this: `token` left the default own-user fields (as in Directus 12's
    recommended permission), so a user cannot mint a credential that outlives its password."""
    user, token = await app_user(client, services, "mytoken@example.com")
    # Not in its schema's input type: the variable fails coercion (400); REST: FORBIDDEN.
    reply = await gql(client, UPDATE_ME, {"data": {"token": "self-static-token-77"}}, token=token)
    assert reply.status == 400, reply.body
    assert reply.codes == ["GRAPHQL_VALIDATION"], reply.body
    rest = await client.patch(
        "/users/me",
        json={"token": "self-static-token-77"},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert rest.status_code == 403, rest.text
    me = await gql(client, ME_ID, token="self-static-token-77")
    assert me.codes == ["INVALID_CREDENTIALS"]
    assert (await stored_user(services, user.id)).token is None


async def test_app_user_duplicate_email_is_not_unique(
    client: httpx.AsyncClient, services: Services
) -> None:
    user, token = await app_user(client, services, "dupe@example.com")
    reply = await gql(client, UPDATE_ME, {"data": {"email": "ADMIN@example.com"}}, token=token)
    refused(reply, "RECORD_NOT_UNIQUE", email_not_unique("ADMIN@example.com"))
    assert (await stored_user(services, user.id)).email == "dupe@example.com"


async def test_app_user_short_password_fails_the_policy(
    client: httpx.AsyncClient, services: Services
) -> None:
    user, token = await app_user(client, services, "shortpw@example.com")
    await set_password_policy(services, PASSWORD_POLICY)
    before = (await stored_user(services, user.id)).password
    reply = await gql(client, UPDATE_ME, {"data": {"password": "abc"}}, token=token)
    refused(reply, "FAILED_VALIDATION")
    assert (await stored_user(services, user.id)).password == before
    await login(client, "shortpw@example.com", "user-password-1")


@pytest.mark.parametrize(
    "change",
    [
        {"status": "suspended"},
        {"status": "active"},
        {"role": {"name": "Self-made"}},
        {"provider": "openid"},
        {"external_identifier": "me-1"},
        {"auth_data": {"a": 1}},
        {"last_access": "2030-01-01T00:00:00Z"},
    ],
    ids=[
        "status",
        "status-same",
        "role",
        "provider",
        "external_identifier",
        "auth_data",
        "last_access",
    ],
)
async def test_app_user_cannot_change_protected_fields_of_itself(
    client: httpx.AsyncClient, services: Services, change: dict[str, Any]
) -> None:
    user, token = await app_user(client, services, "limited@example.com")
    roles_before = await role_count(services)
    reply = await gql(client, UPDATE_ME, {"data": change}, token=token)
    refused_by_schema(reply, *change)
    reply = await gql(client, UPDATE_ONE_AS_USER, {"id": user.id, "data": change}, token=token)
    refused_by_schema(reply, *change)
    await rest_write_refused(client, "/users/me", change, token, *change)
    await rest_write_refused(client, f"/users/{user.id}", change, token, *change)
    row = await stored_user(services, user.id)
    assert row.status == "active"
    assert row.role == user.role
    assert row.provider == "default"
    assert row.external_identifier is None
    assert row.auth_data is None
    assert row.last_access is not None  # set by the login, not by the payload
    assert row.last_access.year != 2030
    assert await role_count(services) == roles_before


async def test_app_user_cannot_move_itself_to_an_existing_role(
    client: httpx.AsyncClient, services: Services
) -> None:
    user, token = await app_user(client, services, "climber@example.com")
    admin_role = await admin_role_id(services)
    reply = await gql(client, UPDATE_ME, {"data": {"role": {"id": admin_role}}}, token=token)
    refused_by_schema(reply, "role")
    await rest_write_refused(client, "/users/me", {"role": admin_role}, token, "role")
    assert (await stored_user(services, user.id)).role == user.role


async def test_app_user_with_full_update_permission_still_cannot_write_admin_only_fields(
    client: httpx.AsyncClient, services: Services
) -> None:
    user, token = await app_user(client, services, "almost@example.com")
    await add_permission(
        services,
        role=user.role,
        collection="directus_users",
        action="update",
        fields=["*"],
        permissions={"id": {"_eq": "$CURRENT_USER"}},
    )
    for change in ({"provider": "ldap"}, {"external_identifier": "cn=me"}):
        reply = await gql(client, UPDATE_ME, {"data": change}, token=token)
        refused_by_schema(reply, *change)
        await rest_write_refused(client, "/users/me", change, token, *change)
    row = await stored_user(services, user.id)
    assert (row.provider, row.external_identifier) == ("default", None)
    allowed = await gql(client, UPDATE_ME, {"data": {"status": "active"}}, token=token)
    assert ok(allowed, "update_users_me")["status"] == "active"


async def test_app_user_cannot_read_or_update_others(
    client: httpx.AsyncClient, services: Services
) -> None:
    _, token = await app_user(client, services, "nosy@example.com")
    other = await create_user(services, "victim@example.com")
    admin = await the_admin(services)
    for target in (other.id, admin.id):
        read = await gql(client, USER_BY_ID, {"id": target}, token=token)
        refused(read, "FORBIDDEN", FORBIDDEN_MESSAGE)
        reply = await gql(
            client,
            UPDATE_ONE_AS_USER,
            {"id": target, "data": {"first_name": "Hacked"}},
            token=token,
        )
        refused(reply, "FORBIDDEN", write_refused("update", "first_name"))
        many = await gql(
            client, UPDATE_MANY, {"ids": [target], "data": {"first_name": "Hacked"}}, token=token
        )
        refused(many, "FORBIDDEN", write_refused("update", "first_name"))
        batch = await gql(
            client, UPDATE_BATCH, {"data": [{"id": target, "first_name": "Hacked"}]}, token=token
        )
        refused(batch, "FORBIDDEN", write_refused("update", "first_name"))
    assert (await stored_user(services, other.id)).first_name is None
    assert (await stored_user(services, admin.id)).first_name == "Admin"


async def test_app_user_may_update_itself_by_id(
    client: httpx.AsyncClient, services: Services
) -> None:
    user, token = await app_user(client, services, "byid@example.com")
    updated = ok(
        await gql(
            client, UPDATE_ONE_AS_USER, {"id": user.id, "data": {"first_name": "ById"}}, token=token
        ),
        "update_users_item",
    )
    assert updated["first_name"] == "ById"
    assert (await stored_user(services, user.id)).first_name == "ById"


@pytest.mark.parametrize(
    "variables",
    [{}, {"data": None}, {"data": {}}],
    ids=["data-omitted", "data-null", "data-empty"],
)
async def test_update_users_me_without_data_is_an_invalid_payload(
    client: httpx.AsyncClient, services: Services, variables: dict[str, Any]
) -> None:
    """Not a silent no-op: a client whose payload got lost learns it."""
    user, token = await app_user(client, services, "nodata@example.com")
    reply = await gql(client, UPDATE_ME, variables, token=token)
    refused(reply, "INVALID_PAYLOAD", NO_DATA_MESSAGE)
    assert (await stored_user(services, user.id)).first_name == user.first_name
    bare = await gql(client, "mutation { update_users_me { id } }", token=token)
    refused(bare, "INVALID_PAYLOAD", NO_DATA_MESSAGE)


async def test_anonymous_update_users_me_is_refused_and_changes_nothing(
    client: httpx.AsyncClient, services: Services
) -> None:
    """As Directus: update_users_me is not in the public's schema."""
    reply = await gql(client, UPDATE_ME, {"data": {"first_name": "Nobody"}})
    assert_validation_error(reply)
    assert (await the_admin(services)).first_name == "Admin"


async def test_anonymous_cannot_update_users(client: httpx.AsyncClient, services: Services) -> None:
    admin = await the_admin(services)
    # Not in the public's schema: refused before any resolver runs.
    one = await gql(client, UPDATE_ONE, {"id": admin.id, "data": {"first_name": "Anon"}})
    assert_validation_error(one)
    many = await gql(client, UPDATE_MANY, {"ids": [admin.id], "data": {"first_name": "Anon"}})
    assert_validation_error(many)
    batch = await gql(client, UPDATE_BATCH, {"data": [{"id": admin.id, "first_name": "Anon"}]})
    assert_validation_error(batch)
    assert (await the_admin(services)).first_name == "Admin"


# Custom update permission -------------------------------------------------------------


async def test_row_filtered_update_permission_lets_only_matching_rows_change(
    client: httpx.AsyncClient, services: Services
) -> None:
    user, token = await app_user(client, services, "editor@example.com")
    editable = await make_user(services, "editable@example.com", first_name="Editable")
    locked = await make_user(services, "locked@example.com", first_name="Locked")
    for action in ("update", "read"):
        await add_permission(
            services,
            role=user.role,
            collection="directus_users",
            action=action,
            fields=["first_name", "last_name", "email"] if action == "update" else ["*"],
            permissions={"first_name": {"_eq": "Editable"}},
        )

    reply = await gql(
        client,
        UPDATE_ONE_AS_USER,
        {"id": editable.id, "data": {"last_name": "Changed"}},
        token=token,
    )
    updated = ok(reply, "update_users_item")
    assert updated["id"] == editable.id
    assert updated["last_name"] == "Changed"
    assert (await stored_user(services, editable.id)).last_name == "Changed"

    denied = await gql(
        client, UPDATE_ONE_AS_USER, {"id": locked.id, "data": {"last_name": "Changed"}}, token=token
    )
    refused(denied, "FORBIDDEN", write_refused("update", "last_name"))
    assert (await stored_user(services, locked.id)).last_name is None

    mixed = await gql(
        client,
        UPDATE_MANY,
        {"ids": [editable.id, locked.id], "data": {"last_name": "Both"}},
        token=token,
    )
    refused(mixed, "FORBIDDEN", write_refused("update", "last_name"))
    assert (await stored_user(services, editable.id)).last_name == "Changed"
    assert (await stored_user(services, locked.id)).last_name is None

    # Neither the custom fields nor the default profile fields include status.
    not_a_field = await gql(
        client, UPDATE_ONE_AS_USER, {"id": editable.id, "data": {"status": "draft"}}, token=token
    )
    refused_by_schema(not_a_field, "status")
    await rest_write_refused(client, f"/users/{editable.id}", {"status": "draft"}, token, "status")
    assert (await stored_user(services, editable.id)).status == "active"


# update_users_items -------------------------------------------------------------------


async def test_update_many_changes_every_listed_user(
    client: httpx.AsyncClient, services: Services
) -> None:
    token = await admin_token(client)
    first = await create_user(services, "m1@example.com")
    second = await create_user(services, "m2@example.com")
    untouched = await create_user(services, "m3@example.com")
    reply = await gql(
        client,
        UPDATE_MANY,
        {"ids": [second.id, first.id], "data": {"first_name": "Bulk", "status": "draft"}},
        token=token,
    )
    updated = ok(reply, "update_users_items")
    assert [item["id"] for item in updated] == [second.id, first.id]
    assert all(item["first_name"] == "Bulk" for item in updated)
    assert all(item["status"] == "draft" for item in updated)
    for user_id in (first.id, second.id):
        row = await stored_user(services, user_id)
        assert (row.first_name, row.status) == ("Bulk", "draft")
    row = await stored_user(services, untouched.id)
    assert (row.first_name, row.status) == (None, "active")


async def test_update_many_skips_an_unknown_id_and_updates_the_others(
    client: httpx.AsyncClient, services: Services
) -> None:
    """As Directus: ids of no row are skipped, the rows that exist are updated and returned."""
    token = await admin_token(client)
    first = await create_user(services, "u1@example.com")
    second = await create_user(services, "u2@example.com")
    untouched = await create_user(services, "u3@example.com")
    reply = await gql(
        client,
        UPDATE_MANY,
        {"ids": [first.id, UNKNOWN_ID, second.id], "data": {"first_name": "Some"}},
        token=token,
    )
    updated = ok(reply, "update_users_items")
    assert [(item["id"], item["first_name"]) for item in updated] == [
        (first.id, "Some"),
        (second.id, "Some"),
    ]
    assert (await stored_user(services, first.id)).first_name == "Some"
    assert (await stored_user(services, second.id)).first_name == "Some"
    assert (await stored_user(services, untouched.id)).first_name is None
    only_unknown = await gql(
        client, UPDATE_MANY, {"ids": [UNKNOWN_ID], "data": {"first_name": "X"}}, token=token
    )
    assert ok(only_unknown, "update_users_items") == []


async def test_update_many_with_an_unknown_id_still_checks_every_existing_row(
    client: httpx.AsyncClient, services: Services
) -> None:
    """An unknown id lifts no permission: one existing row the caller may not update refuses
    the whole write, and nothing is written; for anyone but an admin the unknown id itself
    is refused (Directus's validateAccess: no probing which ids exist)."""
    user, token = await app_user(client, services, "bulk-editor@example.com")
    editable = await make_user(services, "editable2@example.com", first_name="Editable")
    locked = await make_user(services, "locked2@example.com", first_name="Locked")
    for action in ("update", "read"):
        await add_permission(
            services,
            role=user.role,
            collection="directus_users",
            action=action,
            fields=["last_name"] if action == "update" else ["*"],
            permissions={"first_name": {"_eq": "Editable"}},
        )
    mixed = await gql(
        client,
        UPDATE_MANY,
        {"ids": [editable.id, UNKNOWN_ID, locked.id], "data": {"last_name": "Both"}},
        token=token,
    )
    refused(mixed, "FORBIDDEN", write_refused("update", "last_name"))
    assert (await stored_user(services, editable.id)).last_name is None
    assert (await stored_user(services, locked.id)).last_name is None

    update = (
        "mutation M($ids: [ID]!, $data: update_directus_users_input!) "
        "{ update_users_items(ids: $ids, data: $data) { id last_name } }"
    )
    probe = {"ids": [UNKNOWN_ID, editable.id], "data": {"last_name": "Mine"}}
    refused(
        await gql(client, update, probe, token=token),
        "FORBIDDEN",
        write_refused("update", "last_name"),
    )
    assert (await stored_user(services, editable.id)).last_name is None

    reply = await gql(
        client, update, {"ids": [editable.id], "data": {"last_name": "Mine"}}, token=token
    )
    assert ok(reply, "update_users_items") == [{"id": editable.id, "last_name": "Mine"}]
    assert (await stored_user(services, editable.id)).last_name == "Mine"
    assert (await stored_user(services, locked.id)).last_name is None


async def test_update_many_with_an_unknown_id_keeps_the_last_admin(
    client: httpx.AsyncClient, services: Services
) -> None:
    token = await admin_token(client)
    admin = await the_admin(services)
    reply = await gql(
        client,
        UPDATE_MANY,
        {"ids": [UNKNOWN_ID, admin.id], "data": {"status": "suspended"}},
        token=token,
    )
    refused(reply, "UNPROCESSABLE_CONTENT", LAST_ADMIN_MESSAGE)
    assert (await the_admin(services)).status == "active"


async def test_update_many_same_email_for_two_users_is_not_unique(
    client: httpx.AsyncClient, services: Services
) -> None:
    token = await admin_token(client)
    first = await create_user(services, "s1@example.com")
    second = await create_user(services, "s2@example.com")
    reply = await gql(
        client,
        UPDATE_MANY,
        {"ids": [first.id, second.id], "data": {"email": "same@example.com"}},
        token=token,
    )
    assert (await stored_user(services, first.id)).email == "s1@example.com"
    assert (await stored_user(services, second.id)).email == "s2@example.com"
    refused(reply, "RECORD_NOT_UNIQUE", email_not_unique("same@example.com"))


# update_users_batch -------------------------------------------------------------------


async def test_update_batch_applies_each_items_own_data(
    client: httpx.AsyncClient, services: Services
) -> None:
    token = await admin_token(client)
    first = await create_user(services, "b1@example.com")
    second = await create_user(services, "b2@example.com")
    reply = await gql(
        client,
        UPDATE_BATCH,
        {
            "data": [
                {"id": first.id, "first_name": "One"},
                {"id": second.id, "email": "b2-new@example.com", "status": "archived"},
            ]
        },
        token=token,
    )
    updated = ok(reply, "update_users_batch")
    assert updated == [
        {"id": first.id, "email": "b1@example.com", "first_name": "One", "status": "active"},
        {"id": second.id, "email": "b2-new@example.com", "first_name": None, "status": "archived"},
    ]
    row = await stored_user(services, first.id)
    assert (row.first_name, row.email) == ("One", "b1@example.com")
    row = await stored_user(services, second.id)
    assert (row.email, row.status) == ("b2-new@example.com", "archived")


@pytest.mark.parametrize(
    ("bad", "expected"),
    [
        ({"email": "ADMIN@example.com"}, "RECORD_NOT_UNIQUE"),
        ({"email": "broken"}, "FAILED_VALIDATION"),
        ({"status": "bogus"}, "FAILED_VALIDATION"),
        ({"tfa_secret": "JBSWY3DPEHPK3PXP"}, "INVALID_PAYLOAD"),
    ],
    ids=["duplicate", "invalid-email", "bad-status", "tfa-secret"],
)
async def test_update_batch_with_one_failing_item_changes_nothing(
    client: httpx.AsyncClient, services: Services, bad: dict[str, Any], expected: str
) -> None:
    token = await admin_token(client)
    first = await create_user(services, "f1@example.com")
    second = await create_user(services, "f2@example.com")
    third = await create_user(services, "f3@example.com")
    reply = await gql(
        client,
        UPDATE_BATCH,
        {
            "data": [
                {"id": first.id, "first_name": "Changed", "email": "f1-new@example.com"},
                {"id": second.id, "first_name": "Changed"},
                {"id": third.id, **bad},
            ]
        },
        token=token,
    )
    for user in (first, second, third):
        row = await stored_user(services, user.id)
        assert row.first_name is None
        assert row.email == user.email
        assert row.status == "active"
        assert row.tfa_secret is None
    assert reply.status == 200, reply.body
    assert "data" not in reply.body
    assert reply.codes == [expected], reply.body


async def test_update_batch_with_an_unknown_id_changes_nothing(
    client: httpx.AsyncClient, services: Services
) -> None:
    token = await admin_token(client)
    first = await create_user(services, "k1@example.com")
    reply = await gql(
        client,
        UPDATE_BATCH,
        {
            "data": [
                {"id": first.id, "first_name": "Changed"},
                {"id": UNKNOWN_ID, "first_name": "X"},
            ]
        },
        token=token,
    )
    refused(reply, "FORBIDDEN", FORBIDDEN_MESSAGE)
    assert (await stored_user(services, first.id)).first_name is None


async def test_update_batch_item_without_id_is_an_invalid_payload(
    client: httpx.AsyncClient, services: Services
) -> None:
    token = await admin_token(client)
    first = await create_user(services, "noid@example.com")
    reply = await gql(
        client,
        UPDATE_BATCH,
        {"data": [{"id": first.id, "first_name": "Changed"}, {"first_name": "Where"}]},
        token=token,
    )
    refused(reply, "INVALID_PAYLOAD")
    assert (await stored_user(services, first.id)).first_name is None


# The last admin -----------------------------------------------------------------------


@pytest.mark.parametrize("status", ["suspended", "archived", "draft", "invited"])
async def test_deactivating_the_last_admin_is_unprocessable(
    client: httpx.AsyncClient, services: Services, status: str
) -> None:
    token = await admin_token(client)
    admin = await the_admin(services)
    reply = await gql(client, UPDATE_ONE, {"id": admin.id, "data": {"status": status}}, token=token)
    refused(reply, "UNPROCESSABLE_CONTENT", LAST_ADMIN_MESSAGE)
    assert (await stored_user(services, admin.id)).status == "active"
    me = await gql(client, UPDATE_ME, {"data": {"status": status}}, token=token)
    refused(me, "UNPROCESSABLE_CONTENT", LAST_ADMIN_MESSAGE)
    assert (await stored_user(services, admin.id)).status == "active"


async def test_demoting_the_last_admin_is_unprocessable(
    client: httpx.AsyncClient, services: Services
) -> None:
    token = await admin_token(client)
    admin = await the_admin(services)
    plain = await make_role(services, "Plain")
    attempts: list[tuple[str, dict[str, Any]]] = [
        (UPDATE_ONE, {"id": admin.id, "data": {"role": {"id": plain.id}}}),
        (UPDATE_ONE, {"id": admin.id, "data": {"role": None}}),
        (UPDATE_ONE, {"id": admin.id, "data": {"role": {"name": "Brand new"}}}),
        (UPDATE_ME, {"data": {"role": {"id": plain.id}}}),
        (UPDATE_MANY, {"ids": [admin.id], "data": {"role": {"id": plain.id}}}),
        (UPDATE_BATCH, {"data": [{"id": admin.id, "role": {"id": plain.id}}]}),
        (UPDATE_ONE, {"id": admin.id, "data": {"role": {"id": admin.role, "admin_access": False}}}),
    ]
    for document, variables in attempts:
        reply = await gql(client, document, variables, token=token)
        refused(reply, "UNPROCESSABLE_CONTENT", LAST_ADMIN_MESSAGE)
        assert (await stored_user(services, admin.id)).role == admin.role
        assert admin.role is not None
        assert (await stored_role(services, admin.role)).admin_access is True
    assert await roles_named(services, "Brand new") == []


async def test_suspending_one_of_two_admins_works(
    client: httpx.AsyncClient, services: Services
) -> None:
    token = await admin_token(client)
    second = await create_user(services, "admin2@example.com", admin=True)
    updated = await _update(client, token, second.id, {"status": "suspended"})
    assert updated["status"] == "suspended"
    assert (await stored_user(services, second.id)).status == "suspended"
    admin = await the_admin(services)
    again = await gql(
        client, UPDATE_ONE, {"id": admin.id, "data": {"status": "suspended"}}, token=token
    )
    refused(again, "UNPROCESSABLE_CONTENT", LAST_ADMIN_MESSAGE)
    assert (await stored_user(services, admin.id)).status == "active"


async def test_batch_swapping_admins_keeps_one_and_works(
    client: httpx.AsyncClient, services: Services
) -> None:
    """Only the end state counts: one admin suspended while another is activated."""
    token = await admin_token(client)
    second = await create_user(services, "standby@example.com", admin=True, status="draft")
    admin = await the_admin(services)
    reply = await gql(
        client,
        UPDATE_BATCH,
        {"data": [{"id": admin.id, "status": "suspended"}, {"id": second.id, "status": "active"}]},
        token=token,
    )
    assert [item["status"] for item in ok(reply, "update_users_batch")] == ["suspended", "active"]
    assert (await stored_user(services, admin.id)).status == "suspended"
    assert (await stored_user(services, second.id)).status == "active"


async def test_batch_deactivating_both_admins_changes_nothing(
    client: httpx.AsyncClient, services: Services
) -> None:
    token = await admin_token(client)
    second = await create_user(services, "admin-b@example.com", admin=True)
    admin = await the_admin(services)
    reply = await gql(
        client,
        UPDATE_MANY,
        {"ids": [admin.id, second.id], "data": {"status": "suspended"}},
        token=token,
    )
    refused(reply, "UNPROCESSABLE_CONTENT", LAST_ADMIN_MESSAGE)
    assert (await stored_user(services, admin.id)).status == "active"
    assert (await stored_user(services, second.id)).status == "active"


class TestMaxBatchMutation:
    """MAX_BATCH_MUTATION=2 for the tests of this class only."""

    @pytest.fixture
    def settings_overrides(self) -> dict[str, Any]:
        return {"max_batch_mutation": 2}

    async def test_update_many_with_three_ids_is_an_invalid_payload(
        self, client: httpx.AsyncClient, services: Services
    ) -> None:
        token = await admin_token(client)
        users = [await create_user(services, f"cap{n}@example.com") for n in range(3)]
        reply = await gql(
            client,
            UPDATE_MANY,
            {"ids": [user.id for user in users], "data": {"first_name": "Capped"}},
            token=token,
        )
        refused(reply, "INVALID_PAYLOAD")
        for user in users:
            assert (await stored_user(services, user.id)).first_name is None
        two = await gql(
            client,
            UPDATE_MANY,
            {"ids": [user.id for user in users[:2]], "data": {"first_name": "Capped"}},
            token=token,
        )
        assert len(ok(two, "update_users_items")) == 2

    async def test_update_batch_with_three_items_is_an_invalid_payload(
        self, client: httpx.AsyncClient, services: Services
    ) -> None:
        token = await admin_token(client)
        users = [await create_user(services, f"capb{n}@example.com") for n in range(3)]
        reply = await gql(
            client,
            UPDATE_BATCH,
            {"data": [{"id": user.id, "first_name": "Capped"} for user in users]},
            token=token,
        )
        refused(reply, "INVALID_PAYLOAD")
        for user in users:
            assert (await stored_user(services, user.id)).first_name is None
