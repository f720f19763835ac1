"""Hostile documents: repeated sensitive mutations, depth, tokens, aliases, size, batching.

Every limit refuses the document before a resolver runs; the sensitive-mutation rule is
proven by counting the password verifications the server performs (none).
"""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
from graphql import Source, TokenKind
from graphql.language import Lexer

from app.services.container import Services
from tests.conftest import ADMIN_EMAIL, ADMIN_PASSWORD, create_user, gql, login
from tests.graphql.helpers import claims_of
from tests.graphql.security_helpers import count_verify, validation_messages
from tests.graphql_reply import GraphQLReply

PATH = "/graphql/system"
EMAIL = "victim@example.com"
PASSWORD = "victim-password-1"

LOGIN_FIELD = 'auth_login(email: "victim@example.com", password: "guess") { access_token }'

SENSITIVE_FIELDS: dict[str, str] = {
    "auth_login": LOGIN_FIELD,
    "auth_refresh": 'auth_refresh(refresh_token: "not-a-token") { access_token }',
    "auth_password_request": 'auth_password_request(email: "victim@example.com")',
    "auth_password_reset": 'auth_password_reset(token: "not-a-token", password: "x1")',
    "users_register": 'users_register(email: "new@example.com", password: "x1")',
    "users_register_verify": 'users_register_verify(token: "not-a-token")',
    "users_invite_accept": 'users_invite_accept(token: "not-a-token", password: "x1")',
    "users_me_tfa_generate": 'users_me_tfa_generate(password: "guess") { secret }',
    "users_me_tfa_enable": 'users_me_tfa_enable(otp: "000000", secret: "JBSWY3DPEHPK3PXP")',
    "users_me_tfa_disable": 'users_me_tfa_disable(otp: "000000")',
    "users_me_tfa_recovery_codes_regenerate": (
        'users_me_tfa_recovery_codes_regenerate(otp: "000000")'
    ),
}


def once_message(name: str) -> str:
    return f'"{name}" can only be used once per request'


def token_count(document: str) -> int:
    """Tokens as graphql-core's parser counts them (comments and <SOF>/<EOF> excluded)."""
    lexer = Lexer(Source(document))
    count = 0
    while lexer.advance().kind is not TokenKind.EOF:
        count += 1
    return count


def nested_users(levels: int) -> str:
    """`levels` object levels: users { role { users { role { … { id } } } } }."""
    fields = ["users" if level % 2 == 0 else "role" for level in range(levels)]
    return "{ " + " { ".join(fields) + " { id }" + " }" * (levels - 1) + " }"


def assert_too_deep(reply: GraphQLReply, limit: int = 10) -> None:
    messages = validation_messages(reply)
    assert any(f"exceeds maximum operation depth of {limit}" in message for message in messages), (
        messages
    )


@pytest.fixture
async def victim(services: Services) -> str:
    user = await create_user(services, EMAIL, PASSWORD)
    return user.id


# Sensitive mutations at most once ------------------------------------------------------------


async def test_twenty_aliased_logins_are_refused_without_hashing(
    client: httpx.AsyncClient,
    services: Services,
    victim: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    verified = count_verify(services, monkeypatch)
    aliases = " ".join(
        f'a{n}: auth_login(email: "{EMAIL}", password: "guess-{n}") {{ access_token }}'
        for n in range(20)
    )
    reply = await gql(client, f"mutation {{ {aliases} }}")
    assert once_message("auth_login") in validation_messages(reply)
    assert verified == []


async def test_a_repeated_fragment_counts_each_spread(
    client: httpx.AsyncClient,
    services: Services,
    victim: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    verified = count_verify(services, monkeypatch)
    document = f"mutation {{ ...A ...A }} fragment A on Mutation {{ {LOGIN_FIELD} }}"
    reply = await gql(client, document)
    assert once_message("auth_login") in validation_messages(reply)
    assert verified == []


async def test_aliases_inside_one_fragment_are_counted(
    client: httpx.AsyncClient,
    services: Services,
    victim: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    verified = count_verify(services, monkeypatch)
    document = (
        "mutation { ...Guesses } fragment Guesses on Mutation {"
        f' one: auth_login(email: "{EMAIL}", password: "a") {{ access_token }}'
        f' two: auth_login(email: "{EMAIL}", password: "b") {{ access_token }} }}'
    )
    reply = await gql(client, document)
    assert once_message("auth_login") in validation_messages(reply)
    assert verified == []


async def test_nested_fragments_are_followed(
    client: httpx.AsyncClient,
    services: Services,
    victim: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    verified = count_verify(services, monkeypatch)
    document = (
        f"mutation {{ {LOGIN_FIELD} ... on Mutation {{ ...Outer }} }}"
        "fragment Outer on Mutation { ...Inner }"
        f' fragment Inner on Mutation {{ other: auth_login(email: "{EMAIL}", password: "b")'
        " { access_token } }"
    )
    reply = await gql(client, document)
    assert once_message("auth_login") in validation_messages(reply)
    assert verified == []


async def test_inline_fragments_are_counted(
    client: httpx.AsyncClient,
    services: Services,
    victim: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    verified = count_verify(services, monkeypatch)
    document = (
        "mutation {"
        f' ... on Mutation {{ a: auth_login(email: "{EMAIL}", password: "a") {{ access_token }} }}'
        f' ... on Mutation {{ b: auth_login(email: "{EMAIL}", password: "b") {{ access_token }} }}'
        " }"
    )
    reply = await gql(client, document)
    assert once_message("auth_login") in validation_messages(reply)
    assert verified == []


async def test_the_same_field_written_twice_without_aliases_is_refused(
    client: httpx.AsyncClient,
    services: Services,
    victim: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """GraphQL merges identical fields; the rule still sees two."""
    verified = count_verify(services, monkeypatch)
    reply = await gql(client, f"mutation {{ {LOGIN_FIELD} {LOGIN_FIELD} }}")
    assert once_message("auth_login") in validation_messages(reply)
    assert verified == []


@pytest.mark.parametrize("name", sorted(SENSITIVE_FIELDS))
async def test_every_sensitive_mutation_is_refused_twice(
    client: httpx.AsyncClient, name: str
) -> None:
    field = SENSITIVE_FIELDS[name]
    reply = await gql(client, f"mutation {{ first: {field} second: {field} }}")
    assert validation_messages(reply) == [once_message(name)]


@pytest.mark.parametrize("name", sorted(SENSITIVE_FIELDS))
async def test_every_sensitive_mutation_is_refused_twice_through_fragments(
    client: httpx.AsyncClient, name: str
) -> None:
    field = SENSITIVE_FIELDS[name]
    document = (
        f"mutation {{ ...F ... on Mutation {{ again: {field} }} }}"
        f" fragment F on Mutation {{ {field} }}"
    )
    reply = await gql(client, document)
    assert validation_messages(reply) == [once_message(name)]


async def test_each_repeated_sensitive_mutation_is_named(client: httpx.AsyncClient) -> None:
    login_field = SENSITIVE_FIELDS["auth_login"]
    refresh_field = SENSITIVE_FIELDS["auth_refresh"]
    document = (
        f"mutation {{ a: {login_field} b: {login_field} c: {refresh_field} d: {refresh_field} }}"
    )
    messages = validation_messages(await gql(client, document))
    assert once_message("auth_login") in messages
    assert once_message("auth_refresh") in messages


async def test_a_sensitive_mutation_once_with_other_fields_is_served(
    client: httpx.AsyncClient,
    services: Services,
    victim: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    verified = count_verify(services, monkeypatch)
    document = f"""
    mutation {{
      auth_login(email: "{EMAIL}", password: "{PASSWORD}") {{ access_token refresh_token }}
      auth_logout(refresh_token: "not-a-token")
      auth_password_request(email: "nobody@example.com")
    }}
    """
    reply = await gql(client, document)
    assert reply.status == 200, reply.body
    assert not reply.body.get("errors"), reply.body
    assert reply.data["auth_login"]["access_token"]
    assert reply.data["auth_logout"] is True
    assert reply.data["auth_password_request"] is True
    assert verified == [PASSWORD]


async def test_the_limit_is_per_operation_not_per_document(
    client: httpx.AsyncClient,
    services: Services,
    victim: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    verified = count_verify(services, monkeypatch)
    document = f"""
    mutation First {{ auth_login(email: "{EMAIL}", password: "{PASSWORD}") {{ access_token }} }}
    mutation Second {{ auth_login(email: "{EMAIL}", password: "other") {{ access_token }} }}
    """
    response = await client.post(PATH, json={"query": document, "operationName": "First"})
    assert response.status_code == 200, response.text
    body = response.json()
    assert not body.get("errors"), body
    assert body["data"]["auth_login"]["access_token"]
    assert verified == [PASSWORD]


# Depth -----------------------------------------------------------------------------------------


async def test_a_fifteen_deep_relational_query_is_refused(client: httpx.AsyncClient) -> None:
    token = (await login(client, ADMIN_EMAIL, ADMIN_PASSWORD))["access_token"]
    assert_too_deep(await gql(client, nested_users(15), token=token))


async def test_a_five_deep_relational_query_is_served(client: httpx.AsyncClient) -> None:
    tokens = await login(client, ADMIN_EMAIL, ADMIN_PASSWORD)
    reply = await gql(client, nested_users(5), token=tokens["access_token"])
    assert reply.status == 200, reply.body
    assert not reply.body.get("errors"), reply.body
    # The admin is alone in the admin role: every level leads back to them.
    level: Any = reply.data
    for name in ["users", "role", "users", "role", "users"]:
        level = level[name]
        if isinstance(level, list):
            (level,) = level
    assert level == {"id": claims_of(tokens["access_token"])["id"]}


async def test_ten_levels_is_the_default_limit(client: httpx.AsyncClient) -> None:
    token = (await login(client, ADMIN_EMAIL, ADMIN_PASSWORD))["access_token"]
    served = await gql(client, nested_users(10), token=token)
    assert served.status == 200, served.body
    assert not served.body.get("errors"), served.body
    assert_too_deep(await gql(client, nested_users(11), token=token))


async def test_depth_through_fragments_is_measured(client: httpx.AsyncClient) -> None:
    fragments = " ".join(
        f"fragment R{n} on directus_roles {{ users {{ role {{ ...R{n + 1} }} }} }}"
        for n in range(8)
    )
    document = (
        f"{{ users {{ role {{ ...R0 }} }} }} {fragments} fragment R8 on directus_roles {{ id }}"
    )
    assert_too_deep(await gql(client, document))


class TestLoweredDepth:
    @pytest.fixture
    def settings_overrides(self) -> dict[str, Any]:
        return {"max_relational_depth": 3}

    async def test_four_levels_are_refused(self, client: httpx.AsyncClient) -> None:
        token = (await login(client, ADMIN_EMAIL, ADMIN_PASSWORD))["access_token"]
        assert_too_deep(await gql(client, nested_users(4), token=token), limit=3)

    async def test_three_levels_are_served(self, client: httpx.AsyncClient) -> None:
        token = (await login(client, ADMIN_EMAIL, ADMIN_PASSWORD))["access_token"]
        reply = await gql(client, nested_users(3), token=token)
        assert reply.status == 200, reply.body
        assert not reply.body.get("errors"), reply.body


# Tokens and aliases ----------------------------------------------------------------------------


def email_in(count: int) -> str:
    values = " ".join(f'"x{n}@example.com"' for n in range(count))
    return f"{{ users(filter: {{ email: {{ _in: [{values}] }} }}) {{ id }} }}"


async def test_a_six_thousand_token_document_is_refused(client: httpx.AsyncClient) -> None:
    document = email_in(5990)
    assert token_count(document) >= 6000
    messages = validation_messages(await gql(client, document))
    assert any("token" in message.lower() for message in messages), messages


async def test_a_document_under_the_token_limit_is_served(client: httpx.AsyncClient) -> None:
    document = email_in(4900)
    assert 4900 < token_count(document) <= 5000
    token = (await login(client, ADMIN_EMAIL, ADMIN_PASSWORD))["access_token"]
    reply = await gql(client, document, token=token)
    assert reply.body == {"data": {"users": []}}


def pings(count: int) -> str:
    return "{ " + " ".join(f"p{n}: server_ping" for n in range(count)) + " }"


async def test_sixty_aliases_are_refused(client: httpx.AsyncClient) -> None:
    messages = validation_messages(await gql(client, pings(60)))
    assert any("alias" in message.lower() for message in messages), messages


async def test_fifty_aliases_are_served(client: httpx.AsyncClient) -> None:
    reply = await gql(client, pings(50))
    assert reply.status == 200, reply.body
    assert reply.body == {"data": {f"p{n}": "pong" for n in range(50)}}


# Body size and batching ------------------------------------------------------------------------


async def test_a_three_mib_body_is_413(client: httpx.AsyncClient) -> None:
    padding = "x" * (3 * 1024 * 1024)
    response = await client.post(PATH, json={"query": "{ server_ping }", "padding": padding})
    assert response.status_code == 413, response.text
    (error,) = response.json()["errors"]
    assert isinstance(error["extensions"]["code"], str)
    assert error["extensions"]["code"]
    assert error["message"]


async def test_a_batch_of_fifty_operations_is_refused(
    client: httpx.AsyncClient,
    services: Services,
    victim: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    verified = count_verify(services, monkeypatch)
    operations = [
        {
            "query": "mutation($p: String!) { auth_login(email: "
            f'"{EMAIL}", password: $p) {{ access_token }} }}',
            "variables": {"p": f"guess-{n}"},
        }
        for n in range(50)
    ]
    response = await client.post(
        PATH, content=json.dumps(operations), headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 400, response.text
    body = response.json()
    assert isinstance(body, dict), body
    (error,) = body["errors"]
    assert error["extensions"]["code"], body
    assert verified == []
