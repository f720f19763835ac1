"""users_aggregated: countAll, count, countDistinct, groupBy, within what the caller may read."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from app.services.container import Services
from tests.conftest import create_user, gql
from tests.graphql.seed import (
    ADMIN_ROLE,
    ADMIN_TOKEN,
    BOB_TOKEN,
    Seeded,
    add_permission,
    assert_error,
    assert_validation_error,
    seed,
)

AGGREGATE = """
query Aggregate($groupBy: [String], $filter: directus_users_filter, $search: String) {
  users_aggregated(groupBy: $groupBy, filter: $filter, search: $search) {
    group countAll
    count { email location }
    countDistinct { first_name status role }
  }
}
"""


@pytest.fixture
async def seeded(services: Services) -> Seeded:
    return await seed(services)


async def _aggregate(
    client: httpx.AsyncClient, token: str | None = ADMIN_TOKEN, **arguments: Any
) -> list[dict[str, Any]]:
    reply = await gql(client, AGGREGATE, arguments, token=token)
    assert reply.status == 200, reply.body
    assert "errors" not in reply.body, reply.body
    rows: list[dict[str, Any]] = reply.data["users_aggregated"]
    return rows


def _counts(**values: int | None) -> dict[str, int | None]:
    return {"email": values.get("email"), "location": values.get("location")}


def _distinct(**values: int | None) -> dict[str, int | None]:
    return {
        "first_name": values.get("first_name"),
        "status": values.get("status"),
        "role": values.get("role"),
    }


async def test_totals_over_every_user(client: httpx.AsyncClient, seeded: Seeded) -> None:
    assert await _aggregate(client) == [
        {
            "group": None,
            "countAll": 7,
            "count": _counts(email=7, location=2),
            "countDistinct": _distinct(first_name=7, status=4, role=3),
        }
    ]


async def test_only_count_all(client: httpx.AsyncClient, seeded: Seeded) -> None:
    reply = await gql(client, "{ users_aggregated { countAll } }", token=ADMIN_TOKEN)
    assert reply.body == {"data": {"users_aggregated": [{"countAll": 7}]}}


async def test_totals_with_a_filter_and_a_search(client: httpx.AsyncClient, seeded: Seeded) -> None:
    active = await _aggregate(client, filter={"status": {"_eq": "active"}})
    assert active == [
        {
            "group": None,
            "countAll": 4,
            "count": _counts(email=4, location=2),
            "countDistinct": _distinct(first_name=4, status=1, role=3),
        }
    ]
    found = await _aggregate(client, search="example")
    assert [row["countAll"] for row in found] == [6]
    nothing = await _aggregate(client, filter={"last_name": {"_eq": "Nobody"}})
    assert nothing == [
        {
            "group": None,
            "countAll": 0,
            "count": _counts(email=0, location=0),
            "countDistinct": _distinct(first_name=0, status=0, role=0),
        }
    ]


async def test_group_by_status_with_a_filter(client: httpx.AsyncClient, seeded: Seeded) -> None:
    rows = await _aggregate(client, groupBy=["status"], filter={"role": {"id": {"_nnull": True}}})
    assert rows == [
        {
            "group": {"status": "active"},
            "countAll": 4,
            "count": _counts(email=4, location=2),
            "countDistinct": _distinct(first_name=4, status=1, role=3),
        },
        {
            "group": {"status": "archived"},
            "countAll": 1,
            "count": _counts(email=1, location=0),
            "countDistinct": _distinct(first_name=1, status=1, role=1),
        },
        {
            "group": {"status": "suspended"},
            "countAll": 1,
            "count": _counts(email=1, location=0),
            "countDistinct": _distinct(first_name=1, status=1, role=1),
        },
    ]


async def test_group_by_role(client: httpx.AsyncClient, seeded: Seeded) -> None:
    rows = await _aggregate(client, groupBy=["role"])
    by_role = {row["group"]["role"]: (row["countAll"], row["count"]["location"]) for row in rows}
    assert len(rows) == 4
    assert by_role == {
        seeded.roles[ADMIN_ROLE]: (1, 0),
        seeded.roles["Editors"]: (2, 1),
        seeded.roles["Viewers"]: (3, 1),
        None: (1, 0),
    }


async def test_group_by_two_fields(client: httpx.AsyncClient, seeded: Seeded) -> None:
    rows = await _aggregate(
        client, groupBy=["role", "status"], filter={"role": {"id": {"_nnull": True}}}
    )
    groups = {(row["group"]["role"], row["group"]["status"]): row["countAll"] for row in rows}
    assert len(rows) == 5
    assert groups == {
        (seeded.roles[ADMIN_ROLE], "active"): 1,
        (seeded.roles["Editors"], "active"): 2,
        (seeded.roles["Viewers"], "active"): 1,
        (seeded.roles["Viewers"], "archived"): 1,
        (seeded.roles["Viewers"], "suspended"): 1,
    }


async def test_an_unknown_group_field_is_invalid_query(
    client: httpx.AsyncClient, seeded: Seeded
) -> None:
    reply = await gql(client, AGGREGATE, {"groupBy": ["nope"]}, token=ADMIN_TOKEN)
    assert_error(reply, "INVALID_QUERY", "users_aggregated")


async def test_an_app_user_aggregates_only_its_own_record(
    client: httpx.AsyncClient, seeded: Seeded
) -> None:
    assert await _aggregate(client, BOB_TOKEN) == [
        {
            "group": None,
            "countAll": 1,
            "count": _counts(email=1, location=1),
            "countDistinct": _distinct(first_name=1, status=1, role=1),
        }
    ]
    grouped = await _aggregate(client, BOB_TOKEN, groupBy=["status"])
    assert [(row["group"], row["countAll"]) for row in grouped] == [({"status": "active"}, 1)]
    searched = await _aggregate(client, BOB_TOKEN, search="sample")
    assert [row["countAll"] for row in searched] == [0]


async def test_a_permission_row_bounds_the_aggregate(
    client: httpx.AsyncClient, services: Services, seeded: Seeded
) -> None:
    token = "aggregate-reader-static-token-1"
    user = await create_user(
        services, "counter@example.com", None, app_access=False, static_token=token
    )
    assert user.role is not None
    await add_permission(
        services, user.role, ["id", "email", "first_name"], {"status": {"_eq": "active"}}
    )
    reply = await gql(
        client,
        "{ users_aggregated { countAll count { email } countDistinct { first_name } } }",
        token=token,
    )
    # admin, alice, bob, dave and the reader itself (no first name) are active.
    assert reply.body == {
        "data": {
            "users_aggregated": [
                {"countAll": 5, "count": {"email": 5}, "countDistinct": {"first_name": 4}}
            ]
        }
    }
    for query in (
        "{ users_aggregated { count { last_name } } }",
        "{ users_aggregated { countDistinct { status } } }",
        '{ users_aggregated(filter: {last_name: {_eq: "Baker"}}) { countAll } }',
    ):
        # Fields outside the grant are not in the caller's schema.
        assert_validation_error(await gql(client, query, token=token))
    grouped = '{ users_aggregated(groupBy: ["status"]) { countAll } }'
    assert_error(await gql(client, grouped, token=token), "FORBIDDEN", "users_aggregated")


async def test_the_public_may_not_aggregate(client: httpx.AsyncClient, seeded: Seeded) -> None:
    reply = await gql(client, "{ users_aggregated { countAll } }")
    assert_validation_error(reply)
