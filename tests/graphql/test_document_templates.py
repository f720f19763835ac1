"""Through the app: a document of a known shape answers exactly as a parsed one would,
errors and their locations included, and a bad value in it is still refused by
validation."""

from __future__ import annotations

import httpx
import pytest
from sqlalchemy import delete
from sqlmodel import col

from app.db.models import Permission
from app.repositories import policies as policies_repo
from app.services.container import Services
from tests.conftest import ADMIN_EMAIL, ADMIN_PASSWORD, gql, login
from tests.graphql.security_helpers import validation_messages
from tests.graphql.seed import (
    ADMIN_TOKEN,
    DAVE_TOKEN,
    Seeded,
    add_permission,
    assert_validation_error,
    seed,
)

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


# Templates of caller schemas: a shape that validated for one caller is a template for
# callers of the same permissions only.

BY_ID = '{ users_by_id(id: "%s") { id email } }'


@pytest.fixture
async def seeded(services: Services) -> Seeded:
    """Dave's role (Viewers) without app access: only its permission rows give it rights."""
    seeded = await seed(services)
    async with services.db.write() as session:
        role = seeded.roles["Viewers"]
        await policies_repo.set_own_flags(session, role, "Viewers", {"app_access": False})
    return seeded


async def test_a_shape_known_from_an_admin_is_still_refused_to_callers_without_it(
    client: httpx.AsyncClient, services: Services, seeded: Seeded
) -> None:
    await add_permission(services, seeded.roles["Viewers"], ["id", "first_name"], None)
    ids = [seeded.users[key] for key in ("bob", "dave", "frank")]
    for user_id in ids:
        reply = await gql(client, BY_ID % user_id, token=ADMIN_TOKEN)
        assert reply.data["users_by_id"]["id"] == user_id
    # The public has no users_by_id; Dave may not read email.
    assert_validation_error(await gql(client, BY_ID % ids[0]))
    assert_validation_error(await gql(client, BY_ID % ids[1], token=DAVE_TOKEN))
    dave = '{ users_by_id(id: "%s") { id first_name } }'
    for user_id in ids:
        reply = await gql(client, dave % user_id, token=DAVE_TOKEN)
        assert reply.status == 200, reply.body
        assert reply.data["users_by_id"]["id"] == user_id


async def test_a_known_shape_follows_a_permission_withdrawn(
    client: httpx.AsyncClient, services: Services, seeded: Seeded
) -> None:
    role = seeded.roles["Viewers"]
    await add_permission(services, role, ["id", "first_name"], None)
    query = '{ users(limit: %d, sort: ["id"]) { id first_name } }'
    for limit in (1, 2):
        reply = await gql(client, query % limit, token=DAVE_TOKEN)
        assert len(reply.data["users"]) == limit, reply.body
    async with services.db.write() as session:
        await session.exec(
            delete(Permission).where(col(Permission.policy) == policies_repo.policy_of(role))
        )
    await add_permission(services, role, ["id"], None)
    assert_validation_error(await gql(client, query % 3, token=DAVE_TOKEN))
    reply = await gql(client, '{ users(limit: 3, sort: ["id"]) { id } }', token=DAVE_TOKEN)
    assert len(reply.data["users"]) == 3, reply.body
