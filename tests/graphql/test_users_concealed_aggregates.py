"""Concealed fields never feed a group, a distinct count or a sort, whoever asks; JSON
fields are not grouped either. Each refusal is INVALID_QUERY (FORBIDDEN where the caller may
not read the field at all), never a raw value, never an internal error."""

from __future__ import annotations

import httpx
import pytest

from app.services.container import Services
from tests.conftest import gql
from tests.graphql.seed import (
    ADMIN_TOKEN,
    BOB_TOKEN,
    Seeded,
    assert_error,
    assert_validation_error,
    seed,
)

CONCEALED_FIELDS = ("password", "token", "tfa_secret")
JSON_FIELDS = ("tags", "auth_data", "theme_light_overrides", "theme_dark_overrides")


@pytest.fixture
async def seeded(services: Services) -> Seeded:
    return await seed(services)


def _grouped(field: str) -> str:
    return f'{{ users_aggregated(groupBy: ["{field}"]) {{ group countAll }} }}'


@pytest.mark.parametrize("field", CONCEALED_FIELDS)
@pytest.mark.parametrize("token", [ADMIN_TOKEN, BOB_TOKEN], ids=["admin", "app-user"])
async def test_grouping_by_a_concealed_field_is_invalid_query(
    client: httpx.AsyncClient, seeded: Seeded, field: str, token: str
) -> None:
    reply = await gql(client, _grouped(field), token=token)
    assert_error(reply, "INVALID_QUERY", "users_aggregated")
    assert f'"{field}" is concealed' in reply.body["errors"][0]["message"]


@pytest.mark.parametrize("field", CONCEALED_FIELDS)
@pytest.mark.parametrize("token", [ADMIN_TOKEN, BOB_TOKEN], ids=["admin", "app-user"])
async def test_counting_a_concealed_field_distinctly_is_invalid_query(
    client: httpx.AsyncClient, seeded: Seeded, field: str, token: str
) -> None:
    query = f"{{ users_aggregated {{ countDistinct {{ {field} }} }} }}"
    assert_error(await gql(client, query, token=token), "INVALID_QUERY", "users_aggregated")


async def test_a_concealed_field_among_harmless_ones_still_refuses_the_whole_aggregate(
    client: httpx.AsyncClient, seeded: Seeded
) -> None:
    query = '{ users_aggregated(groupBy: ["status", "password"]) { group countAll } }'
    assert_error(await gql(client, query, token=ADMIN_TOKEN), "INVALID_QUERY", "users_aggregated")


async def test_counting_a_concealed_field_tells_only_how_many_are_set(
    client: httpx.AsyncClient, seeded: Seeded
) -> None:
    """As the _nnull filter and the "**********" a reader sees already tell."""
    query = "{ users_aggregated { count { password token tfa_secret } } }"
    reply = await gql(client, query, token=ADMIN_TOKEN)
    # Passwords: the admin, alice and bob; tokens: admin, bob, dave, frank; TOTP: carol.
    assert reply.body == {
        "data": {"users_aggregated": [{"count": {"password": 3, "token": 4, "tfa_secret": 1}}]}
    }
    mine = await gql(client, query, token=BOB_TOKEN)
    assert mine.body == {
        "data": {"users_aggregated": [{"count": {"password": 1, "token": 1, "tfa_secret": 0}}]}
    }


@pytest.mark.parametrize("field", JSON_FIELDS)
async def test_grouping_by_a_json_field_is_invalid_query(
    client: httpx.AsyncClient, seeded: Seeded, field: str
) -> None:
    reply = await gql(client, _grouped(field), token=ADMIN_TOKEN)
    assert_error(reply, "INVALID_QUERY", "users_aggregated")
    distinct = f"{{ users_aggregated {{ countDistinct {{ {field} }} }} }}"
    assert_error(
        await gql(client, distinct, token=ADMIN_TOKEN), "INVALID_QUERY", "users_aggregated"
    )


async def test_auth_data_is_forbidden_to_an_app_user_in_every_aggregate(
    client: httpx.AsyncClient, seeded: Seeded
) -> None:
    grouped = await gql(client, _grouped("auth_data"), token=BOB_TOKEN)
    assert_error(grouped, "FORBIDDEN", "users_aggregated")
    for query in (
        "{ users_aggregated { count { auth_data } } }",
        "{ users_aggregated { countDistinct { auth_data } } }",
    ):
        # Not in an app user's schema.
        assert_validation_error(await gql(client, query, token=BOB_TOKEN))


@pytest.mark.parametrize("field", CONCEALED_FIELDS)
async def test_sorting_by_a_concealed_field_is_invalid_query_on_every_list(
    client: httpx.AsyncClient, seeded: Seeded, field: str
) -> None:
    users = await gql(client, f'{{ users(sort: ["-{field}"]) {{ id }} }}', token=BOB_TOKEN)
    assert_error(users, "INVALID_QUERY", "users")
    nested = await gql(
        client, f'{{ roles {{ users(sort: ["{field}"]) {{ id }} }} }}', token=ADMIN_TOKEN
    )
    # One error for each role's list.
    assert nested.codes, nested.body
    assert set(nested.codes) == {"INVALID_QUERY"}, nested.body


async def test_searching_an_aggregate_never_looks_into_concealed_fields(
    client: httpx.AsyncClient, seeded: Seeded
) -> None:
    for fragment in ("$argon2id$", "argon2", "JBSWY3DP"):
        reply = await gql(
            client,
            "query($s: String) { users_aggregated(search: $s) { countAll } }",
            {"s": fragment},
            token=ADMIN_TOKEN,
        )
        assert reply.body == {"data": {"users_aggregated": [{"countAll": 0}]}}, fragment


async def test_aggregates_sort_only_by_grouped_fields(
    client: httpx.AsyncClient, seeded: Seeded
) -> None:
    query = 'query($s: [String]) { users_aggregated(groupBy: ["status"], sort: $s) { group } }'
    reply = await gql(client, query, {"s": ["-status"]}, token=ADMIN_TOKEN)
    statuses = [row["group"]["status"] for row in reply.data["users_aggregated"]]
    assert statuses == ["suspended", "draft", "archived", "active"]
    for sort in (["password"], ["-tfa_secret"], ["email"]):
        reply = await gql(client, query, {"s": sort}, token=ADMIN_TOKEN)
        assert_error(reply, "INVALID_QUERY", "users_aggregated")
