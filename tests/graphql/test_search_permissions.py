"""`search` looks only into the fields the caller may read (as Directus), so it is no oracle.

The caller is an API user (no app access) whose one permission reads `id` and `first_name`
of every user: a search must not find a row by its email, nor by the admin-only `provider`
(every local user's is "default"), in `users`, `users_aggregated` or REST GET /users.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from app.services.container import Services
from tests.conftest import ADMIN_EMAIL, create_user, gql
from tests.graphql.seed import ADMIN_TOKEN, Seeded, add_permission, seed
from tests.rest import bearer

API_TOKEN = "search-api-static-token-0001"
API_EMAIL = "api-reader@example.com"
WIDE_TOKEN = "search-wide-static-token-0002"


@pytest.fixture
async def seeded(services: Services) -> Seeded:
    seeded = await seed(services)
    user = await create_user(
        services, API_EMAIL, app_access=False, static_token=API_TOKEN, first_name="Api"
    )
    await add_permission(services, user.role, ["id", "first_name"], None)
    wide = await create_user(
        services, "api-wide@example.com", app_access=False, static_token=WIDE_TOKEN
    )
    await add_permission(services, wide.role, ["*"], None)
    return seeded


async def _found(client: httpx.AsyncClient, token: str, search: str) -> list[str]:
    reply = await gql(
        client,
        'query($s: String) { users(search: $s, sort: ["first_name"], limit: -1) { first_name } }',
        {"s": search},
        token=token,
    )
    assert "errors" not in reply.body, reply.body
    return [row["first_name"] for row in reply.data["users"]]


async def _count(client: httpx.AsyncClient, token: str, search: str) -> Any:
    reply = await gql(
        client,
        "query($s: String) { users_aggregated(search: $s) { countAll } }",
        {"s": search},
        token=token,
    )
    assert "errors" not in reply.body, reply.body
    return reply.data["users_aggregated"][0]["countAll"]


async def test_a_search_does_not_match_fields_the_caller_cannot_read(
    client: httpx.AsyncClient, seeded: Seeded
) -> None:
    # Filtering by email is forbidden to this caller; searching by it finds nothing either.
    assert await _found(client, API_TOKEN, "admin@example") == []
    assert await _found(client, API_TOKEN, ADMIN_EMAIL) == []
    assert await _found(client, API_TOKEN, "baker") == []  # Bob's last name: not readable
    # Its readable field still matches.
    assert await _found(client, API_TOKEN, "bob") == ["Bob"]
    assert await _found(client, API_TOKEN, "ali") == ["Alice"]
    # The admin searches every text field.
    assert len(await _found(client, ADMIN_TOKEN, "admin@example")) == 1
    assert await _found(client, ADMIN_TOKEN, "baker") == ["Bob"]


async def test_a_search_never_matches_admin_only_fields_for_others(
    client: httpx.AsyncClient, seeded: Seeded
) -> None:
    # Every local user's provider is "default": no row may match through it.
    assert await _found(client, API_TOKEN, "default") == []
    # Even with every field granted, provider stays the administrators' business.
    assert await _found(client, WIDE_TOKEN, "default") == []
    assert await _found(client, WIDE_TOKEN, "baker") == ["Bob"]
    assert len(await _found(client, ADMIN_TOKEN, "default")) == 9


async def test_an_aggregate_search_counts_only_by_readable_fields(
    client: httpx.AsyncClient, seeded: Seeded
) -> None:
    assert await _count(client, API_TOKEN, "admin@example") == 0
    assert await _count(client, API_TOKEN, "default") == 0
    assert await _count(client, API_TOKEN, "bob") == 1
    assert await _count(client, ADMIN_TOKEN, "admin@example") == 1


async def test_rest_search_does_not_match_unreadable_fields(
    client: httpx.AsyncClient, seeded: Seeded
) -> None:
    for search in ("admin@example", "default", "baker"):
        response = await client.get(
            "/users",
            params={"search": search, "fields": "id,first_name"},
            headers=bearer(API_TOKEN),
        )
        assert response.status_code == 200, response.text
        assert response.json() == {"data": []}, search
    response = await client.get(
        "/users", params={"search": "bob", "fields": "first_name"}, headers=bearer(API_TOKEN)
    )
    assert response.json() == {"data": [{"first_name": "Bob"}]}
