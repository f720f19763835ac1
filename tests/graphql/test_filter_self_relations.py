"""Filters through a one-to-many of a collection to itself (a role's `children`, the roles
whose `parent` it is) match the children of the role being filtered, not "some role that is
its own parent": the related rows are read under another name. On both databases."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from app.db.models import Role
from app.services.container import Services
from tests.conftest import gql
from tests.graphql.seed import ADMIN_TOKEN, seed

QUERY = 'query ($f: directus_roles_filter) { roles(filter: $f, sort: ["name"]) { name } }'

# A family of roles: Grandparent > Parent > Child; Loner has neither.
CASES: list[tuple[dict[str, Any], list[str] | None]] = [
    ({"children": {"name": {"_eq": "Parent"}}}, ["Grandparent"]),
    ({"children": {"name": {"_eq": "Child"}}}, ["Parent"]),
    ({"children": {"children": {"name": {"_eq": "Child"}}}}, ["Grandparent"]),
    ({"children": {"parent": {"name": {"_eq": "Grandparent"}}}}, ["Grandparent"]),
    ({"children_func": {"count": {"_gt": 0}}}, ["Grandparent", "Parent"]),
    ({"children": {"_none": {"name": {"_eq": "Parent"}}}}, None),  # every role but one
    ({"parent": {"children": {"name": {"_eq": "Child"}}}}, ["Child"]),
]


@pytest.fixture
async def family(services: Services) -> list[str]:
    seeded = await seed(services)
    async with services.db.write() as session:
        grandparent = Role(name="Grandparent")
        session.add(grandparent)
        await session.flush()
        parent = Role(name="Parent", parent=grandparent.id)
        session.add(parent)
        await session.flush()
        session.add(Role(name="Child", parent=parent.id))
        session.add(Role(name="Loner"))
    return sorted({*seeded.roles, "Administrator", "Grandparent", "Parent", "Child", "Loner"})


@pytest.mark.parametrize(("condition", "expected"), CASES)
async def test_a_filter_through_children_matches_the_roles_own_children(
    client: httpx.AsyncClient,
    family: list[str],
    condition: dict[str, Any],
    expected: list[str] | None,
) -> None:
    reply = await gql(client, QUERY, {"f": condition}, token=ADMIN_TOKEN)
    assert reply.status == 200, reply.body
    names = [role["name"] for role in reply.data["roles"]]
    if expected is None:
        expected = [name for name in family if name != "Grandparent"]
    assert names == expected
