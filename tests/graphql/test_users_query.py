"""Reading users: windows, sort, search, concealed fields, by id, me, and who may read what."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from app.security.tokens import hash_token
from app.services.container import Services
from tests.conftest import ADMIN_EMAIL, create_user, gql
from tests.graphql.seed import (
    ADMIN_ROLE,
    ADMIN_TOKEN,
    ALL_LAST_NAMES,
    BOB_TOKEN,
    CAROL_TFA_SECRET,
    CONCEALED,
    DAVE_TOKEN,
    Seeded,
    add_permission,
    assert_error,
    assert_validation_error,
    counting_statements,
    last_names,
    seed,
    seed_many,
    set_ip_access,
)

LIST = """
query List($filter: directus_users_filter, $sort: [String], $limit: Int, $offset: Int,
           $page: Int, $search: String) {
  users(filter: $filter, sort: $sort, limit: $limit, offset: $offset, page: $page,
        search: $search) { last_name }
}
"""

BY_ID = "query ById($id: ID!) { users_by_id(id: $id) { id email } }"
ME_WITH_ROLE = "{ users_me { id email role { name } } }"


@pytest.fixture
async def seeded(services: Services) -> Seeded:
    return await seed(services)


async def _list(
    client: httpx.AsyncClient, token: str | None = ADMIN_TOKEN, **arguments: Any
) -> list[str]:
    reply = await gql(client, LIST, arguments, token=token)
    assert reply.status == 200, reply.body
    assert "errors" not in reply.body, reply.body
    return last_names(reply.data["users"])


# Windows: limit, offset, page -----------------------------------------------------------


@pytest.mark.parametrize("settings_overrides", [{"query_limit_default": 3}])
async def test_default_limit_comes_from_query_limit_default(
    client: httpx.AsyncClient, seeded: Seeded
) -> None:
    assert await _list(client, sort=["last_name"]) == ["Anderson", "Baker", "Clark"]
    assert await _list(client, sort=["last_name"], page=2) == ["Davis", "Evans", "Foster"]
    assert await _list(client, sort=["last_name"], offset=5) == ["Foster", "User"]


@pytest.mark.parametrize("settings_overrides", [{"query_limit_default": 3}])
async def test_limit_minus_one_returns_every_row(client: httpx.AsyncClient, seeded: Seeded) -> None:
    assert await _list(client, sort=["last_name"], limit=-1) == ALL_LAST_NAMES


@pytest.mark.parametrize("settings_overrides", [{"query_limit_max": 4}])
async def test_limit_minus_one_is_capped_by_query_limit_max(
    client: httpx.AsyncClient, seeded: Seeded
) -> None:
    assert await _list(client, sort=["last_name"], limit=-1) == ALL_LAST_NAMES[:4]


async def test_limit_and_offset(client: httpx.AsyncClient, seeded: Seeded) -> None:
    assert await _list(client, sort=["last_name"], limit=2, offset=3) == ["Davis", "Evans"]
    assert await _list(client, sort=["last_name"], limit=-1, offset=5) == ["Foster", "User"]
    assert await _list(client, sort=["last_name"], limit=5, offset=7) == []


async def test_page_is_one_based_and_uses_limit(client: httpx.AsyncClient, seeded: Seeded) -> None:
    assert await _list(client, sort=["last_name"], limit=2, page=1) == ["Anderson", "Baker"]
    assert await _list(client, sort=["last_name"], limit=2, page=2) == ["Clark", "Davis"]
    assert await _list(client, sort=["last_name"], limit=2, page=4) == ["User"]
    assert await _list(client, sort=["last_name"], limit=2, page=5) == []


@pytest.mark.parametrize(
    "arguments",
    [
        {"limit": -5},
        {"limit": -2},
        {"offset": -1},
        {"page": 0},
        {"page": -3},
        {"sort": ["password"]},
        {"sort": ["-token"]},
        {"sort": ["tfa_secret"]},
        {"sort": ["email.domain"]},
    ],
    ids=lambda arguments: repr(arguments),
)
async def test_bad_query_arguments_are_invalid_query(
    client: httpx.AsyncClient, seeded: Seeded, arguments: dict[str, Any]
) -> None:
    reply = await gql(client, LIST, arguments, token=ADMIN_TOKEN)
    assert_error(reply, "INVALID_QUERY", "users")


def no_such_field(field: str, collection: str) -> dict[str, Any]:
    """Directus's FORBIDDEN for a field that does not exist or may not be read."""
    reason = (
        f'You don\'t have permission to access field "{field}" in collection "{collection}" '
        "or it does not exist."
    )
    return {"message": reason, "extensions": {"code": "FORBIDDEN", "reason": reason}}


@pytest.mark.parametrize(
    ("token", "arguments", "field", "collection"),
    [
        (ADMIN_TOKEN, {"sort": ["nope"]}, "nope", "directus_users"),
        (ADMIN_TOKEN, {"sort": ["-nope"]}, "nope", "directus_users"),
        (ADMIN_TOKEN, {"sort": ["nope.name"]}, "nope", "directus_users"),
        (ADMIN_TOKEN, {"sort": ["role.nope"]}, "nope", "directus_roles"),
        (ADMIN_TOKEN, {"sort": ["-role.nope"]}, "nope", "directus_roles"),
        (BOB_TOKEN, {"sort": ["nope"]}, "nope", "directus_users"),
        (BOB_TOKEN, {"sort": ["role.nope"]}, "nope", "directus_roles"),
        # Fields that exist but the caller may not read look the same.
        (BOB_TOKEN, {"sort": ["provider"]}, "provider", "directus_users"),
    ],
    ids=repr,
)
async def test_sorting_or_filtering_by_an_unknown_or_unreadable_field_is_forbidden(
    client: httpx.AsyncClient,
    seeded: Seeded,
    token: str,
    arguments: dict[str, Any],
    field: str,
    collection: str,
) -> None:
    """As Directus: FORBIDDEN naming the field and the collection it was looked up in (the
    related one for a relational path); no `data` key, as nothing was answered."""
    reply = await gql(client, LIST, arguments, token=token)
    assert reply.status == 200, reply.body
    assert "data" not in reply.body
    [error] = reply.body["errors"]
    assert error["path"] == ["users"]
    assert {key: error[key] for key in ("message", "extensions")} == no_such_field(
        field, collection
    )


@pytest.mark.parametrize(
    ("filter_", "field"),
    [
        ({"provider": {"_eq": "default"}}, "provider"),
        ({"_or": [{"email": {"_nnull": True}}, {"auth_data": {"_null": True}}]}, "auth_data"),
    ],
    ids=repr,
)
async def test_filtering_by_an_unreadable_field_is_refused(
    client: httpx.AsyncClient, seeded: Seeded, filter_: dict[str, Any], field: str
) -> None:
    """The caller's filter type has no such field, so the GraphQL variable fails coercion
    (400, as a literal fails validation); REST's filter meets the engine's FORBIDDEN."""
    reply = await gql(client, LIST, {"filter": filter_}, token=BOB_TOKEN)
    assert_validation_error(reply)
    assert (
        f'unknown field "{field}"' in reply.body["errors"][0]["extensions"]["errors"][0]["message"]
    )
    rest = await client.get(
        "/users",
        params={"filter": json.dumps(filter_), "fields": "id"},
        headers={"Authorization": f"Bearer {BOB_TOKEN}"},
    )
    assert rest.status_code == 403, rest.text
    assert rest.json()["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert f'field "{field}"' in rest.json()["errors"][0]["message"]


# Sort --------------------------------------------------------------------------------------


async def test_sort_ascending_and_descending(client: httpx.AsyncClient, seeded: Seeded) -> None:
    assert await _list(client, sort=["last_name"]) == ALL_LAST_NAMES
    assert await _list(client, sort=["-last_name"]) == ALL_LAST_NAMES[::-1]


async def test_sort_on_several_fields(client: httpx.AsyncClient, seeded: Seeded) -> None:
    """status ascending, then last name descending inside each status."""
    assert await _list(client, sort=["status", "-last_name"]) == [
        "User",
        "Davis",
        "Baker",
        "Anderson",  # active
        "Foster",  # archived
        "Evans",  # draft
        "Clark",  # suspended
    ]


async def test_sort_through_the_role_relation(client: httpx.AsyncClient, seeded: Seeded) -> None:
    with_role = {"role": {"id": {"_nnull": True}}}
    assert await _list(client, filter=with_role, sort=["-role.name", "last_name"]) == [
        "Clark",
        "Davis",
        "Foster",  # Viewers
        "Anderson",
        "Baker",  # Editors
        "User",  # Administrator
    ]
    assert await _list(client, filter=with_role, sort=["role.name", "-last_name"]) == [
        "User",
        "Baker",
        "Anderson",
        "Foster",
        "Davis",
        "Clark",
    ]


# Search ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("search", "expected"),
    [
        ("example", ["Anderson", "Baker", "Clark", "Evans", "Foster", "User"]),
        ("EXAMPLE.ORG", ["Clark"]),
        ("berlin", ["Baker"]),
        ("ANDERSON", ["Anderson"]),
        ("chief", ["Anderson"]),
        ("review", ["Clark"]),
        ("sample", ["Davis"]),
        ("no such text", []),
        ("%", []),
        ("_", []),
    ],
)
async def test_search_is_case_insensitive_contains_over_text_fields(
    client: httpx.AsyncClient, seeded: Seeded, search: str, expected: list[str]
) -> None:
    assert await _list(client, sort=["last_name"], search=search) == expected


async def test_search_never_looks_into_concealed_fields(
    client: httpx.AsyncClient, seeded: Seeded
) -> None:
    """Password hashes, token hashes and TOTP secrets are stored but never searched."""
    for fragment in ("argon2", "$argon2id$", hash_token(BOB_TOKEN)[:16], CAROL_TFA_SECRET[:8]):
        assert await _list(client, sort=["last_name"], search=fragment) == [], fragment


async def test_search_combines_with_filter(client: httpx.AsyncClient, seeded: Seeded) -> None:
    found = await _list(
        client, sort=["last_name"], search="example", filter={"status": {"_eq": "active"}}
    )
    assert found == ["Anderson", "Baker", "User"]


# Concealed fields --------------------------------------------------------------------------


async def test_concealed_fields_read_as_stars_when_set_and_null_when_not(
    client: httpx.AsyncClient, seeded: Seeded
) -> None:
    reply = await gql(
        client,
        '{ users(sort: ["last_name"]) { last_name password token tfa_secret } }',
        token=ADMIN_TOKEN,
    )
    assert reply.status == 200, reply.body
    assert reply.body == {
        "data": {
            "users": [
                {"last_name": "Anderson", "password": CONCEALED, "token": None, "tfa_secret": None},
                {
                    "last_name": "Baker",
                    "password": CONCEALED,
                    "token": CONCEALED,
                    "tfa_secret": None,
                },
                {"last_name": "Clark", "password": None, "token": None, "tfa_secret": CONCEALED},
                {"last_name": "Davis", "password": None, "token": CONCEALED, "tfa_secret": None},
                {"last_name": "Evans", "password": None, "token": None, "tfa_secret": None},
                {"last_name": "Foster", "password": None, "token": CONCEALED, "tfa_secret": None},
                {
                    "last_name": "User",
                    "password": CONCEALED,
                    "token": CONCEALED,
                    "tfa_secret": None,
                },
            ]
        }
    }


# users_by_id ---------------------------------------------------------------------------------


async def test_users_by_id_returns_the_record(client: httpx.AsyncClient, seeded: Seeded) -> None:
    reply = await gql(
        client,
        """
        query ById($id: ID!) {
          users_by_id(id: $id) {
            id first_name last_name email status tags location title description last_access
            role { name } tags_func { count } last_access_func { year month day hour }
          }
        }
        """,
        {"id": seeded.users["alice"]},
        token=ADMIN_TOKEN,
    )
    assert reply.status == 200, reply.body
    assert "errors" not in reply.body
    user = reply.data["users_by_id"]
    last_access = user.pop("last_access")
    assert isinstance(last_access, str)
    assert datetime.fromisoformat(last_access) == datetime(2023, 1, 15, 10, 0, tzinfo=UTC)
    assert user == {
        "id": seeded.users["alice"],
        "first_name": "Alice",
        "last_name": "Anderson",
        "email": "Alice.Anderson@Example.com",
        "status": "active",
        "tags": ["a", "b", "c"],
        "location": None,
        "title": "Chief Editor",
        "description": "Writes things",
        "role": {"name": "Editors"},
        "tags_func": {"count": 3},
        "last_access_func": {"year": 2023, "month": 1, "day": 15, "hour": 10},
    }


# A random id (named, so that every pytest-xdist worker collects the same test ids)
@pytest.mark.parametrize(
    "unknown", [pytest.param(str(uuid.uuid4()), id="random-uuid"), "not-a-uuid"]
)
async def test_users_by_id_of_an_unknown_id_is_forbidden(
    client: httpx.AsyncClient, seeded: Seeded, unknown: str
) -> None:
    reply = await gql(client, BY_ID, {"id": unknown}, token=ADMIN_TOKEN)
    assert_error(reply, "FORBIDDEN", "users_by_id")


async def test_users_by_id_of_another_user_is_forbidden_to_an_app_user(
    client: httpx.AsyncClient, seeded: Seeded
) -> None:
    reply = await gql(client, BY_ID, {"id": seeded.users["alice"]}, token=BOB_TOKEN)
    assert_error(reply, "FORBIDDEN", "users_by_id")
    own = await gql(client, BY_ID, {"id": seeded.users["bob"]}, token=BOB_TOKEN)
    assert own.body == {
        "data": {"users_by_id": {"id": seeded.users["bob"], "email": "bob.baker@example.com"}}
    }


async def test_users_by_id_is_forbidden_to_the_public(
    client: httpx.AsyncClient, seeded: Seeded
) -> None:
    reply = await gql(client, BY_ID, {"id": seeded.users["bob"]})
    assert_validation_error(reply)


# users_me ------------------------------------------------------------------------------------


async def test_users_me_is_not_in_the_publics_schema(
    client: httpx.AsyncClient, seeded: Seeded
) -> None:
    assert_validation_error(await gql(client, ME_WITH_ROLE))


async def test_users_me_shows_an_app_user_its_record_and_role(
    client: httpx.AsyncClient, seeded: Seeded
) -> None:
    reply = await gql(client, ME_WITH_ROLE, token=BOB_TOKEN)
    assert reply.body == {
        "data": {
            "users_me": {
                "id": seeded.users["bob"],
                "email": "bob.baker@example.com",
                "role": {"name": "Editors"},
            }
        }
    }


async def test_users_me_for_the_admin(client: httpx.AsyncClient, seeded: Seeded) -> None:
    reply = await gql(client, ME_WITH_ROLE, token=ADMIN_TOKEN)
    assert reply.body == {
        "data": {
            "users_me": {
                "id": seeded.users["admin"],
                "email": ADMIN_EMAIL,
                "role": {"name": ADMIN_ROLE},
            }
        }
    }


# Who may read what ---------------------------------------------------------------------------


async def test_an_app_user_lists_only_its_own_record(
    client: httpx.AsyncClient, seeded: Seeded
) -> None:
    assert await _list(client, BOB_TOKEN, sort=["last_name"]) == ["Baker"]
    assert await _list(client, DAVE_TOKEN, sort=["last_name"], limit=-1) == ["Davis"]
    assert await _list(client, BOB_TOKEN, search="example") == ["Baker"]
    assert await _list(client, DAVE_TOKEN, search="example") == []
    assert await _list(client, DAVE_TOKEN, filter={"last_name": {"_eq": "Baker"}}) == []


async def test_an_app_user_sees_its_own_role_through_users(
    client: httpx.AsyncClient, seeded: Seeded
) -> None:
    reply = await gql(client, "{ users { email role { name } } }", token=DAVE_TOKEN)
    assert reply.body == {
        "data": {"users": [{"email": "dave@sample.net", "role": {"name": "Viewers"}}]}
    }


async def test_the_public_may_not_list_users(client: httpx.AsyncClient, seeded: Seeded) -> None:
    reply = await gql(client, LIST, {})
    assert_validation_error(reply)


async def test_a_role_without_app_access_or_permissions_reads_nothing(
    client: httpx.AsyncClient, services: Services, seeded: Seeded
) -> None:
    token = "no-access-static-token-123456"
    await create_user(services, "noaccess@example.com", None, app_access=False, static_token=token)
    assert_validation_error(await gql(client, ME_WITH_ROLE, token=token))
    assert_validation_error(await gql(client, LIST, {}, token=token))


async def _restricted_reader(services: Services) -> tuple[str, str]:
    """A user of a role without app access, granted a read permission on active users only,
    limited to id, email and first_name. Returns (user id, static token)."""
    token = "restricted-static-token-1234567"
    user = await create_user(
        services, "restricted@example.com", None, app_access=False, static_token=token
    )
    assert user.role is not None
    await add_permission(
        services, user.role, ["id", "email", "first_name"], {"status": {"_eq": "active"}}
    )
    return user.id, token


async def test_a_permission_row_limits_the_rows(
    client: httpx.AsyncClient, services: Services, seeded: Seeded
) -> None:
    user_id, token = await _restricted_reader(services)
    reply = await gql(client, "{ users(limit: -1) { id email } }", token=token)
    assert reply.status == 200, reply.body
    assert "errors" not in reply.body
    assert sorted(row["email"] for row in reply.data["users"]) == sorted(
        [
            ADMIN_EMAIL,
            "Alice.Anderson@Example.com",
            "bob.baker@example.com",
            "dave@sample.net",
            "restricted@example.com",
        ]
    )
    by_name = await gql(
        client, '{ users(filter: {first_name: {_eq: "Bob"}}) { id first_name } }', token=token
    )
    assert by_name.body == {"data": {"users": [{"id": seeded.users["bob"], "first_name": "Bob"}]}}
    me = await gql(client, "{ users_me { id email } }", token=token)
    assert me.body == {"data": {"users_me": {"id": user_id, "email": "restricted@example.com"}}}
    outside = await gql(client, BY_ID, {"id": seeded.users["carol"]}, token=token)
    assert_error(outside, "FORBIDDEN", "users_by_id")
    inside = await gql(client, BY_ID, {"id": seeded.users["dave"]}, token=token)
    assert inside.body == {
        "data": {"users_by_id": {"id": seeded.users["dave"], "email": "dave@sample.net"}}
    }


@pytest.mark.parametrize(
    "query",
    [
        '{ users(sort: ["last_name"]) { id } }',
        '{ users(sort: ["-status"]) { id } }',
        '{ users(sort: ["role.name"]) { id } }',
    ],
)
async def test_a_permission_row_limits_the_sort_fields(
    client: httpx.AsyncClient, services: Services, seeded: Seeded, query: str
) -> None:
    """Sorting on a field outside the permission's fields is FORBIDDEN."""
    _, token = await _restricted_reader(services)
    assert_error(await gql(client, query, token=token), "FORBIDDEN", "users")


@pytest.mark.parametrize(
    "query",
    [
        "{ users { id last_name } }",
        "{ users { id password } }",
        '{ users(filter: {last_name: {_eq: "Baker"}}) { id } }',
        '{ users(filter: {status: {_eq: "active"}}) { id } }',
        "{ users(filter: {_or: [{email: {_nnull: true}}, {title: {_null: true}}]}) { id } }",
        "{ users { id role { name } } }",
        "{ users { id tags_func { count } } }",
    ],
)
async def test_a_permission_row_limits_the_fields(
    client: httpx.AsyncClient, services: Services, seeded: Seeded, query: str
) -> None:
    """Reading or filtering on a field outside the permission's fields: the field is not in
    the caller's schema (400 GRAPHQL_VALIDATION)."""
    _, token = await _restricted_reader(services)
    assert_validation_error(await gql(client, query, token=token))


async def test_a_restricted_reader_asking_users_me_for_other_fields_is_forbidden(
    client: httpx.AsyncClient, services: Services, seeded: Seeded
) -> None:
    _, token = await _restricted_reader(services)
    reply = await gql(client, "{ users_me { id last_name } }", token=token)
    assert_validation_error(reply)


async def test_a_permission_rule_may_filter_through_the_role_and_use_current_user(
    client: httpx.AsyncClient, services: Services, seeded: Seeded
) -> None:
    token = "relational-rule-static-token-12"
    user = await create_user(
        services, "relational@example.com", None, app_access=False, static_token=token
    )
    assert user.role is not None
    rule = {"_or": [{"role": {"name": {"_eq": "Viewers"}}}, {"id": {"_eq": "$CURRENT_USER"}}]}
    await add_permission(services, user.role, ["id", "email", "last_name"], rule)
    reply = await gql(client, "{ users(limit: -1) { email } }", token=token)
    assert sorted(row["email"] for row in reply.data["users"]) == sorted(
        [
            "CAROL@example.ORG",
            "dave@sample.net",
            "Frank.Foster@Example.com",
            "relational@example.com",
        ]
    )
    sorted_reply = await gql(
        client,
        '{ users(sort: ["-last_name"], filter: {last_name: {_nnull: true}}) { last_name } }',
        token=token,
    )
    assert last_names(sorted_reply.data["users"]) == ["Foster", "Davis", "Clark"]


async def test_a_public_permission_lets_the_public_read_what_it_grants(
    client: httpx.AsyncClient, services: Services, seeded: Seeded
) -> None:
    await add_permission(services, None, ["id", "first_name"], {"status": {"_eq": "archived"}})
    reply = await gql(client, "{ users { id first_name } }")
    assert reply.body == {"data": {"users": [{"id": seeded.users["frank"], "first_name": "Frank"}]}}
    assert_validation_error(await gql(client, "{ users { id email } }"))
    outside = await gql(
        client, "query($id: ID!) { users_by_id(id: $id) { id } }", {"id": seeded.users["bob"]}
    )
    assert_error(outside, "FORBIDDEN", "users_by_id")
    # The public grant is for the public; an app user keeps its own rules.
    assert await _list(client, BOB_TOKEN, sort=["last_name"]) == ["Baker"]


# ip_access -----------------------------------------------------------------------------------


async def test_a_role_outside_its_ip_access_gets_no_permissions(
    client: httpx.AsyncClient, services: Services, seeded: Seeded
) -> None:
    """The test client connects from 203.0.113.7."""
    await set_ip_access(services, seeded.roles["Editors"], ["10.0.0.0/8"])
    assert_validation_error(await gql(client, ME_WITH_ROLE, token=BOB_TOKEN))
    assert_validation_error(await gql(client, LIST, {}, token=BOB_TOKEN))
    # Another role is unaffected.
    assert await _list(client, DAVE_TOKEN) == ["Davis"]


async def test_a_role_inside_its_ip_access_keeps_its_permissions(
    client: httpx.AsyncClient, services: Services, seeded: Seeded
) -> None:
    await set_ip_access(services, seeded.roles["Editors"], ["203.0.113.0/24"])
    reply = await gql(client, ME_WITH_ROLE, token=BOB_TOKEN)
    assert reply.data["users_me"] == {
        "id": seeded.users["bob"],
        "email": "bob.baker@example.com",
        "role": {"name": "Editors"},
    }
    await set_ip_access(services, seeded.roles["Editors"], ["10.0.0.0/8", "203.0.113.7"])
    assert await _list(client, BOB_TOKEN) == ["Baker"]


async def test_an_admin_role_outside_its_ip_access_is_not_admin(
    client: httpx.AsyncClient, services: Services, seeded: Seeded
) -> None:
    await set_ip_access(services, seeded.roles[ADMIN_ROLE], ["192.168.0.0/16"])
    assert_validation_error(await gql(client, LIST, {}, token=ADMIN_TOKEN))


# Query count -------------------------------------------------------------------------------


async def test_listing_users_with_their_roles_takes_a_fixed_number_of_queries(
    client: httpx.AsyncClient, services: Services
) -> None:
    token = "admin-static-token-for-counting"
    await create_user(services, "counter@example.com", None, admin=True, static_token=token)
    await seed_many(services, 100)
    query = """
    query($limit: Int) {
      users(limit: $limit, filter: {email: {_starts_with: "bulk"}}, sort: ["email"]) {
        id email role { name }
      }
    }
    """
    counts: dict[int, int] = {}
    for limit in (10, 100):
        with counting_statements(services) as statements:
            reply = await gql(client, query, {"limit": limit}, token=token)
        assert reply.status == 200, reply.body
        rows = reply.data["users"]
        assert len(rows) == limit
        assert rows[0]["email"] == "bulk000@example.com"
        assert [row["role"]["name"] for row in rows[:6]] == [
            "Bulk role 0",
            "Bulk role 1",
            "Bulk role 2",
            "Bulk role 3",
            "Bulk role 4",
            "Bulk role 0",
        ]
        counts[limit] = len(statements)
    assert counts[10] == counts[100], counts
    assert counts[100] <= 6, counts
