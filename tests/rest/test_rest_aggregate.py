"""GET /users?aggregate[…]&groupBy=… and SEARCH /users with the same keys: counts as Directus
answers them, within what the caller may read, and never a concealed value."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import httpx
import pytest

from app.services.container import Services
from tests.graphql.seed import ADMIN_TOKEN, BOB_TOKEN, Seeded, seed
from tests.rest import bearer, codes

Params = Mapping[str, str] | tuple[tuple[str, str], ...]


@pytest.fixture
async def seeded(services: Services) -> Seeded:
    return await seed(services)


async def _get(client: httpx.AsyncClient, params: Params, token: str) -> httpx.Response:
    return await client.get("/users", params=params, headers=bearer(token))


async def _rows(client: httpx.AsyncClient, params: Params, token: str) -> list[dict[str, Any]]:
    response = await _get(client, params, token)
    assert response.status_code == 200, response.text
    rows: list[dict[str, Any]] = response.json()["data"]
    return rows


async def test_count_star_and_per_field(client: httpx.AsyncClient, seeded: Seeded) -> None:
    assert await _rows(client, {"aggregate[count]": "*"}, ADMIN_TOKEN) == [{"count": 7}]
    assert await _rows(client, {"aggregate[count]": "email,location"}, ADMIN_TOKEN) == [
        {"count": {"email": 7, "location": 2}}
    ]
    as_json = {"aggregate": json.dumps({"countDistinct": ["status"], "count": "*"})}
    assert await _rows(client, as_json, ADMIN_TOKEN) == [
        {"count": 7, "countDistinct": {"status": 4}}
    ]


async def test_group_by_puts_the_group_values_on_each_row(
    client: httpx.AsyncClient, seeded: Seeded
) -> None:
    rows = await _rows(
        client,
        (("aggregate[count]", "*"), ("groupBy[]", "status"), ("filter[status][_neq]", "draft")),
        ADMIN_TOKEN,
    )
    assert rows == [
        {"status": "active", "count": 4},
        {"status": "archived", "count": 1},
        {"status": "suspended", "count": 1},
    ]


async def test_an_app_user_counts_only_what_it_may_read(
    client: httpx.AsyncClient, seeded: Seeded
) -> None:
    rows = await _rows(client, {"aggregate[count]": "*", "groupBy": "status"}, BOB_TOKEN)
    assert rows == [{"status": "active", "count": 1}]


@pytest.mark.parametrize("field", ["password", "token", "tfa_secret"])
@pytest.mark.parametrize("token", [ADMIN_TOKEN, BOB_TOKEN], ids=["admin", "app-user"])
async def test_concealed_fields_are_never_grouped_or_counted_distinctly(
    client: httpx.AsyncClient, seeded: Seeded, field: str, token: str
) -> None:
    for params in (
        {"aggregate[count]": "*", "groupBy": field},
        {"groupBy[]": field},
        {"aggregate[countDistinct]": field},
    ):
        response = await _get(client, params, token)
        assert response.status_code == 400, response.text
        assert codes(response) == ["INVALID_QUERY"], response.text
    searched = await client.request(
        "SEARCH",
        "/users",
        json={"query": {"aggregate": {"count": ["*"]}, "groupBy": [field]}},
        headers=bearer(token),
    )
    assert codes(searched) == ["INVALID_QUERY"], searched.text


async def test_a_concealed_count_tells_only_how_many_are_set(
    client: httpx.AsyncClient, seeded: Seeded
) -> None:
    rows = await _rows(client, {"aggregate[count]": "password,token,tfa_secret"}, ADMIN_TOKEN)
    assert rows == [{"count": {"password": 3, "token": 4, "tfa_secret": 1}}]


async def test_json_fields_are_not_grouped_and_auth_data_is_an_admins_alone(
    client: httpx.AsyncClient, seeded: Seeded
) -> None:
    for field in ("tags", "auth_data", "theme_dark_overrides"):
        response = await _get(client, {"groupBy": field}, ADMIN_TOKEN)
        assert codes(response) == ["INVALID_QUERY"], response.text
    forbidden = await _get(client, {"aggregate[count]": "auth_data"}, BOB_TOKEN)
    assert forbidden.status_code == 403, forbidden.text
    assert codes(forbidden) == ["FORBIDDEN"]


@pytest.mark.parametrize(
    "params",
    [
        {"aggregate[sum]": "id"},
        {"aggregate[min]": "password"},
        {"aggregate[max]": "token"},
        {"aggregate": "{not json"},
        {"aggregate": "[1]"},
        {"groupBy": "[1, 2]"},
        {"groupBy": "[oops"},
        {"aggregate[count]": "nope"},
    ],
    ids=repr,
)
async def test_bad_aggregates_are_invalid_query(
    client: httpx.AsyncClient, seeded: Seeded, params: dict[str, str]
) -> None:
    response = await _get(client, params, ADMIN_TOKEN)
    assert response.status_code == 400, response.text
    assert codes(response) == ["INVALID_QUERY"], response.text


async def test_group_by_a_date_writes_it_as_every_other_surface_does(
    client: httpx.AsyncClient, seeded: Seeded
) -> None:
    """ISO 8601 with a Z, as GraphQL's groups and every read of last_access (review nit 7)."""
    params = {"aggregate[count]": "*", "groupBy": "last_access", "filter[last_name][_eq]": "Baker"}
    rows = await _rows(client, params, ADMIN_TOKEN)
    assert rows == [{"last_access": "2024-03-01T12:00:00Z", "count": 1}]
    read = await _rows(
        client, {"fields": "last_access", "filter[last_name][_eq]": "Baker"}, ADMIN_TOKEN
    )
    assert read == [{"last_access": rows[0]["last_access"]}]
