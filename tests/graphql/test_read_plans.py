"""An admin's list and by-id statements are built once and kept (app/services/read_plans.py):
kept, they read fresh rows and answer as a statement built anew would; nothing else keeps
one (another caller, a query naming a variable, a refused query). On both databases; the
answers are also compared with the general path in tests/graphql/test_direct_fields.py."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from sqlmodel import col, update

from app.db.models import User
from app.repositories import items as items_repo
from app.services.container import Services
from tests.conftest import gql
from tests.graphql.seed import ADMIN_TOKEN, DAVE_TOKEN, add_permission, seed

PAGE = '{ users(limit: 3, sort: ["email"]) { email first_name role { name } } }'
BY_ID = "query ($id: ID!) { users_by_id(id: $id) { email role { name } } }"


@pytest.fixture
def built(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The reads whose statement was built (each model's table name, per build)."""
    builds: list[str] = []
    build = items_repo.values_statement

    def counting(model: Any, *args: Any, **kwargs: Any) -> items_repo.ValuesStatement:
        builds.append(model.__tablename__)
        return build(model, *args, **kwargs)

    monkeypatch.setattr(items_repo, "values_statement", counting)
    return builds


async def _data(
    client: httpx.AsyncClient,
    document: str,
    token: str | None,
    variables: dict[str, Any] | None = None,
) -> Any:
    reply = await gql(client, document, variables, token=token)
    assert reply.status == 200, reply.body
    assert "errors" not in reply.body, reply.body
    return reply.data


async def test_a_kept_page_reads_fresh_rows(
    client: httpx.AsyncClient, services: Services, built: list[str]
) -> None:
    seeded = await seed(services)
    first = await _data(client, PAGE, ADMIN_TOKEN)
    assert built == ["directus_users"]
    assert await _data(client, PAGE, ADMIN_TOKEN) == first
    assert built == ["directus_users"]  # the second read ran the kept statement
    # Rows written since are read, role included: the plan keeps no row.
    alice = seeded.users["alice"]
    async with services.db.write() as session:
        await session.exec(
            update(User)
            .where(col(User.id) == alice)
            .values(first_name="Alicia", role=seeded.roles["Viewers"])
        )
    again = await _data(client, PAGE, ADMIN_TOKEN)
    assert built == ["directus_users"]
    assert again["users"][0] == {
        "email": "Alice.Anderson@Example.com",
        "first_name": "Alicia",
        "role": {"name": "Viewers"},
    }
    assert again["users"][1:] == first["users"][1:]
    # Another window, sort or selection is another statement.
    await _data(client, PAGE.replace("limit: 3", "limit: 2"), ADMIN_TOKEN)
    await _data(client, PAGE.replace('"email"', '"-email"'), ADMIN_TOKEN)
    await _data(client, PAGE.replace("first_name", "last_name"), ADMIN_TOKEN)
    assert len(built) == 4


async def test_one_kept_statement_reads_every_id(
    client: httpx.AsyncClient, services: Services, built: list[str]
) -> None:
    seeded = await seed(services)
    dave = await _data(client, BY_ID, ADMIN_TOKEN, {"id": seeded.users["dave"]})
    alice = await _data(client, BY_ID, ADMIN_TOKEN, {"id": seeded.users["alice"]})
    assert built == ["directus_users"]
    assert dave["users_by_id"] == {"email": "dave@sample.net", "role": {"name": "Viewers"}}
    assert alice["users_by_id"]["email"] == "Alice.Anderson@Example.com"
    assert alice["users_by_id"]["role"] == {"name": "Editors"}
    # An unknown id finds nothing through it, as through a statement of its own.
    unknown = {"id": "00000000-0000-0000-0000-000000000000"}
    reply = await gql(client, BY_ID, unknown, token=ADMIN_TOKEN)
    assert reply.body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert built == ["directus_users"]


async def test_other_callers_and_variables_build_their_statement_each_time(
    client: httpx.AsyncClient, services: Services, built: list[str]
) -> None:
    seeded = await seed(services)
    viewers = seeded.roles["Viewers"]
    await add_permission(services, viewers, ["id", "email", "first_name", "role"], None)
    await add_permission(services, viewers, ["id", "name"], None, collection="directus_roles")
    for _ in range(2):
        await _data(client, PAGE, DAVE_TOKEN)
        await _data(client, BY_ID, DAVE_TOKEN, {"id": seeded.users["alice"]})
    assert built == ["directus_users"] * 4
    # An admin's query naming a variable: its statement changes with the caller or time.
    built.clear()
    mine = '{ users(filter: { id: { _eq: "$CURRENT_USER" } }) { email } }'
    recent = '{ users(filter: { last_access: { _gte: "$NOW(-1 day)" } }) { email } }'
    for _ in range(2):
        await _data(client, mine, ADMIN_TOKEN)
        await _data(client, recent, ADMIN_TOKEN)
    assert built == ["directus_users"] * 4


async def test_a_refused_query_keeps_nothing(
    client: httpx.AsyncClient, services: Services, built: list[str]
) -> None:
    await seed(services)
    refused = "{ users(limit: -5) { email } }"
    for _ in range(2):
        reply = await gql(client, refused, token=ADMIN_TOKEN)
        assert reply.body["errors"][0]["extensions"]["code"] == "INVALID_QUERY"
    assert built == []
    forbidden_sort = '{ users(sort: ["nope"]) { email } }'
    for _ in range(2):
        reply = await gql(client, forbidden_sort, token=ADMIN_TOKEN)
        assert reply.body["errors"], reply.body
    assert built == []


EMAIL = "query ($e: String) { users(filter: { email: { _eq: $e } }) { email role { name } } }"
ROLE = (
    'query ($r: String) { users(filter: { role: { name: { _eq: $r } } }, sort: ["email"])'
    " { email role { name } } }"
)


async def test_one_kept_statement_binds_every_string_compared_by_eq(
    client: httpx.AsyncClient, services: Services, built: list[str]
) -> None:
    await seed(services)
    dave = await _data(client, EMAIL, ADMIN_TOKEN, {"e": "dave@sample.net"})
    assert dave["users"] == [{"email": "dave@sample.net", "role": {"name": "Viewers"}}]
    assert built == ["directus_users"] * 2  # the query's statement, then its shape's
    alice = await _data(client, EMAIL, ADMIN_TOKEN, {"e": "Alice.Anderson@Example.com"})
    assert alice["users"] == [{"email": "Alice.Anderson@Example.com", "role": {"name": "Editors"}}]
    # Values the placeholders stand for, however strange, are compared as given.
    for odd in ("", "%", "dave@sample.ne_", "DAVE@SAMPLE.NET", "o'brien\"; --", "ß"):
        assert (await _data(client, EMAIL, ADMIN_TOKEN, {"e": odd}))["users"] == []
    viewers = await _data(client, ROLE, ADMIN_TOKEN, {"r": "Viewers"})
    editors = await _data(client, ROLE, ADMIN_TOKEN, {"r": "Editors"})
    assert {user["role"]["name"] for user in viewers["users"]} == {"Viewers"}
    assert {user["role"]["name"] for user in editors["users"]} == {"Editors"}
    assert built == ["directus_users"] * 4
    others = "query ($e: String) { users(filter: { email: { _neq: $e } }) { email } }"
    everyone = await _data(client, others, ADMIN_TOKEN, {"e": "nobody@example.com"})
    but_dave = await _data(client, others, ADMIN_TOKEN, {"e": "dave@sample.net"})
    assert len(but_dave["users"]) == len(everyone["users"]) - 1
    assert built == ["directus_users"] * 6


async def test_a_shape_whose_strings_the_engine_rewrites_is_kept_per_query(
    client: httpx.AsyncClient, services: Services, built: list[str]
) -> None:
    """A date compared by _eq is parsed, not passed on: no statement binds it, and each
    query whole keeps its own."""
    await seed(services)
    on = "query ($d: String) { users(filter: { last_access: { _eq: $d } }) { email } }"
    first = await _data(client, on, ADMIN_TOKEN, {"d": "2026-01-01T00:00:00Z"})
    assert first["users"] == []
    assert built == ["directus_users"]  # its shape's placeholder was refused: not bound
    await _data(client, on, ADMIN_TOKEN, {"d": "2026-01-02T00:00:00Z"})
    await _data(client, on, ADMIN_TOKEN, {"d": "2026-01-02T00:00:00Z"})
    assert built == ["directus_users"] * 2
    reply = await gql(client, on, {"d": "not a date"}, token=ADMIN_TOKEN)
    assert reply.body["errors"][0]["extensions"]["code"] == "INVALID_QUERY"
    # A kept statement still checks this request's strings against the filter limits.
    long = await gql(client, EMAIL, {"e": "x" * 10_001}, token=ADMIN_TOKEN)
    assert long.body["errors"][0]["extensions"]["code"] == "INVALID_QUERY"
    await _data(client, EMAIL, ADMIN_TOKEN, {"e": "a@b.c"})
    long = await gql(client, EMAIL, {"e": "x" * 10_001}, token=ADMIN_TOKEN)
    assert long.body["errors"][0]["extensions"]["code"] == "INVALID_QUERY"


async def test_a_heavy_statement_is_not_kept(
    client: httpx.AsyncClient, services: Services, built: list[str]
) -> None:
    """A statement of hundreds of elements would hold megabytes for as long as it is kept."""
    await seed(services)
    branch = "{ role: { parent: { parent: { icon: { _nnull: true } } } } }"
    heavy = f"{{ users(filter: {{ _or: [{', '.join([branch] * 24)}] }}) {{ id }} }}"
    for _ in range(2):
        await _data(client, heavy, ADMIN_TOKEN)
    assert built == ["directus_users"] * 2
