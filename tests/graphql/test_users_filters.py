"""The `filter` argument of `users`: every operator, logic, relations, functions, variables.

Expected rows are last names in ascending order (see tests/graphql/seed.py for the data).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from app.clock import SettableClock
from app.services.container import Services
from tests.conftest import gql
from tests.graphql.seed import (
    ADMIN_TOKEN,
    ALL_LAST_NAMES,
    BOB_TOKEN,
    Seeded,
    add_permission,
    assert_error,
    assert_validation_error,
    last_names,
    seed,
)

NOW = datetime(2025, 6, 15, 12, 0, tzinfo=UTC)

LIST = """
query List($filter: directus_users_filter) {
  users(filter: $filter, sort: ["last_name"], limit: -1) { last_name }
}
"""


@pytest.fixture
def clock() -> SettableClock:
    """A fixed "now" so that $NOW and its adjustments are exact."""
    return SettableClock(NOW)


@pytest.fixture
async def seeded(services: Services) -> Seeded:
    return await seed(services)


async def _filtered(
    client: httpx.AsyncClient, filter: dict[str, Any], token: str | None = ADMIN_TOKEN
) -> list[str]:
    reply = await gql(client, LIST, {"filter": filter}, token=token)
    assert reply.status == 200, reply.body
    assert "errors" not in reply.body, reply.body
    return last_names(reply.data["users"])


def _without(*names: str) -> list[str]:
    return [name for name in ALL_LAST_NAMES if name not in names]


CASES: list[tuple[str, dict[str, Any], list[str]]] = [
    # Equality and lists
    ("eq", {"status": {"_eq": "active"}}, ["Anderson", "Baker", "Davis", "User"]),
    ("neq", {"status": {"_neq": "active"}}, ["Clark", "Evans", "Foster"]),
    ("in", {"status": {"_in": ["suspended", "archived"]}}, ["Clark", "Foster"]),
    ("nin", {"status": {"_nin": ["active", "draft"]}}, ["Clark", "Foster"]),
    ("eq is exact", {"first_name": {"_eq": "alice"}}, []),
    # Text matching: the plain operators are case-sensitive, the i-variants are not
    ("contains upper", {"email": {"_contains": "Example"}}, ["Anderson", "Foster"]),
    ("contains lower", {"email": {"_contains": "example"}}, ["Baker", "Clark", "Evans", "User"]),
    ("ncontains", {"email": {"_ncontains": "example"}}, ["Anderson", "Davis", "Foster"]),
    (
        "icontains",
        {"email": {"_icontains": "EXAMPLE"}},
        ["Anderson", "Baker", "Clark", "Evans", "Foster", "User"],
    ),
    ("contains percent is literal", {"email": {"_contains": "%"}}, []),
    ("contains underscore is literal", {"email": {"_contains": "_"}}, []),
    ("starts_with wrong case", {"email": {"_starts_with": "carol"}}, []),
    ("starts_with", {"email": {"_starts_with": "CAROL"}}, ["Clark"]),
    ("istarts_with", {"email": {"_istarts_with": "carol"}}, ["Clark"]),
    ("istarts_with dot", {"email": {"_istarts_with": "FRANK."}}, ["Foster"]),
    (
        "ends_with",
        {"email": {"_ends_with": ".com"}},
        ["Anderson", "Baker", "Evans", "Foster", "User"],
    ),
    ("ends_with wrong case", {"email": {"_ends_with": ".org"}}, []),
    ("ends_with upper", {"email": {"_ends_with": ".ORG"}}, ["Clark"]),
    ("iends_with", {"email": {"_iends_with": ".org"}}, ["Clark"]),
    ("nstarts_with", {"first_name": {"_nstarts_with": "A"}}, _without("Anderson", "User")),
    ("nistarts_with", {"first_name": {"_nistarts_with": "a"}}, _without("Anderson", "User")),
    ("nends_with", {"last_name": {"_nends_with": "s"}}, _without("Davis", "Evans")),
    (
        "several operators on one field",
        {"last_name": {"_starts_with": "D", "_ends_with": "s"}},
        ["Davis"],
    ),
    # Null and empty
    ("null", {"location": {"_null": True}}, _without("Baker", "Davis")),
    ("null false", {"location": {"_null": False}}, ["Baker", "Davis"]),
    ("nnull", {"location": {"_nnull": True}}, ["Baker", "Davis"]),
    ("empty", {"description": {"_empty": True}}, _without("Anderson", "Clark")),
    ("empty false", {"description": {"_empty": False}}, ["Anderson", "Clark"]),
    ("nempty", {"description": {"_nempty": True}}, ["Anderson", "Clark"]),
    # Concealed fields: only the null/empty operators
    ("password null", {"password": {"_null": True}}, ["Clark", "Davis", "Evans", "Foster"]),
    ("password nnull", {"password": {"_nnull": True}}, ["Anderson", "Baker", "User"]),
    ("password empty", {"password": {"_empty": True}}, ["Clark", "Davis", "Evans", "Foster"]),
    ("password nempty", {"password": {"_nempty": True}}, ["Anderson", "Baker", "User"]),
    ("token nnull", {"token": {"_nnull": True}}, ["Baker", "Davis", "Foster", "User"]),
    ("tfa_secret nnull", {"tfa_secret": {"_nnull": True}}, ["Clark"]),
    ("tfa_secret null", {"tfa_secret": {"_null": True}}, _without("Clark")),
    # Logic
    (
        "or of and",
        {
            "_or": [
                {"status": {"_eq": "suspended"}},
                {"_and": [{"role": {"name": {"_eq": "Editors"}}}, {"last_name": {"_eq": "Baker"}}]},
            ]
        },
        ["Baker", "Clark"],
    ),
    (
        "and of or",
        {
            "_and": [
                {"email": {"_icontains": "example"}},
                {"_or": [{"tags_func": {"count": {"_gte": 3}}}, {"status": {"_eq": "draft"}}]},
            ]
        },
        ["Anderson", "Evans", "Foster"],
    ),
    ("empty and", {"_and": []}, ALL_LAST_NAMES),
    # Relations through role (m2o)
    ("role name", {"role": {"name": {"_eq": "Viewers"}}}, ["Clark", "Davis", "Foster"]),
    ("role name icontains", {"role": {"name": {"_icontains": "EDIT"}}}, ["Anderson", "Baker"]),
    ("role admin_access", {"role": {"admin_access": {"_eq": True}}}, ["User"]),
    ("role id nnull", {"role": {"id": {"_nnull": True}}}, _without("Evans")),
    (
        "role or",
        {"role": {"_or": [{"name": {"_eq": "Editors"}}, {"admin_access": {"_eq": True}}]}},
        ["Anderson", "Baker", "User"],
    ),
    (
        "role users_func",
        {"role": {"users_func": {"count": {"_gt": 2}}}},
        ["Clark", "Davis", "Foster"],
    ),
    # JSON count
    ("tags count gt", {"tags_func": {"count": {"_gt": 1}}}, ["Anderson", "Davis", "Foster"]),
    ("tags count eq zero", {"tags_func": {"count": {"_eq": 0}}}, ["Clark"]),
    ("tags count eq one", {"tags_func": {"count": {"_eq": 1}}}, ["Baker"]),
    ("tags count in", {"tags_func": {"count": {"_in": [0, 2]}}}, ["Clark", "Davis"]),
    # Dates
    ("date gt", {"last_access": {"_gt": "2024-01-01T00:00:00Z"}}, ["Baker", "Davis"]),
    ("date gt day only", {"last_access": {"_gt": "2024-01-01"}}, ["Baker", "Davis"]),
    ("date gte", {"last_access": {"_gte": "2024-03-01T12:00:00Z"}}, ["Baker", "Davis"]),
    ("date lte", {"last_access": {"_lte": "2024-03-01T12:00:00Z"}}, ["Anderson", "Baker", "Evans"]),
    ("date lt", {"last_access": {"_lt": "2024-03-01T12:00:00Z"}}, ["Anderson", "Evans"]),
    ("date eq", {"last_access": {"_eq": "2024-03-01T12:00:00Z"}}, ["Baker"]),
    ("date eq other offset", {"last_access": {"_eq": "2024-03-01T13:30:00+01:30"}}, ["Baker"]),
    (
        "date between",
        {"last_access": {"_between": ["2023-01-01T00:00:00Z", "2024-03-31T00:00:00Z"]}},
        ["Anderson", "Baker"],
    ),
    (
        "date nbetween",
        {"last_access": {"_nbetween": ["2023-01-01T00:00:00Z", "2024-03-31T00:00:00Z"]}},
        ["Davis", "Evans"],
    ),
    ("date null", {"last_access": {"_null": True}}, ["Clark", "Foster", "User"]),
    ("year", {"last_access_func": {"year": {"_eq": 2024}}}, ["Baker", "Davis"]),
    ("year at new year's eve", {"last_access_func": {"year": {"_eq": 2022}}}, ["Evans"]),
    ("year lt", {"last_access_func": {"year": {"_lt": 2024}}}, ["Anderson", "Evans"]),
    ("month", {"last_access_func": {"month": {"_eq": 6}}}, ["Davis"]),
    ("day", {"last_access_func": {"day": {"_eq": 31}}}, ["Evans"]),
    ("hour", {"last_access_func": {"hour": {"_eq": 23}}}, ["Davis", "Evans"]),
    ("weekday sunday", {"last_access_func": {"weekday": {"_eq": 0}}}, ["Anderson", "Davis"]),
    # $NOW (the clock is fixed at 2025-06-15T12:00:00Z)
    ("now", {"last_access": {"_lt": "$NOW"}}, ["Anderson", "Baker", "Davis", "Evans"]),
    ("now gt", {"last_access": {"_gt": "$NOW"}}, []),
    ("now minus days", {"last_access": {"_gt": "$NOW(-365 days)"}}, ["Davis"]),
    ("now minus weeks", {"last_access": {"_gt": "$NOW(-70 weeks)"}}, ["Baker", "Davis"]),
    ("now minus hours", {"last_access": {"_lt": "$NOW(-20000 hours)"}}, ["Anderson", "Evans"]),
]


@pytest.mark.parametrize(
    ("filter", "expected"),
    [pytest.param(case[1], case[2], id=case[0]) for case in CASES],
)
async def test_filter(
    client: httpx.AsyncClient, seeded: Seeded, filter: dict[str, Any], expected: list[str]
) -> None:
    assert await _filtered(client, filter) == expected


async def test_filter_written_inline_in_the_document(
    client: httpx.AsyncClient, seeded: Seeded
) -> None:
    reply = await gql(
        client,
        """{
          users(sort: ["last_name"], filter: {
            _or: [{role: {name: {_eq: "Viewers"}}}, {tags_func: {count: {_eq: 1}}}]
            status: {_neq: "archived"}
          }) { last_name }
        }""",
        token=ADMIN_TOKEN,
    )
    assert reply.body == {
        "data": {"users": [{"last_name": "Baker"}, {"last_name": "Clark"}, {"last_name": "Davis"}]}
    }


async def test_now_with_a_year_adjustment(client: httpx.AsyncClient, seeded: Seeded) -> None:
    """Directus documents `$NOW(-1 year)` as the example of an adjusted $NOW."""
    assert await _filtered(client, {"last_access": {"_gt": "$NOW(-1 year)"}}) == ["Davis"]
    assert await _filtered(client, {"last_access": {"_gt": "$NOW(-18 months)"}}) == [
        "Baker",
        "Davis",
    ]


async def test_filter_by_role_id(client: httpx.AsyncClient, seeded: Seeded) -> None:
    editors = seeded.roles["Editors"]
    assert await _filtered(client, {"role": {"id": {"_eq": editors}}}) == ["Anderson", "Baker"]
    assert await _filtered(client, {"role": {"id": {"_neq": editors}}}) == [
        "Clark",
        "Davis",
        "Foster",
        "User",
    ]


async def test_users_without_a_role_match_a_null_role_id(
    client: httpx.AsyncClient, seeded: Seeded
) -> None:
    """The schema's m2o filter is the role's filter, so "no role" is `role: {id: {_null: true}}`.
    Directus LEFT JOINs the role, so a user without one has a null role id and matches."""
    assert await _filtered(client, {"role": {"id": {"_null": True}}}) == ["Evans"]
    assert await _filtered(client, {"role": {"name": {"_null": True}}}) == ["Evans"]
    assert await _filtered(
        client, {"_or": [{"role": {"id": {"_null": True}}}, {"status": {"_eq": "suspended"}}]}
    ) == ["Clark", "Evans"]


async def test_json_fields_without_a_value_are_null(
    client: httpx.AsyncClient, seeded: Seeded
) -> None:
    """Erin (seeded) and the bootstrap admin have no tags: they read back as null, so
    `_null` must find them and `_nnull` must not."""
    reply = await gql(
        client, '{ users(sort: ["last_name"]) { last_name tags } }', token=ADMIN_TOKEN
    )
    assert [row["last_name"] for row in reply.data["users"] if row["tags"] is None] == [
        "Evans",
        "User",
    ]
    assert await _filtered(client, {"tags": {"_null": True}}) == ["Evans", "User"]
    assert await _filtered(client, {"tags": {"_nnull": True}}) == _without("Evans", "User")
    assert await _filtered(client, {"auth_data": {"_nnull": True}}) == []


async def test_a_null_role_in_a_permission_rule(
    client: httpx.AsyncClient, services: Services, seeded: Seeded
) -> None:
    """Permission rules are stored JSON, where `role: {_null: true}` tests the foreign key."""
    await add_permission(services, None, ["id", "last_name"], {"role": {"_null": True}})
    assert await _filtered(client, {}, None) == ["Evans"]


async def test_filter_by_id_list(client: httpx.AsyncClient, seeded: Seeded) -> None:
    wanted = [seeded.users["carol"], seeded.users["erin"]]
    assert await _filtered(client, {"id": {"_in": wanted}}) == ["Clark", "Evans"]
    assert await _filtered(client, {"id": {"_nin": wanted}}) == _without("Clark", "Evans")


async def test_current_user_and_role_in_a_filter(client: httpx.AsyncClient, seeded: Seeded) -> None:
    assert await _filtered(client, {"id": {"_eq": "$CURRENT_USER"}}) == ["User"]
    assert await _filtered(client, {"id": {"_neq": "$CURRENT_USER"}}) == _without("User")
    assert await _filtered(client, {"id": {"_in": ["$CURRENT_USER", seeded.users["alice"]]}}) == [
        "Anderson",
        "User",
    ]
    assert await _filtered(client, {"role": {"id": {"_eq": "$CURRENT_ROLE"}}}) == ["User"]
    assert await _filtered(client, {"role": {"id": {"_eq": "$CURRENT_ROLE"}}}, BOB_TOKEN) == [
        "Baker"
    ]
    assert await _filtered(client, {"id": {"_neq": "$CURRENT_USER"}}, BOB_TOKEN) == []


async def test_current_role_in_a_permission(
    client: httpx.AsyncClient, services: Services, seeded: Seeded
) -> None:
    """A permission row "users of my role" joins the app default "my own record"."""
    await add_permission(
        services, seeded.roles["Editors"], ["*"], {"role": {"_eq": "$CURRENT_ROLE"}}
    )
    assert await _filtered(client, {}, BOB_TOKEN) == ["Anderson", "Baker"]
    assert await _filtered(client, {"first_name": {"_eq": "Alice"}}, BOB_TOKEN) == ["Anderson"]
    assert await _filtered(client, {"first_name": {"_eq": "Dave"}}, BOB_TOKEN) == []


@pytest.mark.parametrize(
    "filter",
    [
        {"last_access": {"_gt": "yesterday"}},
        {"last_access": {"_gt": "$NOW(soon)"}},
        {"last_access": {"_between": ["2024-01-01T00:00:00Z"]}},
        {"last_access_func": {"year": {"_eq": "twenty"}}},
        {"tags_func": {"count": {"_gt": "many"}}},
    ],
    ids=repr,
)
async def test_bad_filter_values_are_invalid_query(
    client: httpx.AsyncClient, seeded: Seeded, filter: dict[str, Any]
) -> None:
    reply = await gql(client, LIST, {"filter": filter}, token=ADMIN_TOKEN)
    assert_error(reply, "INVALID_QUERY", "users")


@pytest.mark.parametrize(
    "filter",
    [
        '{password: {_eq: "x"}}',
        '{password: {_contains: "argon2"}}',
        '{token: {_starts_with: "a"}}',
        '{tfa_secret: {_in: ["JBSWY3DPEHPK3PXP"]}}',
        '{tags: {_contains: "x"}}',
        '{email: {_like: "x"}}',
        '{nope: {_eq: "x"}}',
    ],
)
async def test_operators_outside_the_schema_fail_validation(
    client: httpx.AsyncClient, seeded: Seeded, filter: str
) -> None:
    """Concealed fields can only be tested for null/empty: the schema has no other operator."""
    reply = await gql(client, f"{{ users(filter: {filter}) {{ id }} }}", token=ADMIN_TOKEN)
    assert_validation_error(reply)


async def test_concealed_value_filter_in_variables_fails_validation(
    client: httpx.AsyncClient, seeded: Seeded
) -> None:
    reply = await gql(client, LIST, {"filter": {"password": {"_eq": "x"}}}, token=ADMIN_TOKEN)
    assert_validation_error(reply)
