"""Review (helper 7): a masked m2o (users.role) must not leak through the other end's o2m
filter (roles.users `_some` / `users_func.count`), since reading roles.users hides it.

The caller reads every role; of users, `id` and `email` on every row and `role` on its own
row only. So it may not learn another user's role: `users_by_id { role }` is null and
`roles { users { id } }` leaves the other user out. A filter on roles through `users` must
answer the same.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import httpx
import pytest

from app.db.models import Permission, Policy
from app.repositories import policies as policies_repo
from app.services.container import Services
from tests.conftest import create_user, gql
from tests.graphql_reply import ok
from tests.rest import bearer

TOKEN = "review-o2m-mask-caller-token-0001"
OWN = {"id": {"_eq": "$CURRENT_USER"}}
Grant = tuple[str, list[str], dict[str, Any] | None]


async def _policy(services: Services, user: str, grants: Sequence[Grant]) -> None:
    async with services.db.write() as session:
        policy = Policy(name="review-o2m")
        session.add(policy)
        await session.flush()
        await policies_repo.attach(session, policy.id, user=user)
        for collection, fields, rows in grants:
            session.add(
                Permission(
                    policy=policy.id,
                    collection=collection,
                    action="read",
                    fields=fields,
                    permissions=rows,
                )
            )


@pytest.fixture
async def victim(services: Services) -> dict[str, str]:
    me = await create_user(services, "caller@example.com", static_token=TOKEN, app_access=False)
    other = await create_user(services, "victim@example.com")
    await _policy(
        services,
        me.id,
        [
            ("directus_roles", ["*"], None),
            ("directus_users", ["id", "email"], None),
            ("directus_users", ["id", "role"], OWN),
        ],
    )
    return {"id": other.id, "role": other.role or ""}


async def test_the_other_users_role_is_hidden_when_read(
    client: httpx.AsyncClient, victim: dict[str, str]
) -> None:
    """The premise: the role is masked on the victim's row, and its role lists nobody."""
    reply = await gql(
        client,
        "query($id: ID!) { users_by_id(id: $id) { id role { id } } }",
        {"id": victim["id"]},
        token=TOKEN,
    )
    assert ok(reply, "users_by_id") == {"id": victim["id"], "role": None}
    reply = await gql(
        client,
        "query($id: ID) { roles(filter: {id: {_eq: $id}})"
        " { id users { id } users_func { count } } }",
        {"id": victim["role"]},
        token=TOKEN,
    )
    assert ok(reply, "roles") == [{"id": victim["role"], "users": [], "users_func": {"count": 0}}]


async def test_some_through_the_o2m_does_not_reveal_the_masked_role(
    client: httpx.AsyncClient, victim: dict[str, str]
) -> None:
    reply = await gql(
        client,
        "query($f: directus_roles_filter) { roles(filter: $f) { id } }",
        {"f": {"users": {"_some": {"id": {"_eq": victim["id"]}}}}},
        token=TOKEN,
    )
    assert ok(reply, "roles") == []


async def test_o2m_count_filter_does_not_count_users_whose_role_is_masked(
    client: httpx.AsyncClient, victim: dict[str, str]
) -> None:
    reply = await gql(
        client,
        "query($f: directus_roles_filter) { roles(filter: $f) { id } }",
        {"f": {"_and": [{"id": {"_eq": victim["role"]}}, {"users_func": {"count": {"_eq": 1}}}]}},
        token=TOKEN,
    )
    assert ok(reply, "roles") == []


async def test_rest_some_through_the_o2m_does_not_reveal_the_masked_role(
    client: httpx.AsyncClient, victim: dict[str, str]
) -> None:
    response = await client.get(
        "/roles",
        params={"filter[users][_some][id][_eq]": victim["id"], "fields": "id"},
        headers=bearer(TOKEN),
    )
    assert response.status_code == 200, response.text
    assert response.json()["data"] == []
