"""Racing creates: one email in 50 letter cases, sent at once; exactly one may win."""

from __future__ import annotations

import asyncio

import httpx

from app.services.container import Services
from tests.conftest import gql
from tests.graphql.mutation_seed import (
    admin_token,
    email_not_unique,
    user_count,
    users_with_email,
)
from tests.graphql_reply import GraphQLReply

CREATE = """
mutation Create($email: String!) {
  create_users_item(data: { email: $email, first_name: "Racer" }) { id email }
}
"""

BASE_EMAIL = "race.condition@example.com"
RACERS = 50


def case_variant(email: str, number: int) -> str:
    """The `number`-th spelling of `email`: each bit of `number` uppercases one letter."""
    letters = [index for index, char in enumerate(email) if char.isalpha()]
    chars = list(email)
    for bit, index in enumerate(letters):
        if number >> bit & 1:
            chars[index] = chars[index].upper()
    return "".join(chars)


async def test_fifty_parallel_creates_of_one_email_leave_exactly_one_user(
    client: httpx.AsyncClient, services: Services
) -> None:
    token = await admin_token(client)
    before = await user_count(services)
    emails = [case_variant(BASE_EMAIL, number) for number in range(RACERS)]
    assert len(set(emails)) == RACERS
    assert len({email.lower() for email in emails}) == 1

    async def create(email: str) -> GraphQLReply:
        return await gql(client, CREATE, {"email": email}, token=token)

    replies = await asyncio.gather(*(create(email) for email in emails))

    assert all(reply.status == 200 for reply in replies), [r.body for r in replies]
    winners = [reply for reply in replies if "errors" not in reply.body]
    losers = [reply for reply in replies if "errors" in reply.body]
    assert len(winners) == 1, [reply.body for reply in winners]
    assert len(losers) == RACERS - 1
    for reply in losers:
        assert reply.codes == ["RECORD_NOT_UNIQUE"], reply.body
        value = reply.body["errors"][0]["extensions"]["value"]
        assert value in emails
        assert reply.body["errors"][0]["message"] == email_not_unique(value)
        assert "data" not in reply.body

    won = winners[0].data["create_users_item"]
    assert won["email"] in emails
    stored = await users_with_email(services, BASE_EMAIL)
    assert len(stored) == 1
    assert stored[0].id == won["id"]
    assert stored[0].email == won["email"]
    assert stored[0].first_name == "Racer"
    assert await user_count(services) == before + 1
