"""The HTTP transport of /graphql/system: methods, bodies, status codes and error shapes."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.conftest import LOGIN

PATH = "/graphql/system"
METHOD_GET_NOT_ALLOWED = {
    "message": 'Invalid method "GET" used. Should be one of "POST".',
    "extensions": {"code": "METHOD_NOT_ALLOWED", "allowed": ["POST"], "current": "GET"},
}
MISSING_QUERY = {
    "message": "Invalid payload. Must provide query string.",
    "extensions": {"code": "INVALID_PAYLOAD", "reason": "Must provide query string"},
}


def _assert_all_coded(body: dict[str, Any]) -> None:
    """Every error in every response carries extensions.code: clients switch on it."""
    errors = body.get("errors")
    assert isinstance(errors, list), body
    assert errors, body
    for error in errors:
        assert isinstance(error.get("message"), str), error
        assert error["message"], error
        code = error["extensions"]["code"]
        assert isinstance(code, str), error
        assert code, error


def _codes(body: dict[str, Any]) -> list[str]:
    _assert_all_coded(body)
    return [error["extensions"]["code"] for error in body["errors"]]


def _assert_validation_error(response: httpx.Response) -> list[dict[str, Any]]:
    """The Directus wrapper: one GRAPHQL_VALIDATION error holding the GraphQL errors."""
    assert response.status_code == 400, response.text
    body = response.json()
    _assert_all_coded(body)
    assert set(body) == {"errors"}
    assert len(body["errors"]) == 1
    error = body["errors"][0]
    assert error["message"] == "GraphQL validation error."
    assert error["extensions"]["code"] == "GRAPHQL_VALIDATION"
    inner: list[dict[str, Any]] = error["extensions"]["errors"]
    assert inner
    for item in inner:
        assert isinstance(item["message"], str), item
        assert item["message"], item
    return inner


async def test_get_query_is_answered(client: httpx.AsyncClient) -> None:
    response = await client.get(PATH, params={"query": "{ server_ping }"})
    assert response.status_code == 200
    assert response.json() == {"data": {"server_ping": "pong"}}


async def test_get_mutation_is_method_not_allowed(client: httpx.AsyncClient) -> None:
    """GET must be safe: a mutation over GET would let a link log someone in or out."""
    mutation = 'mutation { auth_logout(refresh_token: "x") }'
    response = await client.get(PATH, params={"query": mutation})
    assert response.status_code == 405
    assert response.headers["allow"] == "POST"
    assert response.json() == {"errors": [METHOD_GET_NOT_ALLOWED]}


async def test_get_of_a_named_mutation_among_queries_is_method_not_allowed(
    client: httpx.AsyncClient,
) -> None:
    document = 'query Ping { server_ping } mutation Out { auth_logout(refresh_token: "x") }'
    response = await client.get(PATH, params={"query": document, "operationName": "Out"})
    assert response.status_code == 405
    assert response.headers["allow"] == "POST"
    assert response.json() == {"errors": [METHOD_GET_NOT_ALLOWED]}
    named_query = await client.get(PATH, params={"query": document, "operationName": "Ping"})
    assert named_query.json() == {"data": {"server_ping": "pong"}}


async def test_other_methods_are_method_not_allowed(client: httpx.AsyncClient) -> None:
    response = await client.put(PATH, json={"query": "{ server_ping }"})
    assert response.status_code == 405
    allowed = response.json()["errors"][0]["extensions"]["allowed"]
    assert {"GET", "POST"} <= set(allowed)
    assert response.headers["allow"] == ", ".join(allowed)
    assert response.json()["errors"][0]["extensions"]["current"] == "PUT"
    assert _codes(response.json()) == ["METHOD_NOT_ALLOWED"]


@pytest.mark.parametrize(
    "accept",
    [
        "text/html",
        "text/html,application/xhtml+xml,application/xml;q=0.9,image/webp,*/*;q=0.8",
    ],
    ids=["html", "browser-navigation"],
)
async def test_browser_get_receives_graphiql(client: httpx.AsyncClient, accept: str) -> None:
    response = await client.get(PATH, headers={"Accept": accept})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert "graphiql" in response.text.lower()


async def test_post_without_query_is_invalid_payload(client: httpx.AsyncClient) -> None:
    response = await client.post(PATH, json={"variables": {}})
    assert response.status_code == 400
    assert response.json() == {"errors": [MISSING_QUERY]}


@pytest.mark.parametrize(
    "accept",
    [None, "*/*", "application/json", "application/json, text/html;q=0.5", "text/html;q=0"],
    ids=["no-accept", "anything", "json", "json-first", "html-refused"],
)
async def test_get_without_query_is_invalid_payload(
    client: httpx.AsyncClient, accept: str | None
) -> None:
    """Only a client that prefers HTML is a browser; curl and fetch (*/*) learn the error."""
    headers = {} if accept is None else {"Accept": accept}
    request = client.build_request("GET", PATH, headers=headers)
    if accept is None:
        del request.headers["Accept"]
    response = await client.send(request)
    assert response.status_code == 400
    assert response.json() == {"errors": [MISSING_QUERY]}


@pytest.mark.parametrize("method", ["GET", "POST"])
async def test_several_operations_need_an_operation_name(
    client: httpx.AsyncClient, method: str
) -> None:
    """Not "run the first": the client learns that its document is ambiguous."""
    document = "query A { server_ping } query B { ping: server_ping }"
    if method == "GET":
        response = await client.get(PATH, params={"query": document})
    else:
        response = await client.post(PATH, json={"query": document})
    inner = _assert_validation_error(response)
    assert [item["message"] for item in inner] == [
        "Must provide operation name if query contains multiple operations."
    ]
    named = await client.post(PATH, json={"query": document, "operationName": "B"})
    assert named.status_code == 200
    assert named.json() == {"data": {"ping": "pong"}}


async def test_malformed_json_is_invalid_payload(client: httpx.AsyncClient) -> None:
    response = await client.post(
        PATH, content=b'{"query": "{ server_ping }"', headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 400
    assert _codes(response.json()) == ["INVALID_PAYLOAD"]


async def test_unknown_field_is_graphql_validation(client: httpx.AsyncClient) -> None:
    response = await client.post(PATH, json={"query": "{ no_such_field }"})
    inner = _assert_validation_error(response)
    assert any("no_such_field" in item["message"] for item in inner), inner


async def test_syntax_error_is_graphql_validation(client: httpx.AsyncClient) -> None:
    response = await client.post(PATH, json={"query": "{ server_ping "})
    _assert_validation_error(response)


async def test_missing_required_argument_is_graphql_validation(
    client: httpx.AsyncClient,
) -> None:
    query = 'mutation { auth_login(email: "a@example.com") { expires } }'
    inner = _assert_validation_error(await client.post(PATH, json={"query": query}))
    assert any("password" in item["message"] for item in inner), inner


async def test_wrong_variable_type_is_graphql_validation(client: httpx.AsyncClient) -> None:
    """Variables that cannot be coerced stop the operation before anything runs."""
    response = await client.post(
        PATH, json={"query": LOGIN, "variables": {"email": 123, "password": ["x"]}}
    )
    inner = _assert_validation_error(response)
    assert any("$email" in item["message"] for item in inner), inner


async def test_missing_required_variable_is_graphql_validation(
    client: httpx.AsyncClient,
) -> None:
    """Deliberately not Directus's masked 500: the GraphQL-over-HTTP spec's 400."""
    response = await client.post(PATH, json={"query": LOGIN, "variables": {}})
    inner = _assert_validation_error(response)
    assert any("$email" in item["message"] for item in inner), inner


@pytest.mark.parametrize(
    "body",
    [
        [{"query": "{ server_ping }"}, {"query": "{ server_ping }"}],
        [],
        "just a string",
        42,
    ],
)
async def test_non_object_body_is_refused_with_a_code(client: httpx.AsyncClient, body: Any) -> None:
    """Batching is not supported: a list (or any non-object) body is a bad request."""
    response = await client.post(PATH, json=body)
    assert response.status_code == 400, response.text
    _assert_all_coded(response.json())


async def test_unknown_route_is_route_not_found(client: httpx.AsyncClient) -> None:
    response = await client.get("/no/such/route")
    assert response.status_code == 404
    assert _codes(response.json()) == ["ROUTE_NOT_FOUND"]


async def test_resolver_error_is_200_with_path_and_code(client: httpx.AsyncClient) -> None:
    """Resolver failures are GraphQL errors: HTTP 200, located and coded; with no root
    field answered, no `data` key (as Directus)."""
    response = await client.post(
        PATH,
        json={
            "query": LOGIN,
            "variables": {"email": "nobody@example.com", "password": "wrong-password-1"},
        },
    )
    assert response.status_code == 200
    body = response.json()
    assert "data" not in body
    assert _codes(body) == ["INVALID_CREDENTIALS"]
    assert body["errors"][0]["path"] == ["auth_login"]
    assert body["errors"][0]["locations"]
