"""Per field, per item (issue 18; GHSA-99vm-5v2h-h6r6): a write is allowed only where each
field written is given by a grant whose filter matches the item; a read shows, per item,
only the fields a grant that applies to it gives. On both databases.

The acceptance case: policy A grants `title` on the caller's own user, policy B grants
`location` on every user. The caller may change `location` anywhere, `title` only on its
own record, and both together only on its own record.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import httpx
import pytest

from app.accountability import Accountability
from app.db.models import Permission, Policy, User
from app.db.query.item_query import ItemQuery
from app.permissions.access import Access
from app.repositories import policies as policies_repo
from app.repositories.sync.callers import AccessQuery
from app.services.container import Services
from tests.conftest import create_user, gql
from tests.graphql.mutation_seed import refused_by_schema
from tests.graphql.seed import DAVE_TOKEN, Seeded, add_permission, assert_error, seed
from tests.graphql_reply import ok
from tests.rest import bearer

WRITER_TOKEN = "per-item-writer-token-000000001"
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
OWN = {"id": {"_eq": "$CURRENT_USER"}}


def _reason(fields: Sequence[str]) -> str:
    names = ", ".join(f'"{name}"' for name in fields)
    return (
        f'You don\'t have permissions to perform "update" for the field(s) {names} in '
        'collection "directus_users" or it does not exist.'
    )


Grant = tuple[str, list[str], dict[str, Any] | None]  # action, fields, item filter


async def _policy(services: Services, user: str, name: str, grants: Sequence[Grant]) -> None:
    async with services.db.write() as session:
        policy = Policy(name=name)
        session.add(policy)
        await session.flush()
        await policies_repo.attach(session, policy.id, user=user)
        for action, fields, rows in grants:
            session.add(
                Permission(
                    policy=policy.id,
                    collection="directus_users",
                    action=action,
                    fields=fields,
                    permissions=rows,
                )
            )


@pytest.fixture
async def writer(services: Services) -> dict[str, str]:
    """A caller without app access (no built-in own-user grants): policy A gives `title`
    on its own record, policy B `location` on every user (and reads)."""
    me = await create_user(
        services, "writer@example.com", static_token=WRITER_TOKEN, app_access=False
    )
    other = await create_user(services, "other@example.com", first_name="Other")
    await _policy(
        services, me.id, "A", [("update", ["title"], OWN), ("read", ["id", "title"], OWN)]
    )
    await _policy(
        services, me.id, "B", [("update", ["location"], None), ("read", ["id", "location"], None)]
    )
    async with services.db.write() as session:
        stored = await session.get(User, other.id)
        assert stored is not None
        stored.title, stored.location = "Secret", "There"
        session.add(stored)
    return {"me": me.id, "other": other.id}


async def _stored(services: Services, user_id: str) -> tuple[str | None, str | None]:
    async with services.db.read() as session:
        row = await session.get(User, user_id)
    assert row is not None
    return row.title, row.location


async def test_the_issues_acceptance_case(
    client: httpx.AsyncClient, services: Services, writer: dict[str, str]
) -> None:
    me, other = writer["me"], writer["other"]
    # y anywhere.
    reply = await gql(
        client, UPDATE_ONE, {"id": other, "data": {"location": "There"}}, token=WRITER_TOKEN
    )
    assert ok(reply, "update_users_item") == {"id": other}
    # x only on its own item.
    reply = await gql(
        client, UPDATE_ONE, {"id": other, "data": {"title": "Boss"}}, token=WRITER_TOKEN
    )
    assert_error(reply, "FORBIDDEN", "update_users_item")
    assert reply.body["errors"][0]["extensions"]["reason"] == _reason(["title"])
    reply = await gql(client, UPDATE_ONE, {"id": me, "data": {"title": "Me"}}, token=WRITER_TOKEN)
    assert ok(reply, "update_users_item") == {"id": me}
    # x and y together: on its own item, not on another's (neither field is written).
    both = {"title": "Both", "location": "Here"}
    reply = await gql(client, UPDATE_ONE, {"id": me, "data": both}, token=WRITER_TOKEN)
    assert ok(reply, "update_users_item") == {"id": me}
    reply = await gql(client, UPDATE_ONE, {"id": other, "data": both}, token=WRITER_TOKEN)
    assert_error(reply, "FORBIDDEN", "update_users_item")
    reply = await gql(client, UPDATE_MANY, {"ids": [me, other], "data": both}, token=WRITER_TOKEN)
    assert_error(reply, "FORBIDDEN", "update_users_items")
    assert await _stored(services, me) == ("Both", "Here")
    assert await _stored(services, other) == ("Secret", "There")
    # REST says the same, naming the fields in the order sent.
    response = await client.patch(
        f"/users/{other}",
        json={"location": "Elsewhere", "title": "Boss"},
        headers=bearer(WRITER_TOKEN),
    )
    assert response.status_code == 403, response.text
    assert response.json()["errors"][0]["extensions"] == {
        "code": "FORBIDDEN",
        "reason": _reason(["location", "title"]),
    }
    response = await client.patch(
        f"/users/{me}?fields=id,title,location",
        json={"location": "Home", "title": "Mine"},
        headers=bearer(WRITER_TOKEN),
    )
    assert response.status_code == 200, response.text
    assert response.json()["data"] == {"id": me, "title": "Mine", "location": "Home"}
    # A field no grant gives is refused by name, wherever: absent from the caller's GraphQL
    # input type (the variable fails coercion), FORBIDDEN with the reason over REST.
    reply = await gql(
        client, UPDATE_ONE, {"id": me, "data": {"first_name": "X"}}, token=WRITER_TOKEN
    )
    refused_by_schema(reply, "first_name")
    response = await client.patch(
        f"/users/{me}", json={"first_name": "X"}, headers=bearer(WRITER_TOKEN)
    )
    assert response.json()["errors"][0]["extensions"]["reason"] == _reason(["first_name"])


async def test_reads_show_each_field_on_the_items_its_grant_applies_to(
    client: httpx.AsyncClient, writer: dict[str, str]
) -> None:
    me, other = writer["me"], writer["other"]
    response = await client.patch(
        f"/users/{me}", json={"location": "Home", "title": "Mine"}, headers=bearer(WRITER_TOKEN)
    )
    assert response.status_code == 200, response.text
    reply = await gql(
        client, '{ users(sort: ["title"], limit: -1) { id title location } }', token=WRITER_TOKEN
    )
    rows = ok(reply, "users")
    assert {row["id"]: row for row in rows}[other] == {
        "id": other,
        "title": None,
        "location": "There",
    }
    assert {row["id"]: row for row in rows}[me] == {"id": me, "title": "Mine", "location": "Home"}
    by_id = await gql(
        client,
        "query($id: ID!) { users_by_id(id: $id) { id title location } }",
        {"id": other},
        token=WRITER_TOKEN,
    )
    assert ok(by_id, "users_by_id") == {"id": other, "title": None, "location": "There"}
    for where in ('{title: {_eq: "Secret"}}', '{title: {_starts_with: "Sec"}}'):
        hidden = await gql(client, f"{{ users(filter: {where}) {{ id }} }}", token=WRITER_TOKEN)
        assert ok(hidden, "users") == []
    nulls = await gql(
        client, "{ users(filter: {title: {_null: true}}, limit: -1) { id } }", token=WRITER_TOKEN
    )
    assert other in {row["id"] for row in ok(nulls, "users")}
    counted = await gql(
        client,
        "{ users_aggregated { countDistinct { title } count { title location } } }",
        token=WRITER_TOKEN,
    )
    [totals] = ok(counted, "users_aggregated")
    assert totals["countDistinct"] == {"title": 1}
    assert totals["count"]["title"] == 1
    grouped = await gql(
        client,
        '{ users_aggregated(groupBy: ["title"], sort: ["title"]) { group countAll } }',
        token=WRITER_TOKEN,
    )
    assert "Secret" not in str(ok(grouped, "users_aggregated"))
    found = await gql(client, '{ users(search: "Secret") { id } }', token=WRITER_TOKEN)
    assert ok(found, "users") == []
    found = await gql(client, '{ users(search: "There") { id } }', token=WRITER_TOKEN)
    assert ok(found, "users") == [{"id": other}]
    # REST: the same rows and values, by id too.
    response = await client.get(
        f"/users/{other}", params={"fields": "id,title,location"}, headers=bearer(WRITER_TOKEN)
    )
    assert response.json()["data"] == {"id": other, "title": None, "location": "There"}
    response = await client.get(
        "/users",
        params={"fields": "id", "filter[title][_eq]": "Secret", "meta": "filter_count"},
        headers=bearer(WRITER_TOKEN),
    )
    assert response.json() == {"data": [], "meta": {"filter_count": 0}}


# The fast path (no CASE where one grant covers the rows) answers as the general path ----------


QUERIES = [
    ItemQuery(limit=-1),
    ItemQuery(sort=["email"], limit=-1),
    ItemQuery(sort=["-first_name", "email"], limit=-1),
    ItemQuery(filter={"email": {"_contains": "example"}}, limit=-1),
    ItemQuery(filter={"first_name": {"_nnull": True}}, limit=3, offset=1),
    ItemQuery(filter={"role": {"id": {"_nnull": True}}}, limit=-1),
    ItemQuery(search="a", limit=-1),
    ItemQuery(search="sample", limit=-1),
]
FIELDS = [["id", "first_name"], ["id", "email", "first_name"], ["id", "role", "status"]]


def _plain(rows: Sequence[User]) -> list[dict[str, Any]]:
    return [row.model_dump(include={"id", "first_name", "email", "role", "status"}) for row in rows]


async def _dave(services: Services, seeded: Seeded, *, force: bool) -> Access:
    found = await services.db.run_reads(AccessQuery(user_id=seeded.users["dave"]))
    assert found is not None
    effective = found.at("127.0.0.1")
    who = Accountability(user=seeded.users["dave"], role=seeded.roles["Viewers"], app=True)
    return Access(who, list(effective.permissions), force_masks=force)


async def test_the_fast_path_answers_as_the_forced_case_path(services: Services) -> None:
    seeded = await seed(services)
    # Viewers read id, first name and role of everyone; their own record whole (app access).
    await add_permission(services, seeded.roles["Viewers"], ["id", "first_name", "role"], None)
    plain, forced = (
        await _dave(services, seeded, force=False),
        await _dave(services, seeded, force=True),
    )
    users = services.users
    assert plain.require_fields("directus_users", "read", ["first_name"]).masks == {}
    assert forced.require_fields("directus_users", "read", ["first_name"]).masks != {}
    for fields in FIELDS:
        for query in QUERIES:
            expected = _plain(await users.read_many(plain, query, fields))
            assert _plain(await users.read_many(forced, query, fields)) == expected, query
        ids = list(seeded.users.values())
        assert _plain(await users.read_ids(forced, ids, fields)) == _plain(
            await users.read_ids(plain, ids, fields)
        )
        assert await users.counts(forced, QUERIES[3], fields, {"total_count", "filter_count"}) == (
            await users.counts(plain, QUERIES[3], fields, {"total_count", "filter_count"})
        )
    for group_by, counted in ((["role"], ["first_name"]), (["first_name"], []), ([], ["email"])):
        query = ItemQuery(sort=group_by, limit=-1)
        assert await users.aggregate(forced, query, group_by, counted, counted) == (
            await users.aggregate(plain, query, group_by, counted, counted)
        )
    roles = list(seeded.roles.values())
    grouped = await users.read_related(forced, "role", roles, ItemQuery(limit=-1), ["id", "email"])
    fast = await users.read_related(plain, "role", roles, ItemQuery(limit=-1), ["id", "email"])
    assert {k: _plain(v) for k, v in grouped.items()} == {k: _plain(v) for k, v in fast.items()}


async def test_a_dave_token_reads_the_same_through_graphql(
    client: httpx.AsyncClient, services: Services
) -> None:
    """The users_me fast path: the own row read while authenticating, when every field
    selected shows on it."""
    seeded = await seed(services)
    await add_permission(services, seeded.roles["Viewers"], ["id", "first_name"], None)
    me = await gql(client, "{ users_me { id email first_name } }", token=DAVE_TOKEN)
    assert ok(me, "users_me") == {
        "id": seeded.users["dave"],
        "email": "dave@sample.net",
        "first_name": "Dave",
    }
