"""The schema a caller sees follows its permissions (issue 18): what it may not read or do
is absent, so asking for it fails validation; introspection and hints use its schema.

The callers are set up as in tests/fixtures/directus11 (its README), and their schemas are
compared with what Directus 11 measured, restricted to what both servers serve."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from asgi_lifespan import LifespanManager

from app.accountability import Accountability
from app.clock import SettableClock
from app.config import Settings
from app.db.models import Permission
from app.main import create_app
from app.permissions.access import Access
from app.repositories import policies as policies_repo
from app.services.container import Services
from resolvers.engine.caller_schema import (
    ADMINS_ONLY,
    PASSKEYS_API,
    SIGNED_IN,
    caller_schemas,
    type_rule,
)
from resolvers.schema import schema
from tests.conftest import gql
from tests.graphql.security_helpers import validation_messages
from tests.graphql.seed import (
    ADMIN_TOKEN,
    BOB_TOKEN,
    DAVE_TOKEN,
    Seeded,
    add_permission,
    assert_validation_error,
    seed,
)

MEASURED = json.loads(
    (Path(__file__).parents[1] / "fixtures" / "directus11" / "measured.json").read_text()
)["callers"]
FULL = schema._schema
assert FULL.query_type is not None
SERVED = {
    "query": set(FULL.query_type.fields),
    "mutation": set(FULL.mutation_type.fields) if FULL.mutation_type else set(),
    "subscription": set(FULL.subscription_type.fields) if FULL.subscription_type else set(),
}
OUR_TYPES = {name for name in FULL.type_map if not name.startswith("__")}
SESSIONS_API = SIGNED_IN | ADMINS_ONLY
THEIR_TYPES = set(MEASURED["admin@example.com"]["graphql_schema"]["type_names"])
# The types of collections both servers have. Not the quantifier filters: Directus types
# relational filters its own way (a role's `users` filter is no `directus_users_quantifier_filter`).
COMPARED = {
    name
    for name in OUR_TYPES & THEIR_TYPES
    if type_rule(name) is not None and not name.endswith("_quantifier_filter")
}

SCHEMA = """{ __schema {
  queryType { fields { name } }
  mutationType { fields { name } }
  subscriptionType { fields { name } }
  types { name }
} }"""
TYPE = "query ($name: String!) { __type(name: $name) { fields { name } inputFields { name } } }"
OWN = {"id": {"_eq": "$CURRENT_USER"}}


@pytest.fixture
async def seeded(services: Services) -> Seeded:
    return await seed(services)


async def _without_app_access(services: Services, seeded: Seeded, role: str) -> None:
    async with services.db.write() as session:
        await policies_repo.set_own_flags(session, seeded.roles[role], role, {"app_access": False})


async def as_staff(services: Services, seeded: Seeded) -> None:
    """Bob's role (Editors) as the fixture's Staff Policy."""
    await _without_app_access(services, seeded, "Editors")
    role = seeded.roles["Editors"]
    await add_permission(services, role, ["id", "email", "first_name", "last_name"], None)
    await add_permission(services, role, ["first_name", "last_name"], OWN, action="update")
    await add_permission(services, role, ["*"], None, collection="directus_roles")


async def as_viewer(services: Services, seeded: Seeded) -> None:
    """Dave's role (Viewers) as the fixture's Viewer Policy."""
    await _without_app_access(services, seeded, "Viewers")
    await add_permission(
        services,
        seeded.roles["Viewers"],
        ["id", "first_name", "last_name"],
        {"status": {"_eq": "active"}},
    )


async def as_public(services: Services) -> None:
    """The fixture's Public policy: read directus_roles (name)."""
    await add_permission(services, None, ["name"], None, collection="directus_roles")


async def introspect(client: httpx.AsyncClient, token: str | None) -> dict[str, Any]:
    reply = await gql(client, SCHEMA, token=token)
    assert reply.status == 200, reply.body
    assert "errors" not in reply.body, reply.body
    found = reply.data["__schema"]

    def names(root: dict[str, Any] | None) -> set[str]:
        return set() if root is None else {field["name"] for field in root["fields"]}

    return {
        "query": names(found["queryType"]),
        "mutation": names(found["mutationType"]),
        "subscription": names(found["subscriptionType"]),
        "types": {t["name"] for t in found["types"] if not t["name"].startswith("__")},
    }


async def fields_of(client: httpx.AsyncClient, token: str | None, name: str) -> set[str] | None:
    reply = await gql(client, TYPE, {"name": name}, token=token)
    assert reply.status == 200, reply.body
    assert "errors" not in reply.body, reply.body
    found = reply.data["__type"]
    if found is None:
        return None
    return {field["name"] for field in (found["fields"] or found["inputFields"] or [])}


def assert_as_directus(ours: dict[str, Any], who: str) -> None:
    """Root fields and types as Directus 11 measured, where both servers have them; the
    sessions API (Directus has none) exactly for signed-in callers, the passkeys API (nor
    that) for everyone."""
    theirs = MEASURED[who]["graphql_schema"]
    signed_in = who != "public"
    assert ours["query"] & SESSIONS_API == ({"users_me_sessions"} if signed_in else set())
    assert ours["mutation"] & SESSIONS_API == ({"users_me_sessions_revoke"} if signed_in else set())
    assert ours["query"] | ours["mutation"] >= PASSKEYS_API
    for root in ("query", "mutation", "subscription"):
        assert ours[root] - SESSIONS_API - PASSKEYS_API == set(theirs[root]) & SERVED[root], root
    assert ours["types"] & COMPARED == set(theirs["type_names"]) & COMPARED


# Who sees what ---------------------------------------------------------------------------


async def test_the_public_without_permissions_has_only_what_everyone_has(
    client: httpx.AsyncClient, seeded: Seeded
) -> None:
    ours = await introspect(client, None)
    assert ours["query"] | ours["mutation"] >= PASSKEYS_API
    ours = {root: names - PASSKEYS_API for root, names in ours.items()}
    assert not {name for name in ours["query"] | ours["mutation"] if name.startswith("users")} - {
        "users_register",
        "users_register_verify",
        "users_invite_accept",
        "users_me_tfa_generate",
        "users_me_tfa_enable",
        "users_me_tfa_disable",
    }
    assert ours["query"] == {"server_ping", "server_info"}
    assert {"auth_login", "auth_refresh", "users_register", "users_invite_accept"} <= ours[
        "mutation"
    ]
    assert ours["subscription"] == set()
    assert "directus_users" not in ours["types"]
    assert "update_directus_users_input" not in ours["types"]


async def test_the_public_with_the_fixtures_policy_sees_what_directus_shows(
    client: httpx.AsyncClient, services: Services, seeded: Seeded
) -> None:
    await as_public(services)
    assert_as_directus(await introspect(client, None), "public")
    assert await fields_of(client, None, "directus_roles") == {"name"}
    assert await fields_of(client, None, "directus_users") is None


async def test_a_staff_member_sees_what_directus_shows(
    client: httpx.AsyncClient, services: Services, seeded: Seeded
) -> None:
    await as_staff(services, seeded)
    assert_as_directus(await introspect(client, BOB_TOKEN), "staff@example.com")
    types = MEASURED["staff@example.com"]["graphql_schema"]["types"]
    assert await fields_of(client, BOB_TOKEN, "directus_users") == set(types["directus_users"])
    # Ours keeps the key in update inputs: update_users_batch names each row by it.
    writable = set(types["update_directus_users_input"]) | {"id"}
    assert await fields_of(client, BOB_TOKEN, "update_directus_users_input") == writable
    assert await fields_of(client, BOB_TOKEN, "directus_users_filter") == {
        "_and",
        "_or",
        "id",
        "email",
        "first_name",
        "last_name",
    }
    assert await fields_of(client, BOB_TOKEN, "create_directus_users_input") is None


async def test_a_viewer_sees_what_directus_shows(
    client: httpx.AsyncClient, services: Services, seeded: Seeded
) -> None:
    await as_viewer(services, seeded)
    assert_as_directus(await introspect(client, DAVE_TOKEN), "viewer@example.com")
    expected = set(MEASURED["viewer@example.com"]["graphql_schema"]["types"]["directus_users"])
    assert await fields_of(client, DAVE_TOKEN, "directus_users") == expected


async def test_an_app_user_may_update_its_profile_fields(
    client: httpx.AsyncClient, seeded: Seeded
) -> None:
    """Directus's default app access: one's own user and role, one's own profile."""
    ours = await introspect(client, BOB_TOKEN)
    assert {"users_me", "users", "roles_me", "settings"} <= ours["query"]
    assert "update_users_me" in ours["mutation"]
    assert not {"create_users_item", "delete_users_item", "users_invite"} & ours["mutation"]
    writable = await fields_of(client, BOB_TOKEN, "update_directus_users_input")
    assert writable is not None
    assert {"first_name", "email", "password"} <= writable
    assert not {"role", "status", "token", "provider"} & writable


async def test_an_admin_sees_the_whole_schema(client: httpx.AsyncClient, seeded: Seeded) -> None:
    ours = await introspect(client, ADMIN_TOKEN)
    for root in ("query", "mutation", "subscription"):
        assert ours[root] == SERVED[root]
    assert ours["types"] == OUR_TYPES


# What is absent fails validation ---------------------------------------------------------


async def test_the_public_asking_for_users_me_gets_400(
    client: httpx.AsyncClient, seeded: Seeded
) -> None:
    reply = await gql(client, "{ users_me { id } }")
    assert_validation_error(reply)
    assert validation_messages(reply) == ['Cannot query field "users_me" on type "Query".']


async def test_a_caller_selecting_an_unreadable_field_gets_400(
    client: httpx.AsyncClient, services: Services, seeded: Seeded
) -> None:
    await as_staff(services, seeded)
    ok = await gql(client, "{ users_me { first_name } }", token=BOB_TOKEN)
    assert ok.data == {"users_me": {"first_name": "Bob"}}
    reply = await gql(client, "{ users_me { id title } }", token=BOB_TOKEN)
    assert_validation_error(reply)
    assert validation_messages(reply) == ['Cannot query field "title" on type "directus_users".']


async def test_a_caller_writing_an_unwritable_field_gets_400(
    client: httpx.AsyncClient, services: Services, seeded: Seeded
) -> None:
    await as_staff(services, seeded)
    document = 'mutation { update_users_me(data: { email: "x@example.com" }) { id } }'
    reply = await gql(client, document, token=BOB_TOKEN)
    assert_validation_error(reply)
    assert any("email" in message for message in validation_messages(reply))
    await as_viewer(services, seeded)
    reply = await gql(
        client, 'mutation { update_users_me(data: {first_name: "D"}) { id } }', token=DAVE_TOKEN
    )
    assert validation_messages(reply) == [
        'Cannot query field "update_users_me" on type "Mutation".'
    ]


async def test_variables_are_coerced_against_the_callers_schema(
    client: httpx.AsyncClient, services: Services, seeded: Seeded
) -> None:
    """An input field the caller's schema lacks, sent in a variable, fails as Directus's
    (whose execution schema is the caller's) does: 400, not a FORBIDDEN after coercion."""
    await as_staff(services, seeded)
    document = (
        "mutation M($data: update_directus_users_input!) { update_users_me(data: $data) { id } }"
    )
    reply = await gql(client, document, {"data": {"email": "x@example.com"}}, token=BOB_TOKEN)
    assert_validation_error(reply)
    messages = validation_messages(reply)
    assert len(messages) == 1, messages
    # graphql-core's words (graphql-js 16 says 'Field "email" is not defined by type …').
    assert messages[0].startswith('Variable "$data" has invalid value')
    assert 'type "update_directus_users_input" not to include unknown field "email"' in messages[0]
    # What the caller may write passes, through a variable as through a literal.
    ok = await gql(client, document, {"data": {"first_name": "Bobby"}}, token=BOB_TOKEN)
    assert ok.status == 200, ok.body
    assert ok.data == {"update_users_me": {"id": seeded.users["bob"]}}
    # The admin's schema is the full one: the same variable reaches the resolver.
    admin = await gql(client, document, {"data": {"title": "Boss"}}, token=ADMIN_TOKEN)
    assert admin.status == 200, admin.body
    assert admin.body.get("errors") is None


async def test_variables_meet_the_callers_schema_on_a_templated_document(
    client: httpx.AsyncClient, services: Services, seeded: Seeded
) -> None:
    """A text of a shape already validated for this caller is built from a template and
    skips validation; its variables must still be coerced against the caller's schema."""
    await as_staff(services, seeded)
    bob = seeded.users["bob"]
    document = (
        "mutation M($data: update_directus_users_input!) "
        '{ update_users_item(id: "%s", data: $data) { id } }'
    )
    first = await gql(client, document % bob, {"data": {"first_name": "B1"}}, token=BOB_TOKEN)
    assert first.status == 200, first.body
    # Same shape, another literal: built from the caller's template this time.
    other_literal = bob.upper() if bob.upper() != bob else bob + " "
    for literal in (bob, other_literal):
        reply = await gql(
            client, document % literal, {"data": {"email": "x@example.com"}}, token=BOB_TOKEN
        )
        assert_validation_error(reply)
        assert 'unknown field "email"' in validation_messages(reply)[0]


async def test_hints_come_from_the_callers_schema(
    client: httpx.AsyncClient, services: Services, seeded: Seeded
) -> None:
    """The full schema would suggest `users` and `title`: this caller has neither."""
    public = validation_messages(await gql(client, "{ user { id } }"))
    assert len(public) == 1, public
    assert "users" not in public[0], public
    await as_staff(services, seeded)
    staff = validation_messages(await gql(client, "{ users_me { titl } }", token=BOB_TOKEN))
    assert len(staff) == 1, staff
    assert "title" not in staff[0], staff
    admin = validation_messages(await gql(client, "{ users_me { titl } }", token=ADMIN_TOKEN))
    assert "title" in admin[0], admin


async def test_introspection_beside_data_answers_both_from_the_callers_schema(
    client: httpx.AsyncClient, services: Services, seeded: Seeded
) -> None:
    await as_staff(services, seeded)
    document = '{ users_me { first_name } __type(name: "directus_users") { fields { name } } }'
    reply = await gql(client, document, token=BOB_TOKEN)
    assert reply.status == 200, reply.body
    assert "errors" not in reply.body, reply.body
    assert reply.data["users_me"] == {"first_name": "Bob"}
    names = {field["name"] for field in reply.data["__type"]["fields"]}
    assert names == {"id", "email", "first_name", "last_name"}


# Built once per permission set -----------------------------------------------------------


def _staff_access() -> Access:
    rows = [
        Permission(
            id=1, policy="p", collection="directus_users", action="read", fields=["id", "email"]
        ),
        Permission(
            id=2, policy="p", collection="directus_users", action="update", fields=["email"]
        ),
    ]
    return Access(Accountability(user="u", role="r"), rows)


def test_equal_permissions_share_one_schema_and_admins_get_the_full_one() -> None:
    schemas = caller_schemas(FULL)
    first = schemas.of(_staff_access())
    assert schemas.of(_staff_access()) is first
    assert first is not FULL
    assert schemas.of(Access(Accountability(user="u", admin=True), [])) is FULL


@pytest.fixture
async def other_instance(settings: Settings, clock: SettableClock) -> AsyncIterator[Services]:
    """A second app on the same database, as another instance behind a load balancer."""
    application = create_app(settings, clock)
    async with LifespanManager(application):
        yield application.state.services


async def test_a_permission_change_shows_at_the_next_request_even_from_another_instance(
    client: httpx.AsyncClient,
    services: Services,
    seeded: Seeded,
    other_instance: Services,
) -> None:
    await as_viewer(services, seeded)
    assert await fields_of(client, DAVE_TOKEN, "directus_users") == {
        "id",
        "first_name",
        "last_name",
    }
    await add_permission(other_instance, seeded.roles["Viewers"], ["email"], None)
    assert await fields_of(client, DAVE_TOKEN, "directus_users") == {
        "id",
        "first_name",
        "last_name",
        "email",
    }
    reply = await gql(client, "{ users_me { email } }", token=DAVE_TOKEN)
    assert reply.status == 200, reply.body


async def test_a_public_permission_from_another_instance_shows_too(
    client: httpx.AsyncClient, seeded: Seeded, other_instance: Services
) -> None:
    assert await fields_of(client, None, "directus_roles") is None
    await as_public(other_instance)
    assert await fields_of(client, None, "directus_roles") == {"name"}
