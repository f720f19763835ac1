"""Hostile input is refused with a code (4xx), never INTERNAL_SERVER_ERROR, and changes
nothing: on GraphQL and the REST twin, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from app.db.models import User
from app.services.container import Services
from tests.conftest import ADMIN_EMAIL, create_user, login

USERS = """query($f: directus_users_filter, $s: String) {
  users(filter: $f, search: $s) { id }
}"""
AGGREGATED = """query($f: directus_users_filter) {
  users_aggregated(filter: $f) { countAll }
}"""
ME_TAGS = "mutation($t: JSON) { update_users_me(data: {tags: $t}) { id } }"
ME_NAME = "mutation($n: String) { update_users_me(data: {first_name: $n}) { id } }"
CREATE = "mutation($d: create_directus_users_input!) { create_users_item(data: $d) { id } }"

INPUT_CODES = {"INVALID_PAYLOAD", "GRAPHQL_VALIDATION", "INVALID_QUERY", "FAILED_VALIDATION"}


def nested(depth: int, leaf: str) -> str:
    """JSON text nested `depth` levels deep (json.dumps itself would overflow)."""
    return '{"_and":[' * depth + leaf + "]}" * depth


def deep_list(depth: int) -> str:
    return "[" * depth + "1" + "]" * depth


async def post_raw(client: httpx.AsyncClient, body: bytes | str, token: str) -> httpx.Response:
    return await client.post(
        "/graphql/system",
        content=body,
        headers={"content-type": "application/json", "Authorization": f"Bearer {token}"},
    )


async def post(
    client: httpx.AsyncClient, query: str, variables: dict[str, Any], token: str
) -> httpx.Response:
    return await post_raw(client, json.dumps({"query": query, "variables": variables}), token)


def codes_of(response: httpx.Response) -> list[str]:
    return [error["extensions"]["code"] for error in response.json().get("errors", [])]


def assert_refused(response: httpx.Response, *codes: str) -> None:
    """A 4xx (or GraphQL's 200 with only coded input errors), never a 5xx."""
    assert response.status_code < 500, response.text
    found = codes_of(response)
    assert found, response.text
    assert set(found) <= (set(codes) or INPUT_CODES), response.text


@pytest.fixture
async def admin(client: httpx.AsyncClient) -> str:
    token: str = (await login(client))["access_token"]
    return token


async def admin_row(services: Services) -> dict[str, Any]:
    async with services.db.read() as session:
        from app.repositories import users as users_repo

        user = await users_repo.get_by_email(session, ADMIN_EMAIL)
    assert isinstance(user, User)
    return user.model_dump()


# Bodies -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "body",
    [
        pytest.param(
            '{"query": "' + USERS.replace("\n", " ") + '", "variables": {"f": '
            f"{nested(1000, '{}')}}}}}",
            id="variables-1000-deep",
        ),
        pytest.param(
            '{"query": "' + ME_TAGS + f'", "variables": {{"t": {deep_list(1000)}}}}}',
            id="tags-1000-deep",
        ),
        pytest.param(
            '{"query": "' + ME_TAGS + f'", "variables": {{"t": {deep_list(500)}}}}}',
            id="tags-500-deep",
        ),
        pytest.param(
            b'{"query": "{ users_me { id } }", "variables": {"a": "\xff\xfe"}}', id="bad-utf8"
        ),
        pytest.param(
            '{"query": "query($l: Int) { users(limit: $l) { id } }", "variables": {"l": '
            + "9" * 5000
            + "}}",
            id="5000-digits",
        ),
    ],
)
async def test_hostile_graphql_bodies_are_invalid_payload(
    client: httpx.AsyncClient, services: Services, admin: str, body: str | bytes
) -> None:
    before = await admin_row(services)
    response = await post_raw(client, body, admin)
    assert response.status_code == 400, response.text
    assert codes_of(response) == ["INVALID_PAYLOAD"]
    assert await admin_row(services) == before


async def test_deep_json_through_get_variables_is_invalid_payload(
    client: httpx.AsyncClient, admin: str
) -> None:
    response = await client.get(
        "/graphql/system",
        params={"query": USERS, "variables": '{"f": ' + nested(900, "{}") + "}"},
        headers={"Authorization": f"Bearer {admin}"},
    )
    assert response.status_code == 400, response.text
    assert codes_of(response) == ["INVALID_PAYLOAD"]


@pytest.mark.parametrize(
    ("body", "code"),
    [
        pytest.param(b'{"tags": ' + deep_list(1000).encode() + b"}", "INVALID_PAYLOAD", id="deep"),
        pytest.param(b'{"tags": ' + deep_list(100).encode() + b"}", "INVALID_PAYLOAD", id="100"),
        pytest.param(b'{"first_name": "\xff"}', "INVALID_PAYLOAD", id="bad-utf8"),
        pytest.param(b'{"first_name": ' + b"9" * 5000 + b"}", "INVALID_PAYLOAD", id="digits"),
        pytest.param(b'{"first_name": "\\ud800"}', "FAILED_VALIDATION", id="surrogate"),
        pytest.param(b'{"first_name": "a\\u0000b"}', "FAILED_VALIDATION", id="nul"),
        pytest.param(b'{"tags": ["\\ud800"]}', "FAILED_VALIDATION", id="tags-surrogate"),
        pytest.param(b'{"tags": ["a\\u0000"]}', "FAILED_VALIDATION", id="tags-nul"),
        pytest.param(b'{"tags": [NaN]}', "FAILED_VALIDATION", id="tags-nan"),
        pytest.param(
            b'{"last_access": "0001-01-01T00:00:00+05:00"}', "FAILED_VALIDATION", id="year-0"
        ),
    ],
)
async def test_hostile_rest_writes_are_refused_and_change_nothing(
    client: httpx.AsyncClient, services: Services, admin: str, body: bytes, code: str
) -> None:
    before = await admin_row(services)
    response = await client.patch(
        "/users/me",
        content=body,
        headers={"content-type": "application/json", "Authorization": f"Bearer {admin}"},
    )
    assert response.status_code == 400, response.text
    assert codes_of(response) == [code]
    assert await admin_row(services) == before


@pytest.mark.parametrize(
    ("query", "variables", "field"),
    [
        pytest.param(ME_NAME, {"n": "\ud800"}, "first_name", id="surrogate"),
        pytest.param(ME_NAME, {"n": "a\x00b"}, "first_name", id="nul"),
        pytest.param(ME_TAGS, {"t": ["\ud800"]}, "tags", id="tags-surrogate"),
        pytest.param(ME_TAGS, {"t": {"k\x00": 1}}, "tags", id="tags-nul-key"),
    ],
)
async def test_unstorable_text_in_graphql_writes_fails_validation(
    client: httpx.AsyncClient,
    services: Services,
    admin: str,
    query: str,
    variables: dict[str, Any],
    field: str,
) -> None:
    before = await admin_row(services)
    response = await post(client, query, variables, admin)
    assert_refused(response, "FAILED_VALIDATION")
    assert field in response.json()["errors"][0]["message"]
    assert await admin_row(services) == before


async def test_a_tags_literal_nested_too_deeply_fails_validation(
    client: httpx.AsyncClient, services: Services, admin: str
) -> None:
    """Document literals are bounded by the parser (200 levels); JSON fields by
    MAX_JSON_DEPTH (64)."""
    before = await admin_row(services)
    document = f"mutation {{ update_users_me(data: {{tags: {deep_list(150)}}}) {{ id }} }}"
    response = await post(client, document, {}, admin)
    assert_refused(response, "FAILED_VALIDATION")
    assert await admin_row(services) == before


async def test_unstorable_text_in_a_created_user_creates_nothing(
    client: httpx.AsyncClient, services: Services, admin: str
) -> None:
    for data in (
        {"email": "a\x00@example.com", "password": "pass-word-1"},
        {"email": "\ud800@example.com", "password": "pass-word-1"},
        {"email": "ok@example.com", "password": "pass-word-1", "title": "a\x00"},
    ):
        response = await post(client, CREATE, {"d": data}, admin)
        assert_refused(response, "FAILED_VALIDATION")
    async with services.db.read() as session:
        from app.repositories import users as users_repo

        assert await users_repo.count(session) == 1


# Filters ----------------------------------------------------------------------------------

REFUSED_FILTERS = [
    pytest.param({"last_access": {"_gt": "$NOW(-100000 years)"}}, id="now-years"),
    pytest.param({"last_access": {"_gt": "$NOW(+999999999999 days)"}}, id="now-days"),
    pytest.param({"last_access": {"_gt": "$NOW(" + "9" * 5000 + " days)"}}, id="now-digits"),
    pytest.param({"last_access": {"_gt": "0001-01-01T00:00:00+05:00"}}, id="date-before-1"),
    pytest.param({"last_access": {"_lt": "9999-12-31T23:59:59-05:00"}}, id="date-after-9999"),
    pytest.param({"email": {"_eq": "\ud800"}}, id="surrogate"),
    pytest.param({"email": {"_in": ["a", "\udfff"]}}, id="surrogate-in"),
    pytest.param({"email": {"_eq": "a\x00b"}}, id="nul"),
    pytest.param({"email": {"_contains": "a" * 60_000}}, id="like-too-complex"),
    pytest.param({"role": {"users_func": {"count": {"_gt": 2**70}}}}, id="count-int64"),
    pytest.param({"last_access_func": {"year": {"_eq": "1e400"}}}, id="year-infinite"),
    pytest.param({"last_access_func": {"year": {"_eq": "nan"}}}, id="year-nan"),
    pytest.param({"email": {"_in": [f"x{n}" for n in range(40_000)]}}, id="in-40000"),
    pytest.param({"_or": [{"email": {"_eq": f"x{n}"}} for n in range(1500)]}, id="or-1500"),
    # Past FILTER_MAX_DEPTH (12) and within MAX_JSON_DEPTH (64: deeper is INVALID_PAYLOAD).
    pytest.param(json.loads(nested(20, '{"email":{"_eq":"a"}}')), id="and-20-deep"),
]


@pytest.mark.parametrize("condition", REFUSED_FILTERS)
async def test_hostile_filters_are_invalid_query(
    client: httpx.AsyncClient, admin: str, condition: dict[str, Any]
) -> None:
    for query in (USERS, AGGREGATED):
        response = await post(client, query, {"f": condition}, admin)
        assert response.status_code == 200, response.text
        assert codes_of(response) == ["INVALID_QUERY"], response.text
    headers = {"Authorization": f"Bearer {admin}"}
    text = json.dumps(condition)
    if len(text) < 20_000:  # past that, too long for a URL: SEARCH carries it in the body
        get = await client.get("/users", params={"filter": text}, headers=headers)
        assert get.status_code == 400, get.text
        assert codes_of(get) == ["INVALID_QUERY"]
    search = await client.request(
        "SEARCH",
        "/users",
        content=json.dumps({"query": {"filter": condition}}),
        headers={**headers, "content-type": "application/json"},
    )
    assert search.status_code == 400, search.text
    assert codes_of(search) == ["INVALID_QUERY"]


@pytest.mark.parametrize("search", [pytest.param("\ud800", id="surrogate"), "a\x00b", "a" * 60_000])
async def test_hostile_search_is_invalid_query(
    client: httpx.AsyncClient, admin: str, search: str
) -> None:
    response = await post(client, USERS, {"s": search}, admin)
    assert codes_of(response) == ["INVALID_QUERY"], response.text


@pytest.mark.parametrize(
    "params",
    [
        {"filter": '{"avatar": {"width": {"_eq": 3000000000}}}'},
        {"filter": '{"avatar": {"filesize": {"_eq": 18446744073709551616}}}'},
        {"filter": nested(1000, "{}")},
        {"filter": '{"email": {"_eq": ' + "9" * 5000 + "}}"},
        {"filter" + "[_and][0]" * 100 + "[email][_eq]": "a"},
        {"search": "a\x00"},
        {"limit": "9" * 30},
        {"offset": "9" * 30},
        {"page": "9" * 30, "limit": "10"},
    ],
    ids=[
        "int32",
        "int64",
        "deep",
        "digits",
        "brackets",
        "search-nul",
        "limit",
        "offset",
        "page",
    ],
)
async def test_hostile_rest_query_parameters_are_invalid_query(
    client: httpx.AsyncClient, admin: str, params: dict[str, str]
) -> None:
    response = await client.get(
        "/users", params=params, headers={"Authorization": f"Bearer {admin}"}
    )
    assert response.status_code == 400, response.text
    assert codes_of(response) == ["INVALID_QUERY"]


async def test_filters_at_the_limits_are_served(client: httpx.AsyncClient, admin: str) -> None:
    """The largest filters the defaults allow still run, on both databases (SQLite's
    expression depth and variable count included)."""
    wide_or = {"_or": [{"email": {"_eq": f"x{n}"}} for n in range(330)]}
    wide_in = {"email": {"_in": [f"x{n}@example.com" for n in range(10_000)]}}
    deep = json.loads(nested(10, '{"email":{"_eq":"' + ADMIN_EMAIL + '"}}'))
    long_text = {"email": {"_contains": "%_" * 5000}}
    for condition in (wide_or, wide_in, deep, long_text):
        response = await post(client, USERS, {"f": condition}, admin)
        assert response.status_code == 200, response.text
        assert "errors" not in response.json(), response.text[:500]
    reply = await post(client, USERS, {"f": deep}, admin)
    assert len(reply.json()["data"]["users"]) == 1


async def test_login_with_unstorable_email_is_invalid_credentials(
    client: httpx.AsyncClient,
) -> None:
    for email in ("\ud800@example.com", "a\x00@example.com"):
        response = await client.post(
            "/auth/login",
            content=json.dumps({"email": email, "password": "x"}),
            headers={"content-type": "application/json"},
        )
        assert response.status_code == 401, response.text
        assert codes_of(response) == ["INVALID_CREDENTIALS"]


async def test_another_user_is_served_while_big_filters_are_refused(
    client: httpx.AsyncClient, services: Services, admin: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Four 740 kB `_or` filters (as an attacker sent) are refused before translation,
    while another user's users_me, sent alongside, is answered."""
    import asyncio

    from app.db.query.filters import filter_clause

    translated: list[object] = []

    def counting(*args: Any, **kwargs: Any) -> Any:
        translated.append(args[1])
        return filter_clause(*args, **kwargs)

    monkeypatch.setattr("app.db.query.item_query.filter_clause", counting)
    await create_user(services, "other@example.com", "other-password-1")
    other = (await login(client, "other@example.com", "other-password-1"))["access_token"]
    branches = [{"email": {"_eq": f"user{n}@example.com"}} for n in range(18_000)]
    big = json.dumps({"query": USERS, "variables": {"f": {"_or": branches}}})
    assert 700_000 < len(big) < 1_000_000
    replies = await asyncio.gather(
        *(post_raw(client, big, admin) for _ in range(4)),
        post(client, "{ users_me { email } }", {}, other),
    )
    for reply in replies[:4]:
        assert reply.status_code == 200, reply.text[:300]
        assert codes_of(reply) == ["INVALID_QUERY"], reply.text[:300]
    assert replies[4].json() == {"data": {"users_me": {"email": "other@example.com"}}}
    # Only users_me's permission rule was translated, never the oversized filters.
    assert all(not isinstance(node, dict) or "_or" not in node for node in translated)


async def test_filter_variables_are_refused_before_coercion(
    client: httpx.AsyncClient, admin: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Coercing an oversized filter variable into input objects cost seconds of the event
    loop before the service could refuse it: the raw variable is checked first."""
    from resolvers.types import inputs

    converted: list[object] = []
    original = inputs.to_data

    def counting(value: Any) -> Any:
        converted.append(value)
        return original(value)

    monkeypatch.setattr("resolvers.queries.to_data", counting)
    branches = [{"email": {"_eq": f"user{n}@example.com"}} for n in range(2000)]
    for variables in (
        {"f": {"_or": branches}},
        {"f": {"_and": [{"_or": branches[:600]}, {"_or": branches[600:1200]}]}},
    ):
        response = await post(client, USERS, variables, admin)
        assert "data" not in response.json(), response.text[:300]
        assert codes_of(response) == ["INVALID_QUERY"]
    listed = "query($b: [directus_users_filter]) { users(filter: {_or: $b}) { id } }"
    response = await post(client, listed, {"b": branches}, admin)
    assert codes_of(response) == ["INVALID_QUERY"], response.text[:300]
    operators = "query($o: string_filter_operators) { users(filter: {email: $o}) { id } }"
    response = await post(client, operators, {"o": {"_in": ["x"] * 10_001}}, admin)
    assert codes_of(response) == ["INVALID_QUERY"], response.text[:300]
    assert converted == []


async def test_a_batch_variable_past_the_limit_is_refused_before_coercion(
    client: httpx.AsyncClient, services: Services, admin: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """14,000 create inputs cost a second of coercion before MAX_BATCH_MUTATION refused
    them; the list is measured first, and the answer is the one the service gives."""
    from resolvers.types import inputs

    converted: list[object] = []
    original = inputs.to_data

    def counting(value: Any) -> Any:
        converted.append(value)
        return original(value)

    monkeypatch.setattr("resolvers.users.to_data", counting)
    document = (
        "mutation($d: [create_directus_users_input!]!) { create_users_items(data: $d) { id } }"
    )
    items = [{"email": f"user{n}@example.com"} for n in range(5000)]
    response = await post(client, document, {"d": items}, admin)
    assert response.status_code == 200, response.text[:300]
    assert "data" not in response.json()
    assert codes_of(response) == ["INVALID_PAYLOAD"]
    assert "at most 100 items" in response.json()["errors"][0]["message"]
    assert converted == []
    async with services.db.read() as session:
        from app.repositories import users as users_repo

        assert await users_repo.count(session) == 1


async def test_in_on_a_csv_field_is_served(client: httpx.AsyncClient, admin: str) -> None:
    """Roles' ip_access is stored as JSON and filtered as text: `_in` compared JSON with
    JSON on PostgreSQL, which has no such operator (found by test_filter_fuzz)."""
    for condition in (
        {"role": {"ip_access": {"_in": ["10.0.0.1"]}}},
        {"role": {"_and": [{"ip_access": {"_in": ["x0"]}}]}},
    ):
        response = await post(client, USERS, {"f": condition}, admin)
        assert response.json() == {"data": {"users": []}}, response.text


@pytest.mark.parametrize("field", ["tags", "auth_data"])
async def test_grouping_by_a_json_field_is_invalid_query(
    client: httpx.AsyncClient, admin: str, field: str
) -> None:
    """PostgreSQL has no equality for json: GROUP BY on it was an internal error."""
    document = f'{{ users_aggregated(groupBy: ["{field}"]) {{ group countAll }} }}'
    response = await post(client, document, {}, admin)
    assert codes_of(response) == ["INVALID_QUERY"], response.text


async def test_a_reset_token_with_a_lone_surrogate_is_invalid_token(
    client: httpx.AsyncClient,
) -> None:
    document = 'mutation($t: String!) { auth_password_reset(token: $t, password: "pass-word-1") }'
    answers = []
    for token in ("not-a-token", "\ud800", "a.b\ud800.c"):
        response = await client.post(
            "/graphql/system",
            content=json.dumps({"query": document, "variables": {"t": token}}),
            headers={"content-type": "application/json"},
        )
        rest = await client.post(
            "/auth/password/reset",
            content=json.dumps({"token": token, "password": "pass-word-1"}),
            headers={"content-type": "application/json"},
        )
        answers.append((codes_of(response), rest.status_code, codes_of(rest)))
    # As any other token that is not one of ours.
    assert answers[1] == answers[2] == answers[0], answers
    assert answers[0][1] < 500, answers


async def test_role_ip_access_must_be_storable_text(
    client: httpx.AsyncClient, services: Services, admin: str
) -> None:
    document = "mutation($d: create_directus_roles_input!) { create_roles_item(data: $d) { id } }"
    for networks in (["\ud800"], ["10.0.0.0/8\x00"]):
        response = await post(client, document, {"d": {"name": "r", "ip_access": networks}}, admin)
        assert_refused(response, "FAILED_VALIDATION")
    async with services.db.read() as session:
        from app.repositories import roles as roles_repo

        assert await roles_repo.get_by_names(session, ["r"]) == []


async def test_a_rest_error_quoting_a_lone_surrogate_is_answered(
    client: httpx.AsyncClient, admin: str
) -> None:
    """The FORBIDDEN for an unknown sort field quotes it, in the message and the reason
    beside the code; rendering it as UTF-8 failed."""
    response = await client.request(
        "SEARCH",
        "/users",
        content=json.dumps({"query": {"sort": ["\ud800"]}}),
        headers={"content-type": "application/json", "Authorization": f"Bearer {admin}"},
    )
    assert response.status_code == 403, response.text
    assert codes_of(response) == ["FORBIDDEN"]
    [error] = response.json()["errors"]
    assert error["extensions"]["reason"] == error["message"]


@pytest.mark.parametrize("item_id", ["\ud800", "a\x00b", "9" * 4000])
async def test_ids_the_driver_refuses_are_coded(
    client: httpx.AsyncClient, services: Services, admin: str, item_id: str
) -> None:
    """Ids are not checked as filters are: the second line (app/db/data_errors.py) turns
    the driver's refusal of the value into a coded 400-class answer, and nothing changes."""
    before = await admin_row(services)
    read = await post(
        client, "query($i: ID!) { users_by_id(id: $i) { id } }", {"i": item_id}, admin
    )
    assert set(codes_of(read)) <= {"INVALID_QUERY", "FORBIDDEN"}, read.text
    for document in (
        "mutation($i: ID!) { delete_users_item(id: $i) { id } }",
        'mutation($i: ID!) { update_users_item(id: $i, data: {title: "x"}) { id } }',
    ):
        response = await post(client, document, {"i": item_id}, admin)
        assert response.status_code < 500, response.text
        assert set(codes_of(response)) <= {"INVALID_PAYLOAD", "INVALID_QUERY", "FORBIDDEN"}, (
            response.text
        )
    assert await admin_row(services) == before


async def test_a_5000_digit_literal_is_a_validation_error_in_plain_words(
    client: httpx.AsyncClient, admin: str
) -> None:
    """graphql-core quotes Python's own message (naming an interpreter function); the
    client is told what is wrong without it."""
    body = json.dumps({"query": "{ users(limit: %s) { id } }" % ("9" * 5000)})
    response = await post_raw(client, body, admin)
    assert response.status_code == 400, response.text
    assert codes_of(response) == ["GRAPHQL_VALIDATION"]
    assert "sys." not in response.text
    assert "too many digits" in response.text
