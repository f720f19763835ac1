"""Directus 12's access model underneath the Directus 10 API: policies reach a user through
its own access rows, its role and that role's ancestors, and the public's; a policy whose
ip_access leaves out the caller's address does not apply; the last-admin guard counts
admins from any policy."""

from __future__ import annotations

from typing import Any

import httpx
from jose import jwt
from sqlmodel import col, select

from app.db.models import PUBLIC_POLICY_ID, Permission, Policy, PolicyAccess, Role, User
from app.repositories import policies as policies_repo
from app.services.container import Services
from tests.conftest import create_user, gql, login
from tests.graphql.mutation_seed import (
    LAST_ADMIN_MESSAGE,
    admin_role_id,
    admin_token,
    stored_role,
)
from tests.graphql.seed import assert_validation_error, counting_statements
from tests.graphql_reply import ok, refused

TOKEN = "static-token-of-the-policy-tester"
PASSWORD = "nested-password-1"
ROLE_NAMES = '{ roles(sort: ["name"]) { name } }'
USER_EMAILS = '{ users(sort: ["email"]) { email } }'
ME_ROLE = "{ users_me { email role { admin_access app_access } } }"
UPDATE_ROLE = """
mutation($id: ID!, $data: update_directus_roles_input!) {
  update_roles_item(id: $id, data: $data) { id admin_access }
}
"""
UPDATE_USER = """
mutation($id: ID!, $data: update_directus_users_input!) {
  update_users_item(id: $id, data: $data) { id status }
}
"""
# The in-process test client connects from 203.0.113.7.
CLIENT_NETWORK = "203.0.113.0/24"


async def _policy(
    services: Services,
    *,
    role: str | None = None,
    user: str | None = None,
    grants: tuple[tuple[str, list[str]], ...] = (),
    **flags: Any,
) -> str:
    """A policy with read `grants` (collection, fields), attached to `role`, to `user`, or
    (neither) to the public."""
    async with services.db.write() as session:
        policy = Policy(name="Tested policy", **flags)
        session.add(policy)
        await session.flush()
        await policies_repo.attach(session, policy.id, role=role, user=user)
        for collection, fields in grants:
            session.add(
                Permission(policy=policy.id, collection=collection, action="read", fields=fields)
            )
    return policy.id


async def _set_parent(services: Services, role_id: str, parent: str | None) -> None:
    async with services.db.write() as session:
        role = await session.get(Role, role_id)
        assert role is not None
        role.parent = parent
        session.add(role)


async def _nested_user(services: Services) -> tuple[User, str, str]:
    """A user without rights of its own, in a role under a parent under a grandparent."""
    user = await create_user(
        services, "nested@example.com", None, static_token=TOKEN, app_access=False
    )
    user_role = user.role
    assert user_role is not None
    async with services.db.write() as session:
        grandparent = await policies_repo.add_role(
            session, Role(name="Grandparent"), {"app_access": False}
        )
        parent = await policies_repo.add_role(
            session, Role(name="Parent", parent=grandparent.id), {"app_access": False}
        )
    await _set_parent(services, user_role, parent.id)
    return user, parent.id, grandparent.id


async def _set_password(services: Services, user_id: str) -> None:
    async with services.db.write() as session:
        user = await session.get(User, user_id)
        assert user is not None
        user.password = await services.hasher.hash(PASSWORD)
        session.add(user)


async def _names(client: httpx.AsyncClient, query: str, field: str, key: str) -> list[str]:
    reply = await gql(client, query, token=TOKEN)
    return [row[key] for row in ok(reply, field)]


# Nested roles -------------------------------------------------------------------------------


async def test_a_policy_of_a_grandparent_role_reaches_its_users(
    client: httpx.AsyncClient, services: Services
) -> None:
    user, _parent, grandparent = await _nested_user(services)
    assert_validation_error(await gql(client, ROLE_NAMES, token=TOKEN))
    await _policy(services, role=grandparent, grants=(("directus_roles", ["name"]),))
    assert await _names(client, ROLE_NAMES, "roles", "name") == [
        "Administrator",
        "Grandparent",
        "Parent",
        f"role-for-{user.email}",
    ]


async def test_admin_and_app_access_are_inherited_from_an_ancestor(
    client: httpx.AsyncClient, services: Services
) -> None:
    user, parent, grandparent = await _nested_user(services)
    assert_validation_error(await gql(client, ME_ROLE, token=TOKEN))
    await _policy(services, role=parent, app_access=True)
    # The app's own-record defaults come with app access from the parent; the role's own
    # Directus 10 flags show only the policies attached to it directly.
    me = ok(await gql(client, ME_ROLE, token=TOKEN), "users_me")
    assert me == {"email": user.email, "role": {"admin_access": False, "app_access": False}}
    assert await _names(client, USER_EMAILS, "users", "email") == ["nested@example.com"]
    await _policy(services, role=grandparent, admin_access=True)
    emails = await _names(client, USER_EMAILS, "users", "email")
    assert emails == ["admin@example.com", "nested@example.com"]


async def test_a_cycle_of_parents_ends(client: httpx.AsyncClient, services: Services) -> None:
    user, _parent, grandparent = await _nested_user(services)
    await _set_parent(services, grandparent, user.role)
    await _policy(services, role=grandparent, grants=(("directus_roles", ["name"]),))
    names = await _names(client, ROLE_NAMES, "roles", "name")
    assert "Grandparent" in names


async def test_an_ancestor_admin_counts_for_the_last_admin_guard(
    client: httpx.AsyncClient, services: Services
) -> None:
    user, _parent, grandparent = await _nested_user(services)
    await _policy(services, role=grandparent, admin_access=True)
    # The bootstrap role may lose admin access: the nested user is still an admin.
    data = {"admin_access": False}
    role_id = await admin_role_id(services)
    reply = await gql(client, UPDATE_ROLE, {"id": role_id, "data": data}, token=TOKEN)
    assert ok(reply, "update_roles_item") == {"id": role_id, "admin_access": False}
    # Now the nested user is the last admin.
    suspend = {"id": user.id, "data": {"status": "suspended"}}
    refused(
        await gql(client, UPDATE_USER, suspend, token=TOKEN),
        "UNPROCESSABLE_CONTENT",
        LAST_ADMIN_MESSAGE,
    )


# A policy attached to a user ----------------------------------------------------------------


async def test_a_policy_attached_to_a_user_gives_it_admin_access(
    client: httpx.AsyncClient, services: Services
) -> None:
    user = await create_user(services, "direct@example.com", None, static_token=TOKEN)
    # An app user reads only its own record.
    assert await _names(client, USER_EMAILS, "users", "email") == ["direct@example.com"]
    await _policy(services, user=user.id, admin_access=True, app_access=True)
    assert await _names(client, USER_EMAILS, "users", "email") == [
        "admin@example.com",
        "direct@example.com",
    ]
    # Not the role's: its Directus 10 flags are unchanged.
    me = ok(await gql(client, ME_ROLE, token=TOKEN), "users_me")
    assert me["role"] == {"admin_access": False, "app_access": True}

    # The guard counts it: the Administrator role may be demoted, then this user is the
    # last admin.
    role_id = await admin_role_id(services)
    data = {"admin_access": False}
    reply = await gql(client, UPDATE_ROLE, {"id": role_id, "data": data}, token=TOKEN)
    assert ok(reply, "update_roles_item") == {"id": role_id, "admin_access": False}
    assert (await stored_role(services, role_id)).admin_access is False
    suspend = {"id": user.id, "data": {"status": "suspended"}}
    refused(
        await gql(client, UPDATE_USER, suspend, token=TOKEN),
        "UNPROCESSABLE_CONTENT",
        LAST_ADMIN_MESSAGE,
    )


# The public -----------------------------------------------------------------------------------


async def test_a_public_policy_grants_anonymous_callers_a_read(
    client: httpx.AsyncClient, services: Services
) -> None:
    assert_validation_error(await gql(client, ROLE_NAMES))
    async with services.db.write() as session:
        session.add(
            Permission(
                policy=PUBLIC_POLICY_ID, collection="directus_roles", action="read", fields=["name"]
            )
        )
    reply = await gql(client, ROLE_NAMES)
    assert ok(reply, "roles") == [{"name": "Administrator"}]


async def test_a_second_public_policy_applies_too(
    client: httpx.AsyncClient, services: Services
) -> None:
    await _policy(services, grants=(("directus_roles", ["name"]),))
    assert ok(await gql(client, ROLE_NAMES), "roles") == [{"name": "Administrator"}]


async def test_logged_in_users_do_not_get_the_public_policies(
    client: httpx.AsyncClient, services: Services
) -> None:
    """As in Directus 11/12 (fetchPolicies): the public's policies apply to requests with
    no user only; a member reads its own role (the app-access minimum), not every name the
    public may read."""
    await create_user(services, "member@example.com", None, static_token=TOKEN)
    await _policy(services, grants=(("directus_roles", ["name"]),))
    anonymous = ok(await gql(client, ROLE_NAMES), "roles")
    assert sorted(role["name"] for role in anonymous) == [
        "Administrator",
        "role-for-member@example.com",
    ]
    names = await _names(client, ROLE_NAMES, "roles", "name")
    assert names == ["role-for-member@example.com"]


# ip_access per policy -------------------------------------------------------------------------


async def test_only_the_policies_whose_ip_access_admits_the_caller_apply(
    client: httpx.AsyncClient, services: Services
) -> None:
    user = await create_user(
        services, "roaming@example.com", None, static_token=TOKEN, app_access=False
    )
    role = user.role
    await _policy(
        services,
        role=role,
        ip_access=["10.0.0.0/8"],
        grants=(("directus_roles", ["name"]),),
        admin_access=True,
    )
    await _policy(
        services, role=role, ip_access=[CLIENT_NETWORK], grants=(("directus_users", ["email"]),)
    )
    # The first policy's networks leave the client out: neither admin nor the roles read.
    assert_validation_error(await gql(client, ROLE_NAMES, token=TOKEN))
    assert await _names(client, USER_EMAILS, "users", "email") == [
        "admin@example.com",
        "roaming@example.com",
    ]


async def test_a_public_policy_outside_its_ip_access_does_not_apply(
    client: httpx.AsyncClient, services: Services
) -> None:
    await _policy(services, ip_access=["10.0.0.0/8"], grants=(("directus_roles", ["name"]),))
    assert_validation_error(await gql(client, ROLE_NAMES))
    await _policy(services, ip_access=[CLIENT_NETWORK], grants=(("directus_roles", ["name"]),))
    assert ok(await gql(client, ROLE_NAMES), "roles") == [{"name": "Administrator"}]


# The Directus 10 view of a role ---------------------------------------------------------------

CREATE_ROLE = """
mutation($data: create_directus_roles_input!) {
  create_roles_item(data: $data) { id name admin_access app_access enforce_tfa ip_access }
}
"""
DELETE_ROLE = "mutation($id: ID!) { delete_roles_item(id: $id) { id } }"


async def _own_policy(services: Services, role_id: str) -> tuple[Policy | None, list[str]]:
    """The role's own policy, and the policies attached to the role."""
    async with services.db.read() as session:
        policy = await session.get(Policy, role_id)
        statement = select(PolicyAccess.policy).where(col(PolicyAccess.role) == role_id)
        attached = list((await session.exec(statement)).all())
    return policy, attached


async def test_role_flags_are_written_to_the_roles_own_policy(
    client: httpx.AsyncClient, services: Services
) -> None:
    token = await admin_token(client)
    data = {"name": "Operators", "admin_access": True, "ip_access": [CLIENT_NETWORK]}
    created = ok(await gql(client, CREATE_ROLE, {"data": data}, token=token), "create_roles_item")
    assert {key: created[key] for key in data} == data
    assert (created["app_access"], created["enforce_tfa"]) == (True, False)
    policy, attached = await _own_policy(services, created["id"])
    assert policy is not None
    assert (policy.name, policy.admin_access, policy.app_access) == ("Operators", True, True)
    assert policy.ip_access == [CLIENT_NETWORK]
    assert attached == [created["id"]]

    # Another policy with enforce_tfa attached to the role shows on the role; ip_access
    # stays the role's own policy's.
    await _policy(services, role=created["id"], enforce_tfa=True, ip_access=["10.0.0.0/8"])
    read = ok(
        await gql(
            client,
            "query($id: ID!) { roles_by_id(id: $id) { enforce_tfa ip_access } }",
            {"id": created["id"]},
            token=token,
        ),
        "roles_by_id",
    )
    assert read == {"enforce_tfa": True, "ip_access": [CLIENT_NETWORK]}

    # Deleting the role deletes its own policy (nothing else uses it).
    assert ok(
        await gql(client, DELETE_ROLE, {"id": created["id"]}, token=token), "delete_roles_item"
    )
    assert await _own_policy(services, created["id"]) == (None, [])


async def test_a_role_without_its_own_policy_gets_one_on_the_first_flag_written(
    client: httpx.AsyncClient, services: Services
) -> None:
    token = await admin_token(client)
    async with services.db.write() as session:
        role = Role(name="Bare")
        session.add(role)
    read = "query($id: ID!) { roles_by_id(id: $id) { admin_access app_access enforce_tfa } }"
    bare = ok(await gql(client, read, {"id": role.id}, token=token), "roles_by_id")
    assert bare == {"admin_access": False, "app_access": False, "enforce_tfa": False}
    data = {"enforce_tfa": True}
    reply = await gql(client, UPDATE_ROLE, {"id": role.id, "data": data}, token=token)
    assert ok(reply, "update_roles_item") == {"id": role.id, "admin_access": False}
    after = ok(await gql(client, read, {"id": role.id}, token=token), "roles_by_id")
    assert after == {"admin_access": False, "app_access": False, "enforce_tfa": True}
    policy, attached = await _own_policy(services, role.id)
    assert policy is not None
    assert (policy.name, policy.enforce_tfa, policy.app_access) == ("Bare", True, False)
    assert attached == [role.id]


async def test_deleting_a_parent_role_unlinks_its_children(
    client: httpx.AsyncClient, services: Services
) -> None:
    _user, parent, grandparent = await _nested_user(services)
    token = await admin_token(client)
    reply = await gql(client, DELETE_ROLE, {"id": grandparent}, token=token)
    assert ok(reply, "delete_roles_item") == {"id": grandparent}
    assert (await stored_role(services, parent)).parent is None


async def test_a_callers_policies_are_read_in_one_statement(
    client: httpx.AsyncClient, services: Services
) -> None:
    """However many roles up and policies: the user, its role, its policies and their rows
    come in one statement (users_me then needs no other)."""
    user, parent, grandparent = await _nested_user(services)
    await _policy(services, role=grandparent, app_access=True)
    await _policy(services, role=parent, grants=(("directus_roles", ["name"]),))
    await _policy(services, user=user.id, grants=(("directus_users", ["email"]),))
    await _policy(services, grants=(("directus_settings", ["project_name"]),))
    with counting_statements(services) as statements:
        reply = await gql(client, "{ users_me { id email } }", token=TOKEN)
    assert ok(reply, "users_me") == {"id": user.id, "email": user.email}
    assert len(statements) == 1, statements


async def test_a_refresh_reads_the_session_its_user_and_policies_in_one_statement(
    client: httpx.AsyncClient, services: Services
) -> None:
    """The refreshed token carries what the policies give (inherited and the user's own),
    and reading them costs no statement beside the session's."""
    user, parent, grandparent = await _nested_user(services)
    await _set_password(services, user.id)
    assert user.email is not None
    tokens = await login(client, user.email, PASSWORD)
    await _policy(services, role=grandparent, admin_access=True)
    await _policy(services, user=user.id, app_access=True)
    await _policy(services, role=parent, ip_access=["10.0.0.0/8"], enforce_tfa=True)
    refresh = "mutation($t: String) { auth_refresh(refresh_token: $t) { access_token } }"
    with counting_statements(services) as statements:
        reply = await gql(client, refresh, {"t": tokens["refresh_token"]})
    claims = jwt.get_unverified_claims(ok(reply, "auth_refresh")["access_token"])
    assert (claims["admin_access"], claims["app_access"]) == (True, True)
    assert "enforce_tfa" not in claims or not claims["enforce_tfa"]
    reads = [s for s in statements if s.upper().startswith(("SELECT", "WITH"))]
    assert len(reads) == 1, statements


async def test_a_public_settings_read_stays_capped(
    client: httpx.AsyncClient, services: Services
) -> None:
    """The public may read only the project's public settings through a public policy,
    whatever it grants; a user with a role gets nothing through the public's policies."""
    await create_user(services, "outsider@example.com", None, static_token=TOKEN, app_access=False)
    await _policy(services, grants=(("directus_settings", ["*"]),))
    name = await gql(client, "{ settings { project_name } }")
    assert ok(name, "settings") == {"project_name": "Directus"}
    assert_validation_error(await gql(client, "{ settings { auth_login_attempts } }"))
    for query in ("{ settings { project_name } }", "{ settings { auth_login_attempts } }"):
        # No settings at all through the public's policies: absent from its schema.
        assert_validation_error(await gql(client, query, token=TOKEN))
