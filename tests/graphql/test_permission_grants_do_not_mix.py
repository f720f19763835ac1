"""Two grants for the same collection and action never lend one's fields to the other's
rows (issue 18, GHSA-99vm-5v2h-h6r6): a write of fields F reaches only the rows where each
field of F is given by a grant that applies there; a read reaches the rows of every grant
and shows each field only on the rows of a grant giving it (null elsewhere, for the
caller's filter, sort, search and aggregates too).

App users have Directus's built-in own-user grants (every field of their own row on read,
the profile fields on update). A role's narrower grant (few fields, more rows) must not
lend those fields to its rows: Bob (Editors) may rename his colleagues but not set their
passwords; Dave (Viewers) may list everyone's first name but sees only his own email.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from sqlmodel import col, select

from app.db.models import Permission
from app.services.container import Services
from tests.conftest import LOGIN, gql, login
from tests.graphql.seed import (
    BOB_TOKEN,
    DAVE_TOKEN,
    Seeded,
    add_permission,
    assert_error,
    seed,
)
from tests.rest import bearer

ALICE_EMAIL = "Alice.Anderson@Example.com"
ALICE_PASSWORD = "alice-password-1"
BOB_EMAIL = "bob.baker@example.com"
BOB_PASSWORD = "bob-password-1"
DAVE_EMAIL = "dave@sample.net"
STOLEN = "pwned-by-bob-123"
SEEDED_USERS = 6  # and the bootstrap admin: seven rows

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
FIRST_NAMES = '{ users(sort: ["last_name"], limit: -1) { first_name last_name } }'


@pytest.fixture
async def editors(services: Services) -> Seeded:
    """Editors may update the first name of everyone in their role."""
    seeded = await seed(services)
    await add_permission(
        services,
        seeded.roles["Editors"],
        ["first_name"],
        {"role": {"_eq": "$CURRENT_ROLE"}},
        action="update",
    )
    return seeded


@pytest.fixture
async def viewers(services: Services) -> Seeded:
    """Viewers may read id, first name and role of every user, and the id of every role."""
    seeded = await seed(services)
    await add_permission(services, seeded.roles["Viewers"], ["id", "first_name", "role"], None)
    await add_permission(
        services, seeded.roles["Viewers"], ["id"], None, collection="directus_roles"
    )
    return seeded


async def _login_works(client: httpx.AsyncClient, email: str, password: str) -> bool:
    reply = await gql(client, LOGIN, {"email": email, "password": password})
    return not reply.body.get("errors")


async def _stored_first_name(client: httpx.AsyncClient, seeded: Seeded, key: str) -> str:
    reply = await gql(
        client,
        "query($id: ID!) { users_by_id(id: $id) { first_name } }",
        {"id": seeded.users[key]},
        token=ADMIN,
    )
    name: str = reply.data["users_by_id"]["first_name"]
    return name


ADMIN = "admin-static-token-0000000000"


# Writes ---------------------------------------------------------------------------------


async def test_a_first_name_grant_does_not_let_a_user_set_others_passwords(
    client: httpx.AsyncClient, editors: Seeded
) -> None:
    reply = await gql(
        client,
        UPDATE_ONE,
        {"id": editors.users["alice"], "data": {"password": STOLEN}},
        token=BOB_TOKEN,
    )
    assert_error(reply, "FORBIDDEN", "update_users_item")
    for data in ({"email": "taken@example.com"}, {"first_name": "X", "last_name": "Y"}):
        reply = await gql(
            client, UPDATE_ONE, {"id": editors.users["alice"], "data": data}, token=BOB_TOKEN
        )
        assert_error(reply, "FORBIDDEN", "update_users_item")
    response = await client.patch(
        f"/users/{editors.users['alice']}", json={"password": STOLEN}, headers=bearer(BOB_TOKEN)
    )
    assert response.status_code == 403, response.text
    assert response.json()["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert not await _login_works(client, ALICE_EMAIL, STOLEN)
    assert await _login_works(client, ALICE_EMAIL, ALICE_PASSWORD)


async def test_a_batch_over_own_and_other_rows_needs_one_grant_for_every_row(
    client: httpx.AsyncClient, editors: Seeded
) -> None:
    ids = [editors.users["bob"], editors.users["alice"]]
    reply = await gql(
        client, UPDATE_MANY, {"ids": ids, "data": {"last_name": "Z"}}, token=BOB_TOKEN
    )
    assert_error(reply, "FORBIDDEN", "update_users_items")
    names = (await gql(client, FIRST_NAMES, token=ADMIN)).data["users"]
    assert "Z" not in {row["last_name"] for row in names}
    # The first name is given on both rows (by the grant), so this goes through.
    reply = await gql(
        client, UPDATE_MANY, {"ids": ids, "data": {"first_name": "Ed"}}, token=BOB_TOKEN
    )
    assert "errors" not in reply.body, reply.body
    assert await _stored_first_name(client, editors, "alice") == "Ed"
    assert await _stored_first_name(client, editors, "bob") == "Ed"


async def test_each_grant_still_works_on_its_own_rows(
    client: httpx.AsyncClient, editors: Seeded
) -> None:
    # Others' first name: the grant.
    reply = await gql(
        client,
        UPDATE_ONE,
        {"id": editors.users["alice"], "data": {"first_name": "Alicia"}},
        token=BOB_TOKEN,
    )
    assert "errors" not in reply.body, reply.body
    assert await _stored_first_name(client, editors, "alice") == "Alicia"
    # His own password and email: the built-in own-user rule (email needs a fresh login).
    fresh = (await login(client, BOB_EMAIL, BOB_PASSWORD))["access_token"]
    reply = await gql(
        client,
        UPDATE_ONE,
        {
            "id": editors.users["bob"],
            "data": {"password": "bob-new-password-2", "email": "bob.new@example.com"},
        },
        token=fresh,
    )
    assert "errors" not in reply.body, reply.body
    assert await _login_works(client, "bob.new@example.com", "bob-new-password-2")


# Reads ----------------------------------------------------------------------------------


async def _rows(client: httpx.AsyncClient, query: str, **variables: Any) -> list[dict[str, Any]]:
    reply = await gql(client, query, variables, token=DAVE_TOKEN)
    assert "errors" not in reply.body, reply.body
    rows: list[dict[str, Any]] = reply.data[next(iter(reply.data))]
    return rows


async def test_a_wide_row_grant_does_not_lend_the_own_row_fields_to_other_rows(
    client: httpx.AsyncClient, viewers: Seeded
) -> None:
    names = await _rows(client, "{ users(limit: -1) { id first_name } }")
    assert len(names) == SEEDED_USERS + 1
    private = await _rows(
        client, "{ users(limit: -1) { id email last_name status last_access token tfa_secret } }"
    )
    assert len(private) == SEEDED_USERS + 1
    dave = viewers.users["dave"]
    for row in private:
        if row["id"] != dave:
            assert set(row.values()) == {row["id"], None}, row
    assert [row["email"] for row in private if row["email"]] == [DAVE_EMAIL]
    mixed = await _rows(client, "{ users(limit: -1) { id first_name email } }")
    assert len(mixed) == SEEDED_USERS + 1
    assert {row["id"]: row["email"] for row in mixed if row["email"]} == {dave: DAVE_EMAIL}


async def test_filters_sorts_and_searches_see_a_hidden_field_as_null(
    client: httpx.AsyncClient, viewers: Seeded
) -> None:
    query = "query($f: directus_users_filter) { users(filter: $f, limit: -1) { id } }"
    assert await _rows(client, query, f={"tfa_secret": {"_nempty": True}}) == []
    assert await _rows(client, query, f={"email": {"_eq": ALICE_EMAIL}}) == []
    assert await _rows(client, query, f={"email": {"_icontains": "example"}}) == []
    own = await _rows(client, query, f={"email": {"_eq": DAVE_EMAIL}})
    assert own == [{"id": viewers.users["dave"]}]
    hidden = await _rows(client, query, f={"email": {"_null": True}})
    assert len(hidden) == SEEDED_USERS
    # Sorted by email, the others' hidden addresses are all null: they keep the id order.
    by_email = [row["id"] for row in await _rows(client, '{ users(sort: ["email"]) { id } }')]
    assert len(by_email) == SEEDED_USERS + 1
    others = [item for item in by_email if item != viewers.users["dave"]]
    assert others == sorted(others)
    descending = await _rows(client, '{ users(sort: ["-email"], limit: -1) { id } }')
    assert [item for item in (row["id"] for row in descending) if item in others] == others
    found = await _rows(client, '{ users(search: "alice.anderson", limit: -1) { id } }')
    assert found == []  # her address, hidden from Dave
    found = await _rows(client, '{ users(search: "sample.net", limit: -1) { id } }')
    assert found == [{"id": viewers.users["dave"]}]
    everyone = await _rows(client, '{ users(sort: ["first_name"], limit: -1) { id } }')
    assert len(everyone) == SEEDED_USERS + 1


async def test_aggregates_see_a_hidden_field_as_null(
    client: httpx.AsyncClient, viewers: Seeded
) -> None:
    groups = await _rows(
        client, '{ users_aggregated(groupBy: ["email", "id"]) { group countAll } }'
    )
    assert len(groups) == SEEDED_USERS + 1
    assert [row["group"]["email"] for row in groups if row["group"]["email"]] == [DAVE_EMAIL]
    by_email = await _rows(
        client, '{ users_aggregated(groupBy: ["email"], sort: ["-email"]) { group countAll } }'
    )
    assert sorted((row["group"]["email"] or "", row["countAll"]) for row in by_email) == [
        ("", SEEDED_USERS),
        (DAVE_EMAIL, 1),
    ]
    by_name = await _rows(client, '{ users_aggregated(groupBy: ["first_name"]) { countAll } }')
    assert sum(row["countAll"] for row in by_name) == SEEDED_USERS + 1
    counted = await _rows(
        client,
        "{ users_aggregated { count { email } countDistinct { email } countAll } }",
    )
    assert counted == [
        {"count": {"email": 1}, "countDistinct": {"email": 1}, "countAll": SEEDED_USERS + 1}
    ]


async def test_rest_reads_follow_the_same_rule(client: httpx.AsyncClient, viewers: Seeded) -> None:
    headers = bearer(DAVE_TOKEN)
    response = await client.get(
        "/users", params={"fields": "id,email,status,token", "limit": "-1"}, headers=headers
    )
    assert response.status_code == 200, response.text
    rows = response.json()["data"]
    assert len(rows) == SEEDED_USERS + 1
    assert [row["email"] for row in rows if row["email"]] == [DAVE_EMAIL]
    response = await client.get(
        "/users",
        params={
            "fields": "id,email",
            "limit": "-1",
            "meta": "total_count,filter_count",
            "filter[email][_nnull]": "true",
        },
        headers=headers,
    )
    assert response.json()["meta"] == {"total_count": SEEDED_USERS + 1, "filter_count": 1}
    response = await client.get(
        "/users", params={"fields": "id,first_name", "limit": "-1"}, headers=headers
    )
    assert len(response.json()["data"]) == SEEDED_USERS + 1
    response = await client.get(
        "/users",
        params={"fields": "id", "filter[email][_eq]": ALICE_EMAIL},
        headers=headers,
    )
    assert response.json()["data"] == [], response.text
    alice = viewers.users["alice"]
    response = await client.get(f"/users/{alice}?fields=id,email,first_name", headers=headers)
    assert response.status_code == 200, response.text
    assert response.json()["data"] == {"id": alice, "email": None, "first_name": "Alice"}
    response = await client.get(
        "/users", params={"aggregate[countDistinct]": "email"}, headers=headers
    )
    assert response.json()["data"] == [{"countDistinct": {"email": 1}}], response.text


async def test_related_roles_through_the_data_loader_follow_the_selected_fields(
    client: httpx.AsyncClient, viewers: Seeded
) -> None:
    rows = await _rows(client, "{ users(limit: -1) { id role { id } } }")
    role_ids = {row["role"]["id"] for row in rows if row["role"] is not None}
    assert role_ids == {viewers.roles[name] for name in ("Administrator", "Editors", "Viewers")}
    # Only his own role shows its name; on the others the name (non-null in the schema)
    # cannot be given: FORBIDDEN there, and the role reads as null.
    reply = await gql(client, "{ users(limit: -1) { id role { name } } }", token=DAVE_TOKEN)
    rows = reply.data["users"]
    names = {row["role"]["name"] for row in rows if row["role"] is not None}
    assert names == {"Viewers"}
    errors = reply.body["errors"]
    assert {error["extensions"]["code"] for error in errors} == {"FORBIDDEN"}
    assert {error["path"][-1] for error in errors} == {"name"}
    assert len(errors) == sum(1 for row in rows if row["role"] is None) - 1  # the admin's
    response = await client.get(
        "/users", params={"fields": "id,role.name", "limit": "-1"}, headers=bearer(DAVE_TOKEN)
    )
    rest_names = {row["role"]["name"] for row in response.json()["data"] if row["role"]}
    assert rest_names == {"Viewers", None}


async def test_each_row_is_validated_by_a_grant_that_allowed_it(
    client: httpx.AsyncClient, services: Services
) -> None:
    seeded = await seed(services)
    await add_permission(
        services,
        seeded.roles["Editors"],
        ["first_name"],
        {"role": {"_eq": "$CURRENT_ROLE"}},
        action="update",
    )
    async with services.db.write() as session:
        grant = (
            await session.exec(select(Permission).where(col(Permission.action) == "update"))
        ).one()
        grant.validation = {"first_name": {"_starts_with": "A"}}
        session.add(grant)
    alice = seeded.users["alice"]
    reply = await gql(
        client, UPDATE_ONE, {"id": alice, "data": {"first_name": "Zed"}}, token=BOB_TOKEN
    )
    assert_error(reply, "FAILED_VALIDATION", "update_users_item")
    assert await _stored_first_name(client, seeded, "alice") == "Alice"
    reply = await gql(
        client, UPDATE_ONE, {"id": alice, "data": {"first_name": "Ann"}}, token=BOB_TOKEN
    )
    assert "errors" not in reply.body, reply.body
    # His own row is also allowed by the own-user rule, which has no validation.
    reply = await gql(
        client,
        UPDATE_ONE,
        {"id": seeded.users["bob"], "data": {"first_name": "Zed"}},
        token=BOB_TOKEN,
    )
    assert "errors" not in reply.body, reply.body
    assert await _stored_first_name(client, seeded, "bob") == "Zed"


async def test_an_o2m_shows_only_on_the_parents_whose_grant_gives_it(
    client: httpx.AsyncClient, viewers: Seeded
) -> None:
    """Roles' `users` is given by Dave's own-role default only: other roles read as
    having none (GraphQL, its count, REST), though he reads every role's id."""
    rows = await _rows(client, "{ roles(limit: -1) { id users { id } users_func { count } } }")
    own = viewers.roles["Viewers"]
    by_role = {row["id"]: row for row in rows}
    assert set(by_role) == set(viewers.roles.values())
    assert {user["id"] for user in by_role[own]["users"]} == {
        viewers.users[key] for key in ("carol", "dave", "frank")
    }
    assert by_role[own]["users_func"] == {"count": 3}
    for role, row in by_role.items():
        if role != own:
            assert (row["users"], row["users_func"]) == ([], {"count": 0}), row
    response = await client.get(
        "/roles", params={"fields": "id,users", "limit": "-1"}, headers=bearer(DAVE_TOKEN)
    )
    shown = {row["id"]: row["users"] for row in response.json()["data"]}
    assert len(shown[own]) == 3
    assert all(users == [] for role, users in shown.items() if role != own)
