"""Relational filters and sorts reach only what the caller may read in the related collection.

Bob is an app user (Editors, with Alice): by default he reads his own user row and his own
role. Through `role.users` he must not learn Alice's email, nor how many users Editors has.
Permission rules themselves (written by an admin) keep seeing every related row.
"""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from app.services.container import Services
from tests.conftest import create_user, gql
from tests.graphql.seed import (
    ADMIN_TOKEN,
    BOB_TOKEN,
    Seeded,
    add_permission,
    assert_error,
    assert_validation_error,
    seed,
)
from tests.rest import bearer

ALICE_EMAIL = "Alice.Anderson@Example.com"
BOB_EMAIL = "bob.baker@example.com"
READER_TOKEN = "relational-reader-static-token-1"


@pytest.fixture
async def seeded(services: Services) -> Seeded:
    return await seed(services)


async def _emails(client: httpx.AsyncClient, token: str, **arguments: Any) -> list[str]:
    reply = await gql(
        client,
        "query($f: directus_users_filter, $s: [String]) "
        "{ users(filter: $f, sort: $s, limit: -1) { email } }",
        arguments,
        token=token,
    )
    assert "errors" not in reply.body, reply.body
    return [row["email"] for row in reply.data["users"]]


async def _role_names(client: httpx.AsyncClient, token: str, filter: Any) -> list[str]:
    reply = await gql(
        client,
        'query($f: directus_roles_filter) { roles(filter: $f, sort: ["name"]) { name } }',
        {"f": filter},
        token=token,
    )
    assert "errors" not in reply.body, reply.body
    return [row["name"] for row in reply.data["roles"]]


def _colleague_has(email: str) -> dict[str, Any]:
    return {"role": {"users": {"_some": {"email": {"_eq": email}}}}}


async def test_an_app_user_cannot_test_other_users_emails_through_its_role(
    client: httpx.AsyncClient, seeded: Seeded
) -> None:
    assert await _emails(client, BOB_TOKEN, f=_colleague_has(ALICE_EMAIL)) == []
    assert (
        await _emails(client, BOB_TOKEN, f={"role": {"users": {"email": {"_eq": ALICE_EMAIL}}}})
        == []
    )
    # What he may read still matches.
    assert await _emails(client, BOB_TOKEN, f=_colleague_has(BOB_EMAIL)) == [BOB_EMAIL]
    # The admin sees through every relation.
    assert await _emails(client, ADMIN_TOKEN, f=_colleague_has(ALICE_EMAIL), s=["email"]) == [
        ALICE_EMAIL,
        BOB_EMAIL,
    ]


async def test_none_quantifier_sees_only_readable_rows_too(
    client: httpx.AsyncClient, seeded: Seeded
) -> None:
    none_alice = {"role": {"users": {"_none": {"email": {"_eq": ALICE_EMAIL}}}}}
    assert await _emails(client, BOB_TOKEN, f=none_alice) == [BOB_EMAIL]


async def test_an_app_user_cannot_find_roles_by_other_users(
    client: httpx.AsyncClient, seeded: Seeded
) -> None:
    by_alice = {"users": {"email": {"_eq": ALICE_EMAIL}}}
    assert await _role_names(client, BOB_TOKEN, by_alice) == []
    assert await _role_names(client, BOB_TOKEN, {"users": {"email": {"_eq": BOB_EMAIL}}}) == [
        "Editors"
    ]
    assert await _role_names(client, ADMIN_TOKEN, by_alice) == ["Editors"]


async def test_an_app_user_cannot_learn_the_user_count_of_its_role(
    client: httpx.AsyncClient, seeded: Seeded
) -> None:
    """Editors has two users; Bob may read one of them, so one is all a filter can count."""
    more = {"role": {"users_func": {"count": {"_gt": 1}}}}
    assert await _emails(client, BOB_TOKEN, f=more) == []
    exactly_one = {"role": {"users_func": {"count": {"_eq": 1}}}}
    assert await _emails(client, BOB_TOKEN, f=exactly_one) == [BOB_EMAIL]
    assert await _role_names(client, BOB_TOKEN, {"users_func": {"count": {"_eq": 2}}}) == []
    assert await _role_names(client, BOB_TOKEN, {"users_func": {"count": {"_eq": 1}}}) == [
        "Editors"
    ]
    assert await _role_names(client, ADMIN_TOKEN, {"users_func": {"count": {"_eq": 2}}}) == [
        "Editors"
    ]


async def test_role_users_and_their_count_as_fields_are_within_read_permission(
    client: httpx.AsyncClient, seeded: Seeded
) -> None:
    reply = await gql(
        client, "{ roles { name users { email } users_func { count } } }", token=BOB_TOKEN
    )
    assert reply.body == {
        "data": {
            "roles": [
                {"name": "Editors", "users": [{"email": BOB_EMAIL}], "users_func": {"count": 1}}
            ]
        }
    }


async def _reader(
    services: Services,
    seeded: Seeded,
    *,
    role_fields: list[str] | None,
    role_filter: dict[str, Any] | None,
    user_fields: list[str] | None,
) -> None:
    """A user of a role without app access: only the permission rows given here."""
    user = await create_user(
        services,
        "reader@example.com",
        None,
        app_access=False,
        static_token=READER_TOKEN,
        last_name="Zed",
    )
    assert user.role is not None
    await add_permission(services, user.role, user_fields, None)
    await add_permission(services, user.role, role_fields, role_filter, collection="directus_roles")


async def _rest_forbidden(client: httpx.AsyncClient, path: str, filter_: Any) -> None:
    answer = await client.get(
        path,
        params={"filter": json.dumps(filter_), "fields": "id"},
        headers={"Authorization": f"Bearer {READER_TOKEN}"},
    )
    assert answer.status_code == 403, answer.text
    assert answer.json()["errors"][0]["extensions"]["code"] == "FORBIDDEN", answer.text


async def test_filtering_by_a_related_field_the_caller_may_not_read_is_forbidden(
    client: httpx.AsyncClient, services: Services, seeded: Seeded
) -> None:
    await _reader(
        services,
        seeded,
        role_fields=["id", "users"],
        role_filter=None,
        user_fields=["id", "first_name", "role"],
    )
    by_name = {"role": {"name": {"_eq": "Editors"}}}
    reply = await gql(
        client,
        "query($f: directus_users_filter) { users(filter: $f) { id } }",
        {"f": by_name},
        token=READER_TOKEN,
    )
    # The caller's filter type has no such field: the variable fails coercion (400), and
    # the same filter sent to REST is refused by the query engine's own rule.
    assert_validation_error(reply)
    await _rest_forbidden(client, "/users", by_name)
    by_email = {"users": {"email": {"_eq": ALICE_EMAIL}}}
    reply = await gql(
        client,
        "query($f: directus_roles_filter) { roles(filter: $f) { id } }",
        {"f": by_email},
        token=READER_TOKEN,
    )
    assert_validation_error(reply)
    await _rest_forbidden(client, "/roles", by_email)
    # A readable related field still filters.
    by_first_name = {"users": {"first_name": {"_eq": "Alice"}}}
    reply = await gql(
        client,
        "query($f: directus_roles_filter) { roles(filter: $f) { id } }",
        {"f": by_first_name},
        token=READER_TOKEN,
    )
    assert reply.data == {"roles": [{"id": seeded.roles["Editors"]}]}


async def test_filtering_through_a_collection_the_caller_may_not_read_is_forbidden(
    client: httpx.AsyncClient, services: Services, seeded: Seeded
) -> None:
    user = await create_user(
        services, "noroles@example.com", None, app_access=False, static_token=READER_TOKEN
    )
    assert user.role is not None
    await add_permission(services, user.role, None, None)  # every user, no role at all
    reply = await gql(
        client,
        "query($f: directus_users_filter) { users(filter: $f) { id } }",
        {"f": {"role": {"name": {"_eq": "Editors"}}}},
        token=READER_TOKEN,
    )
    assert_validation_error(reply)
    await _rest_forbidden(client, "/users", {"role": {"name": {"_eq": "Editors"}}})


async def test_sorting_by_a_related_field_respects_read_permission(
    client: httpx.AsyncClient, services: Services, seeded: Seeded
) -> None:
    await _reader(services, seeded, role_fields=["id"], role_filter=None, user_fields=None)
    reply = await gql(client, '{ users(sort: ["role.name"]) { id } }', token=READER_TOKEN)
    assert_error(reply, "FORBIDDEN", "users")


async def test_related_rows_the_caller_may_not_read_sort_as_null(
    client: httpx.AsyncClient, services: Services, seeded: Seeded
) -> None:
    """Only Viewers may be read: every other role name sorts as null, ties broken by name."""
    await _reader(
        services,
        seeded,
        role_fields=None,
        role_filter={"name": {"_eq": "Viewers"}},
        user_fields=None,
    )
    reply = await gql(
        client, '{ users(sort: ["role.name", "last_name"]) { last_name } }', token=READER_TOKEN
    )
    names = [row["last_name"] for row in reply.data["users"]]
    viewers = ["Clark", "Davis", "Foster"]
    # Where nulls go is the database's choice; the rest is one run in last-name order:
    # Administrator and Editors would sort apart if their names were read.
    assert names in (
        ["Anderson", "Baker", "Evans", "User", "Zed", *viewers],
        [*viewers, "Anderson", "Baker", "Evans", "User", "Zed"],
    ), names


async def test_permission_rules_see_every_related_row(
    client: httpx.AsyncClient, services: Services, seeded: Seeded
) -> None:
    """A rule written by an admin is trusted: it may reach rows its users cannot read."""
    user = await create_user(
        services, "colleagues@example.com", None, app_access=False, static_token=READER_TOKEN
    )
    assert user.role is not None
    # Users whose role has more than two users (Viewers: carol, dave, frank).
    await add_permission(
        services, user.role, ["id", "email"], {"role": {"users_func": {"count": {"_gt": 2}}}}
    )
    emails = await _emails(client, READER_TOKEN)
    assert sorted(emails) == ["CAROL@example.ORG", "Frank.Foster@Example.com", "dave@sample.net"]


# REST -----------------------------------------------------------------------------------------


async def _rest_emails(client: httpx.AsyncClient, params: dict[str, str]) -> list[str]:
    response = await client.get(
        "/users", params={"fields": "email", **params}, headers=bearer(BOB_TOKEN)
    )
    assert response.status_code == 200, response.text
    return [row["email"] for row in response.json()["data"]]


async def test_rest_relational_filters_stay_within_read_permission(
    client: httpx.AsyncClient, seeded: Seeded
) -> None:
    assert await _rest_emails(client, {"filter[role][users][_some][email][_eq]": ALICE_EMAIL}) == []
    assert await _rest_emails(client, {"filter[role][users][_some][email][_eq]": BOB_EMAIL}) == [
        BOB_EMAIL
    ]
    assert await _rest_emails(client, {"filter[role][users_func][count][_gt]": "1"}) == []
    assert await _rest_emails(client, {"filter[role][users_func][count][_eq]": "1"}) == [BOB_EMAIL]
    searched = await client.request(
        "SEARCH",
        "/users",
        json={"query": {"filter": _colleague_has(ALICE_EMAIL), "fields": ["email"]}},
        headers=bearer(BOB_TOKEN),
    )
    assert searched.json() == {"data": []}
