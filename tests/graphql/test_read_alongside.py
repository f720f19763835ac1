"""A page of users with their role: the roles read in the users' own statement where that is
plain and bounded (app/repositories/alongside.py), else in a statement of their own, by id;
the same answers either way (tests/graphql/test_direct_fields.py compares them)."""

from __future__ import annotations

import httpx

from app.services.container import Services
from tests.conftest import gql
from tests.graphql.seed import (
    ADMIN_TOKEN,
    DAVE_TOKEN,
    add_permission,
    counting_statements,
    seed,
)


def _roles_read_apart(statements: list[str]) -> int:
    return sum(statement.startswith("SELECT directus_roles.id") for statement in statements)


async def _read(
    client: httpx.AsyncClient, services: Services, document: str, token: str
) -> tuple[dict[str, object], list[str]]:
    with counting_statements(services) as statements:
        reply = await gql(client, document, token=token)
    assert reply.status == 200, reply.body
    assert "errors" not in reply.body, reply.body
    return reply.data, statements


async def test_a_page_reads_its_roles_in_its_own_statement(
    client: httpx.AsyncClient, services: Services
) -> None:
    seeded = await seed(services)
    data, statements = await _read(
        client,
        services,
        '{ users(limit: 5, sort: ["email"]) { email role { name } } }',
        ADMIN_TOKEN,
    )
    assert _roles_read_apart(statements) == 0, statements
    assert any("directus_roles.id = directus_users.role" in s for s in statements), statements
    users = data["users"]
    assert isinstance(users, list)
    assert users[0] == {"email": "Alice.Anderson@Example.com", "role": {"name": "Editors"}}
    assert len(seeded.users) >= 5
    # By id as well.
    by_id = f'{{ users_by_id(id: "{seeded.users["dave"]}") {{ email role {{ name }} }} }}'
    data, statements = await _read(client, services, by_id, ADMIN_TOKEN)
    assert _roles_read_apart(statements) == 0, statements
    assert data["users_by_id"] == {"email": "dave@sample.net", "role": {"name": "Viewers"}}


async def test_unbounded_pages_and_many_fields_read_the_roles_apart(
    client: httpx.AsyncClient, services: Services
) -> None:
    await seed(services)
    # Every row (limit -1): one subquery per row and field would grow with the table.
    _, statements = await _read(
        client, services, "{ users(limit: -1) { email role { name } } }", ADMIN_TOKEN
    )
    assert _roles_read_apart(statements) == 1, statements
    # Past the budget of columns: the first selections alongside, the last apart.
    many = (
        '{ users(limit: 5, sort: ["email"]) { email a: role { name } b: role { icon }'
        " c: role { description } d: role { name icon } } }"
    )
    data, statements = await _read(client, services, many, ADMIN_TOKEN)
    assert _roles_read_apart(statements) == 1, statements
    alice = data["users"][0]  # type: ignore[index]
    assert alice["a"] == {"name": "Editors"}
    assert alice["d"] == {"name": "Editors", "icon": "supervised_user_circle"}


async def test_a_rule_on_the_roles_reads_them_apart(
    client: httpx.AsyncClient, services: Services
) -> None:
    seeded = await seed(services)
    viewers = seeded.roles["Viewers"]
    await add_permission(services, viewers, ["id", "email", "role"], None)
    only_viewers = {"name": {"_eq": "Viewers"}}
    await add_permission(
        services, viewers, ["id", "name"], only_viewers, collection="directus_roles"
    )
    data, statements = await _read(
        client, services, '{ users(sort: ["email"]) { email role { name } } }', DAVE_TOKEN
    )
    assert _roles_read_apart(statements) == 1, statements
    users = data["users"]
    assert isinstance(users, list)
    names = {row["role"]["name"] if row["role"] else None for row in users}
    assert names == {"Viewers", None}  # Editors' role is not his to read
