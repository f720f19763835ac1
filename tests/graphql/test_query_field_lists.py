"""Lists of fields in one query (sort terms, groupBy) are bounded, and fields stored as JSON
are never compared: each reached a database limit or a missing operator (HTTP 500) before."""

from __future__ import annotations

import json

import httpx
import pytest

from tests.conftest import login
from tests.graphql.test_hostile_input import assert_refused, codes_of, post

pytestmark = pytest.mark.asyncio


@pytest.fixture
async def admin(client: httpx.AsyncClient) -> str:
    token: str = (await login(client))["access_token"]
    return token


@pytest.mark.parametrize("count", [101, 2000])
async def test_a_sort_of_too_many_terms_is_invalid_query(
    client: httpx.AsyncClient, admin: str, count: int
) -> None:
    query = "query($s: [String]) { users(sort: $s) { id } }"
    response = await post(client, query, {"s": ["first_name"] * count}, admin)
    assert_refused(response, "INVALID_QUERY")
    rest = await client.get(
        "/users",
        params={"sort": ",".join(["first_name"] * count), "fields": "id"},
        headers={"Authorization": f"Bearer {admin}"},
    )
    assert rest.status_code == 400, rest.text
    assert codes_of(rest) == ["INVALID_QUERY"]


async def test_a_groupby_of_too_many_fields_is_invalid_query(
    client: httpx.AsyncClient, admin: str
) -> None:
    query = "query($g: [String]) { users_aggregated(groupBy: $g) { countAll } }"
    response = await post(client, query, {"g": ["first_name"] * 1700}, admin)
    assert_refused(response, "INVALID_QUERY")
    rest = await client.get(
        "/users",
        params={"aggregate[count]": "*", "groupBy": ",".join(["first_name"] * 1700)},
        headers={"Authorization": f"Bearer {admin}"},
    )
    assert rest.status_code == 400, rest.text
    assert codes_of(rest) == ["INVALID_QUERY"]


async def test_lists_within_the_bound_are_served(client: httpx.AsyncClient, admin: str) -> None:
    sorted_reply = await post(
        client, "query($s: [String]) { users(sort: $s) { id } }", {"s": ["email"] * 100}, admin
    )
    assert sorted_reply.status_code == 200
    assert "errors" not in sorted_reply.json()
    grouped = await post(
        client,
        "query($g: [String]) { users_aggregated(groupBy: $g) { group countAll } }",
        {"g": ["email", "email", "first_name"]},
        admin,
    )
    body = grouped.json()
    assert "errors" not in body, body
    assert body["data"]["users_aggregated"][0]["group"].keys() == {"email", "first_name"}


@pytest.mark.parametrize(
    "query",
    [
        '{ users(sort: ["-role.ip_access"]) { id } }',
        '{ roles(sort: ["ip_access"]) { id } }',
    ],
)
async def test_ip_access_lists_are_never_compared(
    client: httpx.AsyncClient, admin: str, query: str
) -> None:
    """`ip_access` is stored as JSON; PostgreSQL has no order or equality for it."""
    response = await post(client, query, {}, admin)
    assert_refused(response, "INVALID_QUERY")


@pytest.mark.parametrize("token", ["\u0000\ud800", "\ud800", "a\x00b"])
async def test_a_malformed_refresh_token_is_invalid_credentials(
    client: httpx.AsyncClient, token: str
) -> None:
    for operation in ("auth_refresh", "auth_logout"):
        field = "{ access_token }" if operation == "auth_refresh" else ""
        query = f"mutation($t: String) {{ {operation}(refresh_token: $t, mode: json) {field} }}"
        response = await client.post(
            "/graphql/system",
            content=json.dumps({"query": query, "variables": {"t": token}}),
            headers={"content-type": "application/json"},
        )
        codes = codes_of(response)
        if operation == "auth_refresh":
            assert codes == ["INVALID_CREDENTIALS"], response.text
        else:
            assert response.status_code < 500
            assert "INTERNAL_SERVER_ERROR" not in codes
            assert "INVALID_PAYLOAD" not in codes, response.text
