"""The access model over GraphQL: policies, access rows and permissions read and written
through the one query engine, admin-only unless a permission row grants them; the
caller's own globals and permissions; the last-admin guard on every write that can
remove an admin."""

from __future__ import annotations

from typing import Any

import httpx
from sqlmodel import col, select

from app.db.models import PUBLIC_POLICY_ID, Policy, PolicyAccess
from app.services.container import Services
from tests.conftest import create_user, gql
from tests.graphql.mutation_seed import (
    LAST_ADMIN_MESSAGE,
    admin_role_id,
    app_user,
    make_role,
    the_admin,
)
from tests.graphql.security_helpers import activity_rows
from tests.graphql.seed import assert_error, assert_validation_error
from tests.graphql_reply import ok, refused

CREATE_POLICY = """
mutation($data: create_directus_policies_input!) {
  create_policies_item(data: $data) { id name admin_access app_access enforce_tfa ip_access }
}
"""
ATTACH = """
mutation($data: create_directus_access_input!) {
  create_access_item(data: $data) { id role { id name } user { email } policy { name } }
}
"""
GRANT = """
mutation($data: create_directus_permissions_input!) {
  create_permissions_item(data: $data) { id collection action fields policy { name } }
}
"""
ROLE_NAMES = '{ roles(sort: ["name"]) { name } }'
GLOBALS = "{ policies_me_globals { admin_access app_access enforce_tfa } }"
UPDATE_ROLE = """
mutation($id: ID!, $data: update_directus_roles_input!) {
  update_roles_item(id: $id, data: $data) { parent { name } }
}
"""
UPDATE_POLICY = """
mutation($id: ID!, $data: update_directus_policies_input!) {
  update_policies_item(id: $id, data: $data) { id }
}
"""
UPDATE_ACCESS = """
mutation($id: ID!, $data: update_directus_access_input!) {
  update_access_item(id: $id, data: $data) { id }
}
"""


def _linked(policy_id: str) -> dict[str, Any]:
    """An existing policy inside a create input: Directus types it as a whole policy
    (required fields and all); its id links it."""
    flags = {"enforce_tfa": False, "admin_access": False, "app_access": False}
    return {"id": policy_id, "name": "linked", **flags}


async def _create_policy(client: httpx.AsyncClient, token: str, **values: Any) -> str:
    data = {"name": "Readers", "enforce_tfa": False, "admin_access": False, "app_access": True}
    reply = await gql(client, CREATE_POLICY, {"data": {**data, **values}}, token=token)
    policy_id: str = ok(reply, "create_policies_item")["id"]
    return policy_id


async def _access_of(services: Services, role_id: str) -> str:
    async with services.db.read() as session:
        statement = select(PolicyAccess.id).where(col(PolicyAccess.role) == role_id)
        return str((await session.exec(statement)).one())


async def test_an_admin_builds_a_policy_and_the_role_gets_its_rights(
    client: httpx.AsyncClient, services: Services, admin_token: str
) -> None:
    user, token = await app_user(client, services, "reader@example.com")
    own = [{"name": "role-for-reader@example.com"}]
    # An app user reads its own role only.
    assert ok(await gql(client, ROLE_NAMES, token=token), "roles") == own
    policy_id = await _create_policy(client, admin_token, ip_access=["10.0.0.0/8", "0.0.0.0/0"])
    stored = await _stored_policy(services, policy_id)
    assert (stored.name, stored.app_access, stored.ip_access) == (
        "Readers",
        True,
        ["10.0.0.0/8", "0.0.0.0/0"],
    )
    attach = {"role": {"id": user.role, "name": "x"}, "policy": _linked(policy_id)}
    attached = ok(
        await gql(client, ATTACH, {"data": attach}, token=admin_token), "create_access_item"
    )
    assert attached["role"] == {"id": user.role, "name": "role-for-reader@example.com"}
    assert (attached["user"], attached["policy"]) == (None, {"name": "Readers"})
    grant = {
        "policy": _linked(policy_id),
        "collection": "directus_roles",
        "action": "read",
        "fields": ["name"],
    }
    granted = ok(
        await gql(client, GRANT, {"data": grant}, token=admin_token), "create_permissions_item"
    )
    assert granted["collection"] == "directus_roles"
    assert granted["fields"] == ["name"]
    assert granted["policy"] == {"name": "Readers"}
    names = [row["name"] for row in ok(await gql(client, ROLE_NAMES, token=token), "roles")]
    assert "Administrator" in names

    # The policy lists what hangs on it.
    query = """
    query($id: ID!) {
      policies_by_id(id: $id) {
        name permissions { collection action } permissions_func { count }
        roles { role { name } } roles_func { count } users { id } users_func { count }
      }
    }
    """
    policy = ok(await gql(client, query, {"id": policy_id}, token=admin_token), "policies_by_id")
    assert policy == {
        "name": "Readers",
        "permissions": [{"collection": "directus_roles", "action": "read"}],
        "permissions_func": {"count": 1},
        "roles": [{"role": {"name": "role-for-reader@example.com"}}],
        "roles_func": {"count": 1},
        "users": [],
        "users_func": {"count": 0},
    }

    # Removing the permission takes the right away again.
    delete = "mutation($id: ID!) { delete_permissions_item(id: $id) { id } }"
    reply = await gql(client, delete, {"id": granted["id"]}, token=admin_token)
    assert ok(reply, "delete_permissions_item") == {"id": granted["id"]}
    assert ok(await gql(client, ROLE_NAMES, token=token), "roles") == own


async def _stored_policy(services: Services, policy_id: str) -> Policy:
    async with services.db.read() as session:
        policy = await session.get(Policy, policy_id)
        assert policy is not None
        return policy


async def test_lists_filter_sort_search_and_aggregate(
    client: httpx.AsyncClient, services: Services, admin_token: str
) -> None:
    await _create_policy(client, admin_token, name="Zeta editors", description="edits zeta")
    await _create_policy(client, admin_token, name="Alpha editors", enforce_tfa=True)
    query = """
    {
      by_name: policies(filter: {name: {_ends_with: "editors"}}, sort: ["-name"]) { name }
      searched: policies(search: "zeta") { name }
      enforced: policies(filter: {enforce_tfa: {_eq: true}}) { name }
      admins: policies(filter: {roles: {_some: {role: {name: {_eq: "Administrator"}}}}}) {
        admin_access
      }
      policies_aggregated(groupBy: ["admin_access"], sort: ["admin_access"]) {
        group countAll
      }
      access_aggregated { countAll }
      permissions_aggregated { countAll }
    }
    """
    data = ok(await gql(client, query, token=admin_token), "by_name")
    assert data == [{"name": "Zeta editors"}, {"name": "Alpha editors"}]
    reply = await gql(client, query, token=admin_token)
    assert reply.data["searched"] == [{"name": "Zeta editors"}]
    assert reply.data["enforced"] == [{"name": "Alpha editors"}]
    assert reply.data["admins"] == [{"admin_access": True}]
    groups = reply.data["policies_aggregated"]
    assert [group["group"] for group in groups] == [{"admin_access": False}, {"admin_access": True}]
    assert groups[1]["countAll"] == 1
    assert reply.data["access_aggregated"][0]["countAll"] >= 2
    assert reply.data["permissions_aggregated"] == [{"countAll": 0}]


async def test_roles_and_users_show_their_parents_children_and_policies(
    client: httpx.AsyncClient, services: Services, admin_token: str
) -> None:
    parent = await make_role(services, "Parent")
    child = await make_role(services, "Child")
    reply = await gql(
        client,
        UPDATE_ROLE,
        {"id": child.id, "data": {"parent": {"id": parent.id}}},
        token=admin_token,
    )
    assert ok(reply, "update_roles_item") == {"parent": {"name": "Parent"}}
    user = await create_user(services, "direct@example.com")
    policy_id = await _create_policy(client, admin_token, name="Direct")
    attach = {"user": {"id": user.id}, "policy": _linked(policy_id)}
    ok(await gql(client, ATTACH, {"data": attach}, token=admin_token), "create_access_item")
    query = """
    query($parent: ID!, $user: ID!) {
      roles_by_id(id: $parent) {
        children { name } children_func { count }
        policies { policy { name } } policies_func { count }
      }
      users_by_id(id: $user) { policies { policy { name } } policies_func { count } }
      users(filter: {policies: {_some: {policy: {name: {_eq: "Direct"}}}}}) { email }
    }
    """
    reply = await gql(client, query, {"parent": parent.id, "user": user.id}, token=admin_token)
    assert ok(reply, "roles_by_id") == {
        "children": [{"name": "Child"}],
        "children_func": {"count": 1},
        "policies": [{"policy": {"name": "Parent"}}],
        "policies_func": {"count": 1},
    }
    assert reply.data["users_by_id"] == {
        "policies": [{"policy": {"name": "Direct"}}],
        "policies_func": {"count": 1},
    }
    assert reply.data["users"] == [{"email": "direct@example.com"}]


async def test_app_users_and_the_public_are_refused_unless_a_permission_grants(
    client: httpx.AsyncClient, services: Services, admin_token: str
) -> None:
    user, token = await app_user(client, services, "app@example.com")
    for caller in (token, None):
        # Absent from their schemas (as Directus): using them fails validation.
        for field in ("policies", "access", "permissions"):
            assert_validation_error(await gql(client, f"{{ {field} {{ id }} }}", token=caller))
        data = {"name": "Mine", "enforce_tfa": False, "admin_access": True, "app_access": True}
        reply = await gql(client, CREATE_POLICY, {"data": data}, token=caller)
        assert_validation_error(reply)
    assert (await _policy_names(client, admin_token)).count("Mine") == 0
    # A permission row on the user's role lets it read the policies' names.
    policy_id = await _create_policy(client, admin_token, name="Policy readers")
    grant = {
        "policy": _linked(policy_id),
        "collection": "directus_policies",
        "action": "read",
        "fields": ["id", "name"],
    }
    ok(await gql(client, GRANT, {"data": grant}, token=admin_token), "create_permissions_item")
    attach = {"role": {"id": user.role, "name": "x"}, "policy": _linked(policy_id)}
    ok(await gql(client, ATTACH, {"data": attach}, token=admin_token), "create_access_item")
    names = [
        row["name"]
        for row in ok(await gql(client, "{ policies { name } }", token=token), "policies")
    ]
    assert "Policy readers" in names
    # A field the grant does not give is absent from the policies type of its schema.
    assert_validation_error(await gql(client, "{ policies { admin_access } }", token=token))


async def _policy_names(client: httpx.AsyncClient, token: str) -> list[str]:
    reply = await gql(client, "{ policies { name } }", token=token)
    return [row["name"] for row in ok(reply, "policies")]


async def test_the_last_admin_guard_covers_policies_and_access(
    client: httpx.AsyncClient, services: Services, admin_token: str
) -> None:
    role_id = await admin_role_id(services)
    # The Administrator role's own policy has the role's id.
    update = UPDATE_POLICY
    reply = await gql(
        client, update, {"id": role_id, "data": {"admin_access": False}}, token=admin_token
    )
    refused(reply, "UNPROCESSABLE_CONTENT", LAST_ADMIN_MESSAGE)
    reply = await gql(
        client,
        "mutation($id: ID!) { delete_policies_item(id: $id) { id } }",
        {"id": role_id},
        token=admin_token,
    )
    refused(reply, "UNPROCESSABLE_CONTENT", LAST_ADMIN_MESSAGE)
    access_id = await _access_of(services, role_id)
    reply = await gql(
        client,
        "mutation($ids: [ID]!) { delete_access_items(ids: $ids) { ids } }",
        {"ids": [access_id]},
        token=admin_token,
    )
    refused(reply, "UNPROCESSABLE_CONTENT", LAST_ADMIN_MESSAGE)
    move = UPDATE_ACCESS
    other = await _create_policy(client, admin_token, name="Plain")
    reply = await gql(
        client, move, {"id": access_id, "data": {"policy": {"id": other}}}, token=admin_token
    )
    refused(reply, "UNPROCESSABLE_CONTENT", LAST_ADMIN_MESSAGE)
    assert (await _stored_policy(services, role_id)).admin_access is True
    # With a second admin policy on the role, the first may go.
    root = await _create_policy(client, admin_token, name="Root", admin_access=True)
    attach = {"role": {"id": role_id, "name": "Administrator"}, "policy": _linked(root)}
    ok(await gql(client, ATTACH, {"data": attach}, token=admin_token), "create_access_item")
    reply = await gql(
        client, update, {"id": role_id, "data": {"admin_access": False}}, token=admin_token
    )
    assert ok(reply, "update_policies_item") == {"id": role_id}


async def test_payload_errors_are_coded(
    client: httpx.AsyncClient, services: Services, admin_token: str
) -> None:
    grant = {"policy": _linked("not-an-id"), "collection": "directus_users", "action": "read"}
    reply = await gql(client, GRANT, {"data": grant}, token=admin_token)
    assert_error(reply, "FAILED_VALIDATION", "create_permissions_item")
    grant = {"policy": _linked(PUBLIC_POLICY_ID), "collection": "directus_users", "action": "fly"}
    reply = await gql(client, GRANT, {"data": grant}, token=admin_token)
    assert_error(reply, "FAILED_VALIDATION", "create_permissions_item")
    attach = {"policy": _linked("0b7f3c1e-9a0d-4c55-8e1a-2f6d8c4b9a71")}
    reply = await gql(client, ATTACH, {"data": attach}, token=admin_token)
    assert_error(reply, "INVALID_FOREIGN_KEY", "create_access_item")


async def test_policies_me_globals_and_permissions_me(
    client: httpx.AsyncClient, services: Services, admin_token: str
) -> None:
    """Over GraphQL they are in the schema of callers that may read policies / permissions
    (as Directus 11/12 measured); the REST twins answer everyone with the same service."""
    admin = ok(await gql(client, GLOBALS, token=admin_token), "policies_me_globals")
    assert admin == {"admin_access": True, "app_access": True, "enforce_tfa": False}
    everything = ok(await gql(client, "{ permissions_me }", token=admin_token), "permissions_me")
    assert everything["directus_policies"]["delete"] == {"access": "full", "fields": ["*"]}

    _user, token = await app_user(client, services, "me@example.com")
    for caller in (token, None):
        assert_validation_error(await gql(client, GLOBALS, token=caller))
        assert_validation_error(await gql(client, "{ permissions_me }", token=caller))
    mine = await client.get("/policies/me/globals", headers={"Authorization": f"Bearer {token}"})
    assert mine.json()["data"] == {"admin_access": False, "app_access": True, "enforce_tfa": False}
    reply = await client.get("/permissions/me", headers={"Authorization": f"Bearer {token}"})
    own = reply.json()["data"]
    assert own["directus_users"]["read"]["access"] == "partial"
    assert own["directus_users"]["delete"] == {"access": "none"}
    assert "password" in own["directus_users"]["update"]["fields"]
    assert own["directus_settings"]["read"] == {"access": "full", "fields": ["*"]}
    assert "directus_policies" not in own


async def test_writes_are_in_the_audit_trail(
    client: httpx.AsyncClient, services: Services, admin_token: str
) -> None:
    policy_id = await _create_policy(client, admin_token, name="Audited")
    reply = await gql(
        client, UPDATE_POLICY, {"id": policy_id, "data": {"app_access": False}}, token=admin_token
    )
    ok(reply, "update_policies_item")
    delete = "mutation($id: ID!) { delete_policies_item(id: $id) { id } }"
    ok(await gql(client, delete, {"id": policy_id}, token=admin_token), "delete_policies_item")
    rows = [
        row
        for row in await activity_rows(client, admin_token)
        if row["collection"] == "directus_policies"
    ]
    assert [(row["action"], row["item"]) for row in rows] == [
        ("delete", policy_id),
        ("update", policy_id),
        ("create", policy_id),
    ]
    admin = await the_admin(services)
    assert {row["user"] for row in rows} == {admin.id}
    assert all(row["ip"] for row in rows)


async def test_a_policy_is_created_with_its_permissions(
    client: httpx.AsyncClient, services: Services, admin_token: str
) -> None:
    query = """
    mutation($data: create_directus_policies_input!) {
      create_policies_item(data: $data) { name permissions { collection action fields } }
    }
    """
    data = {
        "name": "Bundled",
        "enforce_tfa": False,
        "admin_access": False,
        "app_access": True,
        "permissions": [{"collection": "directus_roles", "action": "read", "fields": ["name"]}],
    }
    reply = await gql(client, query, {"data": data}, token=admin_token)
    assert ok(reply, "create_policies_item") == {
        "name": "Bundled",
        "permissions": [{"collection": "directus_roles", "action": "read", "fields": ["name"]}],
    }
