"""Reading roles: list, filter, sort, search, by id, their users (o2m) and who may read them."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest

from app.db.models import Role
from app.repositories import policies as policies_repo
from app.services.container import Services
from tests.conftest import create_user, gql
from tests.graphql.seed import (
    ADMIN_ROLE,
    ADMIN_TOKEN,
    BOB_TOKEN,
    Seeded,
    assert_error,
    assert_validation_error,
    counting_statements,
    seed,
    seed_many,
)

NAMES = """
query Roles($filter: directus_roles_filter, $sort: [String], $search: String, $limit: Int,
            $offset: Int, $page: Int) {
  roles(filter: $filter, sort: $sort, search: $search, limit: $limit, offset: $offset,
        page: $page) { name }
}
"""

ROLE_FIELDS = "id name icon description ip_access enforce_tfa admin_access app_access"
GUESTS = "Guests"


@pytest.fixture
async def seeded(services: Services) -> Seeded:
    """The shared seed plus a role nobody belongs to, with every flag turned around."""
    data = await seed(services)
    async with services.db.write() as session:
        role = await policies_repo.add_role(
            session,
            Role(name=GUESTS, icon="block", description="Nobody yet"),
            {
                "ip_access": ["10.0.0.0/8", "192.168.1.1"],
                "enforce_tfa": True,
                "admin_access": False,
                "app_access": False,
            },
        )
        data.roles[GUESTS] = role.id
    return data


async def _names(
    client: httpx.AsyncClient, token: str | None = ADMIN_TOKEN, **arguments: Any
) -> list[str]:
    reply = await gql(client, NAMES, arguments, token=token)
    assert reply.status == 200, reply.body
    assert "errors" not in reply.body, reply.body
    return [row["name"] for row in reply.data["roles"]]


def _role(seeded: Seeded, name: str) -> dict[str, Any]:
    """The full expected record of a seeded role."""
    common = {"ip_access": None, "enforce_tfa": False, "admin_access": False, "app_access": True}
    records: dict[str, dict[str, Any]] = {
        ADMIN_ROLE: {
            **common,
            "icon": "verified",
            "description": "Initial administrative role with unrestricted App/API access.",
            "admin_access": True,
        },
        "Editors": {**common, "icon": "supervised_user_circle", "description": "The editors"},
        "Viewers": {**common, "icon": "supervised_user_circle", "description": "The viewers"},
        GUESTS: {
            "icon": "block",
            "description": "Nobody yet",
            "ip_access": ["10.0.0.0/8", "192.168.1.1"],
            "enforce_tfa": True,
            "admin_access": False,
            "app_access": False,
        },
    }
    return {"id": seeded.roles[name], "name": name, **records[name]}


# Lists -------------------------------------------------------------------------------------


async def test_roles_lists_every_role_with_its_fields(
    client: httpx.AsyncClient, seeded: Seeded
) -> None:
    reply = await gql(client, f'{{ roles(sort: ["name"]) {{ {ROLE_FIELDS} }} }}', token=ADMIN_TOKEN)
    assert reply.body == {
        "data": {
            "roles": [_role(seeded, name) for name in (ADMIN_ROLE, "Editors", GUESTS, "Viewers")]
        }
    }


async def test_roles_sort_and_window(client: httpx.AsyncClient, seeded: Seeded) -> None:
    assert await _names(client, sort=["-name"]) == ["Viewers", GUESTS, "Editors", ADMIN_ROLE]
    assert await _names(client, sort=["app_access", "name"]) == [
        GUESTS,
        ADMIN_ROLE,
        "Editors",
        "Viewers",
    ]
    assert await _names(client, sort=["name"], limit=2, page=2) == [GUESTS, "Viewers"]
    assert await _names(client, sort=["name"], limit=1, offset=1) == ["Editors"]


@pytest.mark.parametrize(
    ("filter", "expected"),
    [
        ({"name": {"_eq": "Editors"}}, ["Editors"]),
        ({"name": {"_in": ["Viewers", "Editors", "Nope"]}}, ["Editors", "Viewers"]),
        ({"admin_access": {"_eq": True}}, [ADMIN_ROLE]),
        ({"app_access": {"_eq": False}}, [GUESTS]),
        ({"enforce_tfa": {"_neq": True}}, [ADMIN_ROLE, "Editors", "Viewers"]),
        ({"description": {"_icontains": "THE "}}, ["Editors", "Viewers"]),
        ({"ip_access": {"_contains": "10.0.0.0/8"}}, [GUESTS]),
        (
            {"_or": [{"icon": {"_eq": "verified"}}, {"name": {"_ends_with": "ers"}}]},
            [ADMIN_ROLE, "Viewers"],
        ),
        # Through the users (o2m): _some, _none, and a bare filter meaning "some"
        ({"users": {"_some": {"status": {"_eq": "suspended"}}}}, ["Viewers"]),
        ({"users": {"status": {"_eq": "archived"}}}, ["Viewers"]),
        ({"users": {"_some": {"status": {"_eq": "active"}}}}, [ADMIN_ROLE, "Editors", "Viewers"]),
        (
            {"users": {"_none": {"last_name": {"_starts_with": "A"}}}},
            [ADMIN_ROLE, GUESTS, "Viewers"],
        ),
        ({"users": {"_none": {"status": {"_neq": "active"}}}}, [ADMIN_ROLE, "Editors", GUESTS]),
        ({"users": {"_some": {"tags_func": {"count": {"_eq": 3}}}}}, ["Editors", "Viewers"]),
        ({"users_func": {"count": {"_gt": 1}}}, ["Editors", "Viewers"]),
        ({"users_func": {"count": {"_eq": 0}}}, [GUESTS]),
        ({"users_func": {"count": {"_eq": 1}}}, [ADMIN_ROLE]),
    ],
    ids=repr,
)
async def test_roles_filter(
    client: httpx.AsyncClient, seeded: Seeded, filter: dict[str, Any], expected: list[str]
) -> None:
    assert await _names(client, filter=filter, sort=["name"]) == expected


async def test_roles_without_ip_access_match_a_null_filter(
    client: httpx.AsyncClient, seeded: Seeded
) -> None:
    """ip_access reads back as null on the three roles that have none."""
    reply = await gql(client, '{ roles(sort: ["name"]) { name ip_access } }', token=ADMIN_TOKEN)
    assert [row["name"] for row in reply.data["roles"] if row["ip_access"] is None] == [
        ADMIN_ROLE,
        "Editors",
        "Viewers",
    ]
    filtered = await _names(client, filter={"ip_access": {"_null": True}}, sort=["name"])
    assert filtered == [ADMIN_ROLE, "Editors", "Viewers"]
    assert await _names(client, filter={"ip_access": {"_nnull": True}}) == [GUESTS]


@pytest.mark.parametrize(
    ("search", "expected"),
    [
        ("edit", ["Editors"]),
        ("VIEW", ["Viewers"]),
        ("initial", [ADMIN_ROLE]),
        ("supervised", ["Editors", "Viewers"]),
        ("nobody", [GUESTS]),
        ("zzz", []),
    ],
)
async def test_roles_search(
    client: httpx.AsyncClient, seeded: Seeded, search: str, expected: list[str]
) -> None:
    assert await _names(client, search=search, sort=["name"]) == expected


@pytest.mark.parametrize(
    "arguments",
    [{"sort": ["users"]}, {"limit": -3}, {"offset": -1}, {"page": 0}],
    ids=repr,
)
async def test_roles_bad_arguments_are_invalid_query(
    client: httpx.AsyncClient, seeded: Seeded, arguments: dict[str, Any]
) -> None:
    assert_error(await gql(client, NAMES, arguments, token=ADMIN_TOKEN), "INVALID_QUERY", "roles")


async def test_roles_sorted_by_an_unknown_field_is_forbidden(
    client: httpx.AsyncClient, seeded: Seeded
) -> None:
    reply = await gql(client, NAMES, {"sort": ["-nope"]}, token=ADMIN_TOKEN)
    assert_error(reply, "FORBIDDEN", "roles")
    assert reply.body["errors"][0]["message"] == (
        'You don\'t have permission to access field "nope" in collection "directus_roles" '
        "or it does not exist."
    )


# roles_by_id ---------------------------------------------------------------------------------

BY_ID = f"query($id: ID!) {{ roles_by_id(id: $id) {{ {ROLE_FIELDS} }} }}"


async def test_roles_by_id(client: httpx.AsyncClient, seeded: Seeded) -> None:
    reply = await gql(client, BY_ID, {"id": seeded.roles[GUESTS]}, token=ADMIN_TOKEN)
    assert reply.body == {"data": {"roles_by_id": _role(seeded, GUESTS)}}


async def test_roles_by_id_of_an_unknown_id_is_forbidden(
    client: httpx.AsyncClient, seeded: Seeded
) -> None:
    reply = await gql(client, BY_ID, {"id": str(uuid.uuid4())}, token=ADMIN_TOKEN)
    assert_error(reply, "FORBIDDEN", "roles_by_id")


# Users of a role (o2m) -----------------------------------------------------------------------


async def _users_per_role(client: httpx.AsyncClient, arguments: str) -> dict[str, list[str]]:
    reply = await gql(
        client,
        f'{{ roles(sort: ["name"]) {{ name users{arguments} {{ last_name }} }} }}',
        token=ADMIN_TOKEN,
    )
    assert reply.status == 200, reply.body
    assert "errors" not in reply.body, reply.body
    return {
        row["name"]: [user["last_name"] for user in row["users"]] for row in reply.data["roles"]
    }


async def test_role_users_sorted_and_limited_per_role(
    client: httpx.AsyncClient, seeded: Seeded
) -> None:
    assert await _users_per_role(client, '(sort: ["last_name"], limit: 1)') == {
        ADMIN_ROLE: ["User"],
        "Editors": ["Anderson"],
        GUESTS: [],
        "Viewers": ["Clark"],
    }
    assert await _users_per_role(client, '(sort: ["-last_name"], limit: 2)') == {
        ADMIN_ROLE: ["User"],
        "Editors": ["Baker", "Anderson"],
        GUESTS: [],
        "Viewers": ["Foster", "Davis"],
    }
    assert await _users_per_role(client, '(sort: ["last_name"], offset: 1)') == {
        ADMIN_ROLE: [],
        "Editors": ["Baker"],
        GUESTS: [],
        "Viewers": ["Davis", "Foster"],
    }
    assert await _users_per_role(client, '(sort: ["last_name"], limit: 1, page: 2)') == {
        ADMIN_ROLE: [],
        "Editors": ["Baker"],
        GUESTS: [],
        "Viewers": ["Davis"],
    }


async def test_role_users_filtered_and_searched(client: httpx.AsyncClient, seeded: Seeded) -> None:
    active = '(filter: {status: {_eq: "active"}}, sort: ["last_name"])'
    assert await _users_per_role(client, active) == {
        ADMIN_ROLE: ["User"],
        "Editors": ["Anderson", "Baker"],
        GUESTS: [],
        "Viewers": ["Davis"],
    }
    assert await _users_per_role(client, '(search: "EXAMPLE", sort: ["-last_name"])') == {
        ADMIN_ROLE: ["User"],
        "Editors": ["Baker", "Anderson"],
        GUESTS: [],
        "Viewers": ["Foster", "Clark"],
    }


async def test_role_users_with_different_arguments_in_one_query(
    client: httpx.AsyncClient, seeded: Seeded
) -> None:
    reply = await gql(
        client,
        """{ roles(filter: {name: {_eq: "Viewers"}}) {
              first: users(sort: ["last_name"], limit: 1) { last_name }
              last: users(sort: ["-last_name"], limit: 1) { last_name }
              users_func { count }
        } }""",
        token=ADMIN_TOKEN,
    )
    assert reply.body == {
        "data": {
            "roles": [
                {
                    "first": [{"last_name": "Clark"}],
                    "last": [{"last_name": "Foster"}],
                    "users_func": {"count": 3},
                }
            ]
        }
    }


async def test_users_func_counts_users_per_role(client: httpx.AsyncClient, seeded: Seeded) -> None:
    reply = await gql(
        client, '{ roles(sort: ["name"]) { name users_func { count } } }', token=ADMIN_TOKEN
    )
    assert reply.body == {
        "data": {
            "roles": [
                {"name": ADMIN_ROLE, "users_func": {"count": 1}},
                {"name": "Editors", "users_func": {"count": 2}},
                {"name": GUESTS, "users_func": {"count": 0}},
                {"name": "Viewers", "users_func": {"count": 3}},
            ]
        }
    }


async def test_role_users_bad_arguments_are_invalid_query(
    client: httpx.AsyncClient, seeded: Seeded
) -> None:
    reply = await gql(
        client, '{ roles(sort: ["name"]) { users(sort: ["password"]) { id } } }', token=ADMIN_TOKEN
    )
    assert reply.status == 200, reply.body
    assert set(reply.codes) == {"INVALID_QUERY"}, reply.body


# Who may read roles --------------------------------------------------------------------------


async def test_an_app_user_sees_only_its_own_role(
    client: httpx.AsyncClient, seeded: Seeded
) -> None:
    assert await _names(client, BOB_TOKEN) == ["Editors"]
    assert await _names(client, BOB_TOKEN, filter={"name": {"_eq": "Viewers"}}) == []
    reply = await gql(client, BY_ID, {"id": seeded.roles["Viewers"]}, token=BOB_TOKEN)
    assert_error(reply, "FORBIDDEN", "roles_by_id")
    own = await gql(client, BY_ID, {"id": seeded.roles["Editors"]}, token=BOB_TOKEN)
    assert own.body == {"data": {"roles_by_id": _role(seeded, "Editors")}}


async def test_an_app_user_sees_only_readable_users_of_its_role(
    client: httpx.AsyncClient, seeded: Seeded
) -> None:
    reply = await gql(
        client,
        '{ roles { name users(sort: ["last_name"]) { last_name } users_func { count } } }',
        token=BOB_TOKEN,
    )
    assert reply.body == {
        "data": {
            "roles": [
                {"name": "Editors", "users": [{"last_name": "Baker"}], "users_func": {"count": 1}}
            ]
        }
    }


async def test_a_role_without_app_access_may_not_read_roles(
    client: httpx.AsyncClient, services: Services, seeded: Seeded
) -> None:
    token = "no-app-access-roles-token-1234"
    await create_user(services, "outsider@example.com", None, app_access=False, static_token=token)
    assert_validation_error(await gql(client, NAMES, {}, token=token))


async def test_the_public_may_not_read_roles(client: httpx.AsyncClient, seeded: Seeded) -> None:
    assert_validation_error(await gql(client, NAMES, {}))
    assert_validation_error(await gql(client, BY_ID, {"id": seeded.roles["Editors"]}))


# Query count ---------------------------------------------------------------------------------


async def test_roles_with_their_users_take_a_fixed_number_of_queries(
    client: httpx.AsyncClient, services: Services
) -> None:
    token = "admin-static-token-for-role-count"
    await create_user(services, "counter@example.com", None, admin=True, static_token=token)
    await seed_many(services, 100)
    query = """
    query($limit: Int) {
      roles(filter: {name: {_starts_with: "Bulk"}}, sort: ["name"], limit: $limit) {
        name
        users(sort: ["email"], limit: 2) { email role { name } }
        users_func { count }
      }
    }
    """
    counts: dict[int, int] = {}
    for limit in (1, 5):
        with counting_statements(services) as statements:
            reply = await gql(client, query, {"limit": limit}, token=token)
        assert reply.status == 200, reply.body
        roles = reply.data["roles"]
        assert [role["name"] for role in roles] == [f"Bulk role {i}" for i in range(limit)]
        assert roles[0] == {
            "name": "Bulk role 0",
            "users": [
                {"email": "bulk000@example.com", "role": {"name": "Bulk role 0"}},
                {"email": "bulk005@example.com", "role": {"name": "Bulk role 0"}},
            ],
            "users_func": {"count": 20},
        }
        counts[limit] = len(statements)
    assert counts[1] == counts[5], counts
    assert counts[5] <= 6, counts
