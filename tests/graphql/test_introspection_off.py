"""GRAPHQL_INTROSPECTION=false: no schema through introspection, no hints in error messages."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.conftest import ADMIN_EMAIL, ADMIN_PASSWORD, gql, login
from tests.graphql.security_helpers import validation_messages

SCHEMA = "{ __schema { types { name } } }"
TYPE = '{ __type(name: "directus_users") { name fields { name } } }'
SCHEMA_QUERY_TYPE = "query Probe { __schema { queryType { name } } }"

# Each document has a typo next to a name the schema knows; graphql-core would suggest it.
TYPOS: dict[str, tuple[str, dict[str, Any], str]] = {
    "field": ("{ users_me { emial } }", {}, "email"),
    "argument": ("{ users(limt: 1) { id } }", {}, "limit"),
    "input field": ('{ users(filter: { emial: { _eq: "x" } }) { id } }', {}, "email"),
    "type": (
        "query ($f: directus_user_filter) { users(filter: $f) { id } }",
        {},
        "directus_users_filter",
    ),
    "enum value": (
        'mutation { auth_login(email: "a@example.com", password: "x", mode: jsn) { expires } }',
        {},
        "json",
    ),
    "enum variable": (
        "mutation ($m: auth_mode) { auth_login(email: "
        '"a@example.com", password: "x", mode: $m) { expires } }',
        {"m": "jsn"},
        "json",
    ),
}


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    return {"graphql_introspection": False}


@pytest.mark.parametrize("document", [SCHEMA, TYPE, SCHEMA_QUERY_TYPE])
async def test_introspection_is_refused(client: httpx.AsyncClient, document: str) -> None:
    messages = validation_messages(await gql(client, document))
    assert any("introspection" in message.lower() for message in messages), messages


async def test_introspection_is_refused_for_an_admin_too(client: httpx.AsyncClient) -> None:
    token = (await login(client, ADMIN_EMAIL, ADMIN_PASSWORD))["access_token"]
    validation_messages(await gql(client, SCHEMA, token=token))


async def test_introspection_inside_a_fragment_is_refused(client: httpx.AsyncClient) -> None:
    document = "{ ...Probe } fragment Probe on Query { __schema { types { name } } }"
    validation_messages(await gql(client, document))


async def test_introspection_over_get_is_refused(client: httpx.AsyncClient) -> None:
    response = await client.get("/graphql/system", params={"query": SCHEMA})
    assert response.status_code == 400, response.text
    body = response.json()
    assert [error["extensions"]["code"] for error in body["errors"]] == ["GRAPHQL_VALIDATION"]
    assert "__Type" not in response.text
    assert "directus_users" not in response.text


@pytest.mark.parametrize("kind", sorted(TYPOS))
async def test_errors_carry_no_suggestions(client: httpx.AsyncClient, kind: str) -> None:
    document, variables, hint = TYPOS[kind]
    # As an admin: every hinted name is in its schema.
    token = (await login(client, ADMIN_EMAIL, ADMIN_PASSWORD))["access_token"]
    reply = await gql(client, document, variables, token=token)
    messages = validation_messages(reply)
    assert not any("Did you mean" in message for message in messages), messages
    assert all(hint not in message for message in messages), messages


async def test_normal_queries_still_work(client: httpx.AsyncClient) -> None:
    tokens = await login(client, ADMIN_EMAIL, ADMIN_PASSWORD)
    reply = await gql(client, "{ server_ping users_me { email } }", token=tokens["access_token"])
    assert reply.body == {"data": {"server_ping": "pong", "users_me": {"email": ADMIN_EMAIL}}}


async def test_typename_still_works(client: httpx.AsyncClient) -> None:
    """Apollo and urql add __typename to every selection: that is not introspection."""
    reply = await gql(client, "{ __typename server_ping }")
    assert reply.body == {"data": {"__typename": "Query", "server_ping": "pong"}}


class TestIntrospectionOnByDefault:
    @pytest.fixture
    def settings_overrides(self) -> dict[str, Any]:
        return {}

    async def test_schema_is_served(self, client: httpx.AsyncClient) -> None:
        token = (await login(client, ADMIN_EMAIL, ADMIN_PASSWORD))["access_token"]
        reply = await gql(client, SCHEMA, token=token)
        assert reply.status == 200, reply.body
        names = {entry["name"] for entry in reply.data["__schema"]["types"]}
        assert {"directus_users", "directus_roles", "Query", "Mutation"} <= names

    async def test_type_is_served(self, client: httpx.AsyncClient) -> None:
        token = (await login(client, ADMIN_EMAIL, ADMIN_PASSWORD))["access_token"]
        reply = await gql(client, TYPE, token=token)
        assert reply.status == 200, reply.body
        found = reply.data["__type"]
        assert found["name"] == "directus_users"
        assert "email" in {field["name"] for field in found["fields"]}

    async def test_errors_carry_suggestions(self, client: httpx.AsyncClient) -> None:
        document, variables, hint = TYPOS["field"]
        token = (await login(client, ADMIN_EMAIL, ADMIN_PASSWORD))["access_token"]
        messages = validation_messages(await gql(client, document, variables, token=token))
        assert any("Did you mean" in message and hint in message for message in messages), messages
