"""Through the app: a document of a known shape answers exactly as a parsed one would,
errors and their locations included, and a bad value in it is still refused by
validation."""

from __future__ import annotations

import httpx

from tests.conftest import ADMIN_EMAIL, ADMIN_PASSWORD, gql, login
from tests.graphql.security_helpers import validation_messages

REFRESH = 'mutation {\n  x: auth_refresh(refresh_token: "%s", mode: json) { access_token }\n}'


async def test_each_new_token_in_the_text_gets_the_same_answer(
    client: httpx.AsyncClient,
) -> None:
    replies = [await gql(client, REFRESH % (letter * 64)) for letter in "abc"]
    assert [reply.codes for reply in replies] == [["INVALID_CREDENTIALS"]] * 3
    errors = [reply.body["errors"][0] for reply in replies]
    assert all(error["locations"] == [{"line": 2, "column": 3}] for error in errors)
    assert all(error["path"] == ["x"] for error in errors)


async def test_a_known_shape_with_a_bad_value_is_refused_by_validation(
    client: httpx.AsyncClient,
) -> None:
    token = (await login(client, ADMIN_EMAIL, ADMIN_PASSWORD))["access_token"]
    good = await gql(client, "{ users(limit: 1000000000) { id } }", token=token)
    assert good.data["users"]
    again = await gql(client, "{ users(limit: 1000000001) { id } }", token=token)
    assert again.data["users"] == good.data["users"]
    bad = await gql(client, "{ users(limit: 9999999999) { id } }", token=token)
    (message,) = validation_messages(bad)
    assert "Int cannot represent non 32-bit signed integer value" in message


async def test_a_negative_number_after_another_keeps_working(client: httpx.AsyncClient) -> None:
    token = (await login(client, ADMIN_EMAIL, ADMIN_PASSWORD))["access_token"]
    query = "{ users(filter: {tags_func: {count: {_between: [%s]}}}) { id } }"
    for values in ("1.5-2.5", "3.5-4.5", "1.5, -2.5"):
        reply = await gql(client, query % values, token=token)
        assert reply.status == 200, reply.body
        assert reply.data["users"] == []
