"""/users over REST: reading with the global query parameters, SEARCH, creating, updating and
deleting one or many, and who may do what."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from app.db.models import new_id
from app.services.container import Services
from tests.conftest import ADMIN_EMAIL, create_role, create_user
from tests.graphql.mutation_seed import write_refused
from tests.rest import (
    FORBIDDEN,
    INVALID_EMAIL,
    LAST_ADMIN,
    USER_FIELDS,
    assert_error,
    assert_no_content,
    bearer,
    error,
    not_unique,
    rest_login,
)

PASSWORD = "user-password-1"

ROLE_FIELDS = {
    "id",
    "name",
    "icon",
    "description",
    "ip_access",
    "enforce_tfa",
    "admin_access",
    "app_access",
    # Directus 12's nested roles: the parent's id.
    "parent",
}

ALICE = "alice@example.com"
BOB = "bob@example.com"
CAROL = "carol@example.com"
ALL_EMAILS = [ADMIN_EMAIL, ALICE, BOB, CAROL]


@dataclass(frozen=True)
class Seeded:
    admin: str  # the admin's access token
    alice: str  # alice's access token (an app user)
    ids: dict[str, str]  # email → user id
    roles: dict[str, str]  # email → role id


@pytest.fixture
async def seeded(client: httpx.AsyncClient, services: Services) -> Seeded:
    ids: dict[str, str] = {}
    roles: dict[str, str] = {}
    people = [
        (ALICE, "Alice", "Archer", None),
        (BOB, "Bob", "Baker", "bob-static-token-0123456789"),
        (CAROL, "Carol", "Cooper", None),
    ]
    for email, first, last, static in people:
        user = await create_user(
            services, email, PASSWORD, first_name=first, last_name=last, static_token=static
        )
        ids[email] = user.id
        assert user.role is not None
        roles[email] = user.role
    admin = await rest_login(client)
    me = await client.get(
        "/users/me", params={"fields": "id,role"}, headers=bearer(admin["access_token"])
    )
    ids[ADMIN_EMAIL] = me.json()["data"]["id"]
    roles[ADMIN_EMAIL] = me.json()["data"]["role"]
    alice = await rest_login(client, ALICE, PASSWORD)
    return Seeded(admin["access_token"], alice["access_token"], ids, roles)


async def get_users(
    client: httpx.AsyncClient, token: str | None, params: Any = None
) -> httpx.Response:
    headers = bearer(token) if token else None
    return await client.get("/users", params=params, headers=headers)


async def emails(client: httpx.AsyncClient, token: str, params: Any) -> list[str]:
    response = await get_users(client, token, params)
    assert response.status_code == 200, response.text
    return [item["email"] for item in response.json()["data"]]


# Fields ------------------------------------------------------------------------------------


async def test_list_answers_data_only_with_the_fields_asked(
    client: httpx.AsyncClient, seeded: Seeded
) -> None:
    response = await get_users(client, seeded.admin, {"fields": "email", "sort": "email"})
    assert response.status_code == 200
    assert response.json() == {"data": [{"email": email} for email in ALL_EMAILS]}


@pytest.mark.parametrize(
    "params",
    [
        {"fields": "id,email"},
        {"fields": " id , email "},
        [("fields[]", "id"), ("fields[]", "email")],
        [("fields", "id"), ("fields", "email")],
        {"fields": '["id","email"]'},
    ],
)
async def test_fields_as_comma_list_or_array(
    client: httpx.AsyncClient, seeded: Seeded, params: Any
) -> None:
    query = [*(params.items() if isinstance(params, dict) else params), ("sort", "email")]
    response = await get_users(client, seeded.admin, query)
    assert response.status_code == 200, response.text
    assert response.json() == {
        "data": [{"id": seeded.ids[email], "email": email} for email in ALL_EMAILS]
    }


async def test_star_reads_every_field_with_concealed_values_hidden(
    client: httpx.AsyncClient, seeded: Seeded
) -> None:
    for params in ({"fields": "*"}, {}):
        response = await get_users(client, seeded.admin, {**params, "sort": "email"})
        assert response.status_code == 200
        items = response.json()["data"]
        assert [item["email"] for item in items] == ALL_EMAILS
        for item in items:
            assert set(item) == USER_FIELDS
        bob = items[2]
        assert bob["id"] == seeded.ids[BOB]
        assert bob["password"] == "**********"
        assert bob["token"] == "**********"
        assert bob["tfa_secret"] is None
        assert bob["role"] == seeded.roles[BOB]
        assert bob["status"] == "active"
        assert (bob["first_name"], bob["last_name"]) == ("Bob", "Baker")
        assert items[1]["token"] is None


async def test_a_tfa_secret_reads_as_stars(client: httpx.AsyncClient, services: Services) -> None:
    user = await create_user(
        services, "tfa@example.com", PASSWORD, admin=True, tfa_secret="JBSWY3DPEHPK3PXP"
    )
    token = (await rest_login(client))["access_token"]
    response = await client.get(
        f"/users/{user.id}",
        params={"fields": "password,token,tfa_secret"},
        headers=bearer(token),
    )
    assert response.json() == {
        "data": {"password": "**********", "token": None, "tfa_secret": "**********"}
    }


async def test_nested_role_fields(client: httpx.AsyncClient, seeded: Seeded) -> None:
    response = await get_users(
        client, seeded.admin, {"fields": "email,role.name,role.admin_access", "sort": "email"}
    )
    assert response.status_code == 200
    assert response.json()["data"] == [
        {"email": ADMIN_EMAIL, "role": {"name": "Administrator", "admin_access": True}},
        *(
            {"email": email, "role": {"name": f"role-for-{email}", "admin_access": False}}
            for email in (ALICE, BOB, CAROL)
        ),
    ]


async def test_role_star_reads_the_whole_role(client: httpx.AsyncClient, seeded: Seeded) -> None:
    response = await get_users(
        client, seeded.admin, {"fields": "id,role.*", "filter[email][_eq]": BOB}
    )
    assert response.status_code == 200
    [item] = response.json()["data"]
    assert set(item) == {"id", "role"}
    role = item["role"]
    # Directus may add the o2m alias `users`; every stored field is there.
    assert set(role) - {"users"} == ROLE_FIELDS
    assert {k: role[k] for k in ("id", "name", "admin_access", "app_access", "enforce_tfa")} == {
        "id": seeded.roles[BOB],
        "name": f"role-for-{BOB}",
        "admin_access": False,
        "app_access": True,
        "enforce_tfa": False,
    }


async def test_star_with_nested_role_fields(client: httpx.AsyncClient, seeded: Seeded) -> None:
    response = await get_users(
        client, seeded.admin, {"fields": "*,role.name", "filter[email][_eq]": ALICE}
    )
    [item] = response.json()["data"]
    assert set(item) == USER_FIELDS
    assert item["role"] == {"name": f"role-for-{ALICE}"}


async def test_an_unset_role_reads_null(client: httpx.AsyncClient, seeded: Seeded) -> None:
    created = await client.post(
        "/users",
        params={"fields": "email,role.name"},
        json={"email": "roleless@example.com"},
        headers=bearer(seeded.admin),
    )
    assert created.status_code == 200, created.text
    assert created.json() == {"data": {"email": "roleless@example.com", "role": None}}


# Filter, sort, limit, offset, page, search, meta ------------------------------------------------


FILTER_CASES = [
    pytest.param({"filter": json.dumps({"email": {"_eq": BOB}})}, [BOB], id="json-eq"),
    pytest.param({"filter[email][_eq]": BOB}, [BOB], id="bracket-eq"),
    pytest.param({"filter[first_name][_in]": "Alice,Carol"}, [ALICE, CAROL], id="bracket-in"),
    pytest.param(
        {"filter": json.dumps({"first_name": {"_in": ["Alice", "Carol"]}})},
        [ALICE, CAROL],
        id="json-in",
    ),
    pytest.param({"filter[email][_neq]": BOB}, [ADMIN_EMAIL, ALICE, CAROL], id="bracket-neq"),
    pytest.param({"filter[last_name][_starts_with]": "B"}, [BOB], id="bracket-starts-with"),
    pytest.param({"filter[email][_icontains]": "ALI"}, [ALICE], id="bracket-icontains"),
    pytest.param(
        {
            "filter": json.dumps(
                {"_or": [{"email": {"_eq": ALICE}}, {"first_name": {"_eq": "Bob"}}]}
            )
        },
        [ALICE, BOB],
        id="json-or",
    ),
    pytest.param(
        {"filter[_or][0][email][_eq]": ALICE, "filter[_or][1][email][_eq]": CAROL},
        [ALICE, CAROL],
        id="bracket-or-indexed",
    ),
    pytest.param(
        {"filter[role][name][_eq]": f"role-for-{CAROL}"}, [CAROL], id="bracket-relational"
    ),
    pytest.param(
        {"filter[role][admin_access][_eq]": "true"}, [ADMIN_EMAIL], id="bracket-boolean-eq"
    ),
    pytest.param({"filter": json.dumps({"token": {"_nnull": True}})}, [BOB], id="json-nnull"),
    pytest.param({"filter[token][_nnull]": "true"}, [BOB], id="bracket-nnull-true"),
    pytest.param({"filter": json.dumps({"password": {"_null": True}})}, [], id="json-null"),
]


@pytest.mark.parametrize(("params", "expected"), FILTER_CASES)
async def test_filter_in_json_and_bracket_forms(
    client: httpx.AsyncClient, seeded: Seeded, params: dict[str, str], expected: list[str]
) -> None:
    assert await emails(client, seeded.admin, {**params, "fields": "email", "sort": "email"}) == (
        expected
    )


async def test_sort_descending_and_on_several_fields(
    client: httpx.AsyncClient, seeded: Seeded
) -> None:
    assert await emails(client, seeded.admin, {"sort": "-email"}) == ALL_EMAILS[::-1]
    assert await emails(client, seeded.admin, [("sort[]", "-email")]) == ALL_EMAILS[::-1]
    assert await emails(client, seeded.admin, {"sort": "status,-first_name"}) == [
        CAROL,
        BOB,
        ALICE,
        ADMIN_EMAIL,
    ]


async def test_limit_offset_and_page(client: httpx.AsyncClient, seeded: Seeded) -> None:
    base = {"fields": "email", "sort": "email"}
    assert await emails(client, seeded.admin, {**base, "limit": "2"}) == ALL_EMAILS[:2]
    assert (
        await emails(client, seeded.admin, {**base, "limit": "2", "offset": "1"})
        == (ALL_EMAILS[1:3])
    )
    assert (
        await emails(client, seeded.admin, {**base, "limit": "2", "page": "2"}) == (ALL_EMAILS[2:4])
    )
    assert await emails(client, seeded.admin, {**base, "limit": "-1"}) == ALL_EMAILS
    assert await emails(client, seeded.admin, {**base, "limit": "0"}) == []


@pytest.mark.parametrize(
    ("search", "expected"),
    [("bob", [BOB]), ("BAKER", [BOB]), ("example.com", ALL_EMAILS), ("argon2", []), ("zz", [])],
)
async def test_search_is_a_case_insensitive_contains(
    client: httpx.AsyncClient, seeded: Seeded, search: str, expected: list[str]
) -> None:
    params = {"search": search, "fields": "email", "sort": "email"}
    assert await emails(client, seeded.admin, params) == expected


async def test_meta_counts_travel_next_to_data(client: httpx.AsyncClient, seeded: Seeded) -> None:
    params = {
        "fields": "email",
        "filter[first_name][_eq]": "Bob",
        "meta": "total_count,filter_count",
    }
    response = await get_users(client, seeded.admin, params)
    assert response.status_code == 200
    assert response.json() == {
        "data": [{"email": BOB}],
        "meta": {"total_count": 4, "filter_count": 1},
    }
    star = await get_users(client, seeded.admin, {**params, "meta": "*"})
    assert star.json()["meta"] == {"total_count": 4, "filter_count": 1}
    total = await get_users(client, seeded.admin, {**params, "meta": "total_count"})
    assert total.json() == {"data": [{"email": BOB}], "meta": {"total_count": 4}}
    counted = await get_users(client, seeded.admin, {"search": "bob", "meta": "filter_count"})
    assert counted.json()["meta"] == {"filter_count": 1}


async def test_meta_counts_only_the_rows_the_caller_may_read(
    client: httpx.AsyncClient, seeded: Seeded
) -> None:
    response = await get_users(client, seeded.alice, {"fields": "email", "meta": "*"})
    assert response.json() == {
        "data": [{"email": ALICE}],
        "meta": {"total_count": 1, "filter_count": 1},
    }


@pytest.mark.parametrize(
    "params",
    [
        {"limit": "abc"},
        {"limit": "1.5"},
        {"offset": "x"},
        {"page": "first"},
        {"filter": "not-json"},
        {"filter": "[1, 2]"},
        {"filter": '{"email": {"_eq": "a"}'},
        {"filter[email][_bogus]": "x"},
        {"filter[password][_eq]": "x"},
        {"fields": "nope"},
        {"fields": "role.nope"},
    ],
)
async def test_bad_query_values_are_400_invalid_query(
    client: httpx.AsyncClient, seeded: Seeded, params: dict[str, str]
) -> None:
    response = await get_users(client, seeded.admin, params)
    assert_error(response, 400, "INVALID_QUERY")
    assert response.json()["errors"][0]["message"].startswith("Invalid query.")


@pytest.mark.parametrize(
    ("params", "field", "collection"),
    [
        ({"sort": "nope"}, "nope", "directus_users"),
        ({"sort": "-role.nope"}, "nope", "directus_roles"),
        ({"filter[nope][_eq]": "x"}, "nope", "directus_users"),
        ({"filter": '{"role": {"nope": {"_eq": "x"}}}'}, "nope", "directus_roles"),
    ],
)
async def test_unknown_sort_or_filter_fields_are_403_forbidden(
    client: httpx.AsyncClient, seeded: Seeded, params: dict[str, str], field: str, collection: str
) -> None:
    """As Directus, naming the field and the collection it was looked up in."""
    response = await get_users(client, seeded.admin, params)
    assert response.status_code == 403
    reason = (
        f'You don\'t have permission to access field "{field}" in collection "{collection}" '
        "or it does not exist."
    )
    assert response.json() == error("FORBIDDEN", reason)


async def test_sorting_by_a_field_an_app_user_may_not_read_is_403_forbidden(
    client: httpx.AsyncClient, seeded: Seeded
) -> None:
    response = await get_users(client, seeded.alice, {"sort": "external_identifier"})
    assert response.status_code == 403
    assert response.json() == error(
        "FORBIDDEN",
        'You don\'t have permission to access field "external_identifier" in collection '
        '"directus_users" or it does not exist.',
    )


# SEARCH -----------------------------------------------------------------------------------


async def search(client: httpx.AsyncClient, token: str | None, body: Any) -> httpx.Response:
    headers = bearer(token) if token else {}
    return await client.request("SEARCH", "/users", json=body, headers=headers)


async def test_search_method_takes_the_query_in_the_body(
    client: httpx.AsyncClient, seeded: Seeded
) -> None:
    response = await search(
        client,
        seeded.admin,
        {
            "query": {
                "fields": ["email", "role.name"],
                "filter": {"email": {"_in": [ALICE, BOB, CAROL]}},
                "sort": ["-email"],
                "limit": 2,
                "meta": ["total_count", "filter_count"],
            }
        },
    )
    assert response.status_code == 200, response.text
    assert response.json() == {
        "data": [
            {"email": CAROL, "role": {"name": f"role-for-{CAROL}"}},
            {"email": BOB, "role": {"name": f"role-for-{BOB}"}},
        ],
        "meta": {"total_count": 4, "filter_count": 3},
    }


async def test_search_method_with_search_offset_and_page(
    client: httpx.AsyncClient, seeded: Seeded
) -> None:
    found = await search(client, seeded.admin, {"query": {"fields": ["email"], "search": "cooper"}})
    assert found.json() == {"data": [{"email": CAROL}]}
    paged = await search(
        client,
        seeded.admin,
        {"query": {"fields": ["email"], "sort": ["email"], "limit": 1, "page": 3}},
    )
    assert paged.json() == {"data": [{"email": BOB}]}
    skipped = await search(
        client,
        seeded.admin,
        {"query": {"fields": ["email"], "sort": ["email"], "limit": 1, "offset": 3}},
    )
    assert skipped.json() == {"data": [{"email": CAROL}]}


async def test_search_method_takes_directus_string_forms(
    client: httpx.AsyncClient, seeded: Seeded
) -> None:
    """Directus's query object also takes comma strings: fields "a,b", sort "-a", meta "x"."""
    response = await search(
        client,
        seeded.admin,
        {
            "query": {
                "fields": "email,first_name",
                "sort": "-email",
                "filter": {"email": {"_neq": ADMIN_EMAIL}},
                "meta": "total_count",
            }
        },
    )
    assert response.status_code == 200, response.text
    assert response.json() == {
        "data": [
            {"email": CAROL, "first_name": "Carol"},
            {"email": BOB, "first_name": "Bob"},
            {"email": ALICE, "first_name": "Alice"},
        ],
        "meta": {"total_count": 4},
    }


async def test_search_method_without_a_body_lists_everything(
    client: httpx.AsyncClient, seeded: Seeded
) -> None:
    response = await client.request("SEARCH", "/users", headers=bearer(seeded.admin))
    assert response.status_code == 200
    assert len(response.json()["data"]) == 4


async def test_search_method_is_forbidden_to_the_public(
    client: httpx.AsyncClient, seeded: Seeded
) -> None:
    response = await search(client, None, {"query": {"fields": ["email"]}})
    assert response.status_code == 403
    assert response.json() == FORBIDDEN


@pytest.mark.parametrize(
    "body",
    [{"query": "email"}, {"query": {"limit": "abc"}}, {"query": {"filter": {"email": {"_x": 1}}}}],
    ids=["query-not-object", "limit-not-number", "unknown-operator"],
)
async def test_search_method_with_a_bad_query_is_invalid_query(
    client: httpx.AsyncClient, seeded: Seeded, body: Any
) -> None:
    assert_error(await search(client, seeded.admin, body), 400, "INVALID_QUERY")


# One user -----------------------------------------------------------------------------------


async def test_read_one_user(client: httpx.AsyncClient, seeded: Seeded) -> None:
    bob = seeded.ids[BOB]
    response = await client.get(
        f"/users/{bob}", params={"fields": "id,email,role.name"}, headers=bearer(seeded.admin)
    )
    assert response.status_code == 200
    assert response.json() == {
        "data": {"id": bob, "email": BOB, "role": {"name": f"role-for-{BOB}"}}
    }
    whole = await client.get(f"/users/{bob}", headers=bearer(seeded.admin))
    assert set(whole.json()["data"]) == USER_FIELDS


# A random id (named, so that every pytest-xdist worker collects the same test ids)
@pytest.mark.parametrize("user_id", [pytest.param(new_id(), id="random-uuid"), "not-a-uuid", "1"])
async def test_an_unknown_id_is_403_forbidden(
    client: httpx.AsyncClient, seeded: Seeded, user_id: str
) -> None:
    headers = bearer(seeded.admin)
    for response in (
        await client.get(f"/users/{user_id}", headers=headers),
        await client.patch(f"/users/{user_id}", json={"title": "CTO"}, headers=headers),
    ):
        assert response.status_code == 403, response.request.method
        assert response.json() == FORBIDDEN
    # As Directus: deleting what is not there is done already.
    assert_no_content(await client.delete(f"/users/{user_id}", headers=headers))
    assert await emails(client, seeded.admin, {"sort": "email"}) == ALL_EMAILS


# Create -------------------------------------------------------------------------------------


async def test_create_one_user_answers_the_object(
    client: httpx.AsyncClient, seeded: Seeded, services: Services
) -> None:
    role_id = new_id()
    await create_role(services, role_id, "Writers")
    response = await client.post(
        "/users",
        params={"fields": "email,status,role,password,first_name"},
        json={"email": "new@example.com", "password": "new-password-1", "role": role_id},
        headers=bearer(seeded.admin),
    )
    assert response.status_code == 200, response.text
    assert response.json() == {
        "data": {
            "email": "new@example.com",
            "status": "active",
            "role": role_id,
            "password": "**********",
            "first_name": None,
        }
    }
    assert (await rest_login(client, "new@example.com", "new-password-1"))["access_token"]


async def test_create_one_user_answers_every_field_by_default(
    client: httpx.AsyncClient, seeded: Seeded
) -> None:
    response = await client.post(
        "/users", json={"email": "whole@example.com"}, headers=bearer(seeded.admin)
    )
    assert response.status_code == 200, response.text
    data = response.json()["data"]
    assert set(data) == USER_FIELDS
    assert data["email"] == "whole@example.com"
    assert data["password"] is None


async def test_create_a_list_answers_a_list_in_order(
    client: httpx.AsyncClient, seeded: Seeded
) -> None:
    response = await client.post(
        "/users",
        params={"fields": "email,first_name"},
        json=[
            {"email": "one@example.com", "password": "one-password-1", "first_name": "One"},
            {"email": "two@example.com", "password": "two-password-2", "first_name": "Two"},
        ],
        headers=bearer(seeded.admin),
    )
    assert response.status_code == 200, response.text
    assert response.json() == {
        "data": [
            {"email": "one@example.com", "first_name": "One"},
            {"email": "two@example.com", "first_name": "Two"},
        ]
    }
    single = await client.post(
        "/users",
        params={"fields": "email"},
        json=[{"email": "three@example.com"}],
        headers=bearer(seeded.admin),
    )
    assert single.json() == {"data": [{"email": "three@example.com"}]}


@pytest.mark.parametrize("email", [ALICE, ALICE.upper(), "Alice@Example.com"])
async def test_a_duplicate_email_is_400_record_not_unique(
    client: httpx.AsyncClient, seeded: Seeded, email: str
) -> None:
    response = await client.post(
        "/users", json={"email": email, "password": PASSWORD}, headers=bearer(seeded.admin)
    )
    assert response.status_code == 400
    assert response.json() == not_unique(email)


@pytest.mark.parametrize("email", ["not-an-email", "a@", "@example.com", "a b@example.com", 42])
async def test_an_invalid_email_is_400_failed_validation(
    client: httpx.AsyncClient, seeded: Seeded, email: Any
) -> None:
    response = await client.post(
        "/users", json={"email": email, "password": PASSWORD}, headers=bearer(seeded.admin)
    )
    assert response.status_code == 400
    assert response.json() == INVALID_EMAIL


async def test_a_list_with_one_bad_item_creates_nothing(
    client: httpx.AsyncClient, seeded: Seeded
) -> None:
    response = await client.post(
        "/users",
        json=[{"email": "fresh@example.com"}, {"email": BOB}],
        headers=bearer(seeded.admin),
    )
    assert response.status_code == 400
    assert response.json() == not_unique(BOB)
    assert await emails(client, seeded.admin, {"filter[email][_eq]": "fresh@example.com"}) == []


@pytest.mark.parametrize("body", [b'{"email": ', b"[{]", b"email=a"])
async def test_a_malformed_json_body_is_400_invalid_payload(
    client: httpx.AsyncClient, seeded: Seeded, body: bytes
) -> None:
    headers = {**bearer(seeded.admin), "Content-Type": "application/json"}
    for method in ("POST", "PATCH", "DELETE"):
        response = await client.request(method, "/users", content=body, headers=headers)
        assert_error(response, 400, "INVALID_PAYLOAD")
    response = await client.patch(f"/users/{seeded.ids[BOB]}", content=body, headers=headers)
    assert_error(response, 400, "INVALID_PAYLOAD")


@pytest.mark.parametrize("body", ['"alice"', "42", "[1, 2]", '["a@example.com"]'])
async def test_a_create_body_that_is_not_users_is_400_invalid_payload(
    client: httpx.AsyncClient, seeded: Seeded, body: str
) -> None:
    response = await client.post(
        "/users",
        content=body.encode(),
        headers={**bearer(seeded.admin), "Content-Type": "application/json"},
    )
    assert_error(response, 400, "INVALID_PAYLOAD")


# Update -------------------------------------------------------------------------------------


async def test_update_many_with_keys_and_data(client: httpx.AsyncClient, seeded: Seeded) -> None:
    keys = [seeded.ids[BOB], seeded.ids[ALICE]]
    response = await client.patch(
        "/users",
        params={"fields": "email,title"},
        json={"keys": keys, "data": {"title": "CTO"}},
        headers=bearer(seeded.admin),
    )
    assert response.status_code == 200, response.text
    assert response.json() == {
        "data": [{"email": BOB, "title": "CTO"}, {"email": ALICE, "title": "CTO"}]
    }
    assert await emails(client, seeded.admin, {"filter[title][_eq]": "CTO", "sort": "email"}) == [
        ALICE,
        BOB,
    ]


async def test_update_many_skips_an_unknown_key(client: httpx.AsyncClient, seeded: Seeded) -> None:
    response = await client.patch(
        "/users",
        params={"fields": "email,title"},
        json={"keys": [seeded.ids[BOB], new_id()], "data": {"title": "CTO"}},
        headers=bearer(seeded.admin),
    )
    assert response.status_code == 200, response.text
    assert response.json() == {"data": [{"email": BOB, "title": "CTO"}]}
    assert await emails(client, seeded.admin, {"filter[title][_eq]": "CTO"}) == [BOB]


async def test_update_a_batch_of_items_carrying_their_ids(
    client: httpx.AsyncClient, seeded: Seeded
) -> None:
    response = await client.patch(
        "/users",
        params={"fields": "id,title"},
        json=[
            {"id": seeded.ids[ALICE], "title": "Editor"},
            {"id": seeded.ids[CAROL], "title": "Reviewer"},
        ],
        headers=bearer(seeded.admin),
    )
    assert response.status_code == 200, response.text
    assert response.json() == {
        "data": [
            {"id": seeded.ids[ALICE], "title": "Editor"},
            {"id": seeded.ids[CAROL], "title": "Reviewer"},
        ]
    }


async def test_a_batch_update_with_one_bad_item_changes_nothing(
    client: httpx.AsyncClient, seeded: Seeded
) -> None:
    response = await client.patch(
        "/users",
        json=[
            {"id": seeded.ids[ALICE], "title": "Editor"},
            {"id": seeded.ids[CAROL], "email": BOB},
        ],
        headers=bearer(seeded.admin),
    )
    assert response.status_code == 400
    assert response.json() == not_unique(BOB)
    assert await emails(client, seeded.admin, {"filter": '{"title": {"_nnull": true}}'}) == []


@pytest.mark.parametrize(
    "body",
    [
        {"keys": ["x"]},
        {"keys": "x", "data": {"title": "a"}},
        {"data": {"title": "a"}},
        [{"title": "no id"}],
        "text",
        7,
        None,
    ],
)
async def test_an_update_many_body_without_keys_and_data_is_invalid_payload(
    client: httpx.AsyncClient, seeded: Seeded, body: Any
) -> None:
    response = await client.patch("/users", json=body, headers=bearer(seeded.admin))
    assert_error(response, 400, "INVALID_PAYLOAD")


async def test_update_one_user(client: httpx.AsyncClient, seeded: Seeded) -> None:
    bob = seeded.ids[BOB]
    response = await client.patch(
        f"/users/{bob}",
        params={"fields": "id,title,first_name"},
        json={"title": "CTO", "first_name": "Robert"},
        headers=bearer(seeded.admin),
    )
    assert response.status_code == 200, response.text
    assert response.json() == {"data": {"id": bob, "title": "CTO", "first_name": "Robert"}}
    whole = await client.patch(f"/users/{bob}", json={"title": "CEO"}, headers=bearer(seeded.admin))
    assert set(whole.json()["data"]) == USER_FIELDS
    assert whole.json()["data"]["title"] == "CEO"


async def test_update_one_user_to_a_taken_or_bad_email(
    client: httpx.AsyncClient, seeded: Seeded
) -> None:
    path = f"/users/{seeded.ids[BOB]}"
    taken = await client.patch(path, json={"email": ALICE}, headers=bearer(seeded.admin))
    assert taken.status_code == 400
    assert taken.json() == not_unique(ALICE)
    bad = await client.patch(path, json={"email": "nope"}, headers=bearer(seeded.admin))
    assert bad.status_code == 400
    assert bad.json() == INVALID_EMAIL


async def test_a_changed_password_works_at_login(client: httpx.AsyncClient, seeded: Seeded) -> None:
    response = await client.patch(
        f"/users/{seeded.ids[BOB]}",
        params={"fields": "password"},
        json={"password": "bob-new-password-2"},
        headers=bearer(seeded.admin),
    )
    assert response.json() == {"data": {"password": "**********"}}
    assert (await rest_login(client, BOB, "bob-new-password-2"))["access_token"]


async def test_the_last_admin_cannot_be_demoted_or_suspended(
    client: httpx.AsyncClient, seeded: Seeded
) -> None:
    path = f"/users/{seeded.ids[ADMIN_EMAIL]}"
    for change in ({"status": "suspended"}, {"role": seeded.roles[ALICE]}, {"role": None}):
        response = await client.patch(path, json=change, headers=bearer(seeded.admin))
        assert response.status_code == 422, change
        assert response.json() == LAST_ADMIN


# Delete -------------------------------------------------------------------------------------


async def test_delete_many_with_a_list_of_ids(client: httpx.AsyncClient, seeded: Seeded) -> None:
    response = await client.request(
        "DELETE",
        "/users",
        json=[seeded.ids[ALICE], seeded.ids[BOB]],
        headers=bearer(seeded.admin),
    )
    assert_no_content(response)
    assert await emails(client, seeded.admin, {"sort": "email"}) == [ADMIN_EMAIL, CAROL]


async def test_delete_many_with_keys(client: httpx.AsyncClient, seeded: Seeded) -> None:
    response = await client.request(
        "DELETE", "/users", json={"keys": [seeded.ids[CAROL]]}, headers=bearer(seeded.admin)
    )
    assert_no_content(response)
    assert await emails(client, seeded.admin, {"sort": "email"}) == [ADMIN_EMAIL, ALICE, BOB]


async def test_delete_one(client: httpx.AsyncClient, seeded: Seeded) -> None:
    bob = seeded.ids[BOB]
    assert_no_content(await client.delete(f"/users/{bob}", headers=bearer(seeded.admin)))
    gone = await client.get(f"/users/{bob}", headers=bearer(seeded.admin))
    assert gone.status_code == 403
    assert gone.json() == FORBIDDEN
    # The deleted user's static token stops working at once.
    stale = await client.get("/users/me", headers=bearer("bob-static-token-0123456789"))
    assert stale.status_code == 401


async def test_delete_many_with_an_unknown_id_deletes_the_others(
    client: httpx.AsyncClient, seeded: Seeded
) -> None:
    response = await client.request(
        "DELETE", "/users", json=[seeded.ids[ALICE], new_id()], headers=bearer(seeded.admin)
    )
    assert_no_content(response)
    assert await emails(client, seeded.admin, {"sort": "email"}) == [ADMIN_EMAIL, BOB, CAROL]


async def test_delete_many_with_an_unknown_id_still_needs_every_row_allowed(
    client: httpx.AsyncClient, seeded: Seeded
) -> None:
    """Alice may delete no one: an unknown id beside bob's does not change that."""
    response = await client.request(
        "DELETE",
        "/users",
        json={"keys": [new_id(), seeded.ids[BOB]]},
        headers=bearer(seeded.alice),
    )
    assert response.status_code == 403
    assert response.json() == FORBIDDEN
    assert await emails(client, seeded.admin, {"sort": "email"}) == ALL_EMAILS


@pytest.mark.parametrize(
    "body",
    [{}, {"keys": "x"}, {"keys": [1]}, "x", None],
    ids=["empty-object", "keys-not-list", "keys-not-ids", "json-string", "no-body"],
)
async def test_a_delete_many_body_without_keys_is_invalid_payload(
    client: httpx.AsyncClient, seeded: Seeded, body: Any
) -> None:
    response = await client.request("DELETE", "/users", json=body, headers=bearer(seeded.admin))
    assert_error(response, 400, "INVALID_PAYLOAD")


async def test_the_last_admin_cannot_be_deleted(client: httpx.AsyncClient, seeded: Seeded) -> None:
    admin_id = seeded.ids[ADMIN_EMAIL]
    one = await client.delete(f"/users/{admin_id}", headers=bearer(seeded.admin))
    assert one.status_code == 422
    assert one.json() == LAST_ADMIN
    many = await client.request(
        "DELETE", "/users", json=[seeded.ids[ALICE], admin_id], headers=bearer(seeded.admin)
    )
    assert many.status_code == 422
    assert many.json() == LAST_ADMIN
    assert ALICE in await emails(client, seeded.admin, {})


# Who may do what ------------------------------------------------------------------------------


async def test_the_public_may_not_touch_users(client: httpx.AsyncClient, seeded: Seeded) -> None:
    bob = seeded.ids[BOB]
    for response in (
        await client.get("/users"),
        await client.get(f"/users/{bob}"),
        await client.post("/users", json={"email": "anon@example.com"}),
        await client.patch("/users", json={"keys": [bob], "data": {"title": "x"}}),
        await client.patch(f"/users/{bob}", json={"title": "x"}),
        await client.request("DELETE", "/users", json=[bob]),
        await client.delete(f"/users/{bob}"),
        await client.post("/users/invite", json={"email": "x@example.com", "role": bob}),
    ):
        assert response.status_code == 403, (response.request.method, response.request.url)
        assert response.json() == FORBIDDEN
    assert BOB in await emails(client, seeded.admin, {})


async def test_an_app_user_lists_and_reads_only_itself(
    client: httpx.AsyncClient, seeded: Seeded
) -> None:
    listed = await get_users(client, seeded.alice, {"fields": "email,role.name"})
    assert listed.json() == {"data": [{"email": ALICE, "role": {"name": f"role-for-{ALICE}"}}]}
    own = await client.get(
        f"/users/{seeded.ids[ALICE]}", params={"fields": "email"}, headers=bearer(seeded.alice)
    )
    assert own.json() == {"data": {"email": ALICE}}
    other = await client.get(f"/users/{seeded.ids[BOB]}", headers=bearer(seeded.alice))
    assert other.status_code == 403
    assert other.json() == FORBIDDEN
    nobody = await get_users(client, seeded.alice, {"filter[email][_eq]": BOB})
    assert nobody.json()["data"] == []


async def test_an_app_user_may_not_write_other_users(
    client: httpx.AsyncClient, seeded: Seeded
) -> None:
    bob = seeded.ids[BOB]
    headers = bearer(seeded.alice)
    # Titles: given on her own record only, so refused by name on Bob's (as Directus).
    title = error("FORBIDDEN", write_refused("update", "title"))
    for response, expected in (
        (await client.post("/users", json={"email": "mine@example.com"}, headers=headers), None),
        (await client.post("/users", json=[{"email": "mine@example.com"}], headers=headers), None),
        (await client.patch(f"/users/{bob}", json={"title": "x"}, headers=headers), title),
        (
            await client.patch(
                "/users", json={"keys": [bob], "data": {"title": "x"}}, headers=headers
            ),
            title,
        ),
        (await client.patch("/users", json=[{"id": bob, "title": "x"}], headers=headers), title),
        (await client.delete(f"/users/{bob}", headers=headers), None),
        (await client.request("DELETE", "/users", json=[bob], headers=headers), None),
        (await client.request("DELETE", "/users", json={"keys": [bob]}, headers=headers), None),
    ):
        assert response.status_code == 403, (response.request.method, response.request.url)
        assert response.json() == (expected or FORBIDDEN)
    after = await client.get(
        f"/users/{bob}", params={"fields": "title"}, headers=bearer(seeded.admin)
    )
    assert after.json() == {"data": {"title": None}}


async def test_an_app_user_may_not_raise_its_own_role(
    client: httpx.AsyncClient, seeded: Seeded
) -> None:
    alice = seeded.ids[ALICE]
    response = await client.patch(
        f"/users/{alice}", json={"role": seeded.roles[ADMIN_EMAIL]}, headers=bearer(seeded.alice)
    )
    assert response.status_code == 403
    assert response.json() == error("FORBIDDEN", write_refused("update", "role"))
