"""Review (helper 7): a grant's validation must hold for the fields it gives, whatever else
the payload writes. Directus 11 (permissions/modules/process-payload) validates a payload
against every permission's validation together (`_and`); here a row passes when ANY grant
giving a written field has no validation (or passes its own), so adding a field of a
validation-free grant to the payload lifts another grant's validation (GHSA-99vm style:
the rule of one grant applied to the fields of another).

The caller (no app access): grant A updates / creates `title`, validated to "ok"; grant B
updates / creates `location`, no validation. Both apply to every row.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from app.db.models import Permission, Policy, User
from app.repositories import policies as policies_repo
from app.services.container import Services
from tests.conftest import create_user, gql
from tests.graphql.seed import assert_error

TOKEN = "review-validation-caller-token-01"
VALID_TITLE = {"title": {"_eq": "ok"}}
UPDATE_ONE = """
mutation($id: ID!, $data: update_directus_users_input!) {
  update_users_item(id: $id, data: $data) { id }
}
"""
CREATE_ONE = """
mutation($data: create_directus_users_input!) { create_users_item(data: $data) { id } }
"""


@pytest.fixture
async def other(services: Services) -> str:
    me = await create_user(services, "caller@example.com", static_token=TOKEN, app_access=False)
    victim = await create_user(services, "victim@example.com")
    async with services.db.write() as session:
        policy = Policy(name="review-validation")
        session.add(policy)
        await session.flush()
        await policies_repo.attach(session, policy.id, user=me.id)
        for action in ("update", "create"):
            a_fields = ["title"] if action == "update" else ["email", "title"]
            session.add(
                Permission(
                    policy=policy.id,
                    collection="directus_users",
                    action=action,
                    fields=a_fields,
                    validation=VALID_TITLE,
                )
            )
            session.add(
                Permission(
                    policy=policy.id,
                    collection="directus_users",
                    action=action,
                    fields=["location"],
                )
            )
        session.add(
            Permission(policy=policy.id, collection="directus_users", action="read", fields=["id"])
        )
    return victim.id


async def _title(services: Services, user_id: str) -> str | None:
    async with services.db.read() as session:
        row = await session.get(User, user_id)
    assert row is not None
    return row.title


async def test_premise_grant_a_alone_validates_title(
    client: httpx.AsyncClient, services: Services, other: str
) -> None:
    reply = await gql(client, UPDATE_ONE, {"id": other, "data": {"title": "evil"}}, token=TOKEN)
    assert_error(reply, "FAILED_VALIDATION", "update_users_item")
    assert await _title(services, other) is None


async def test_a_field_of_a_validation_free_grant_does_not_lift_the_validation_on_update(
    client: httpx.AsyncClient, services: Services, other: str
) -> None:
    data: dict[str, Any] = {"title": "evil", "location": "anywhere"}
    reply = await gql(client, UPDATE_ONE, {"id": other, "data": data}, token=TOKEN)
    assert_error(reply, "FAILED_VALIDATION", "update_users_item")
    assert await _title(services, other) is None


async def test_a_field_of_a_validation_free_grant_does_not_lift_the_validation_on_create(
    client: httpx.AsyncClient, services: Services, other: str
) -> None:
    data = {"email": "new@example.com", "title": "evil", "location": "anywhere"}
    reply = await gql(client, CREATE_ONE, {"data": data}, token=TOKEN)
    assert_error(reply, "FAILED_VALIDATION", "create_users_item")


async def test_rest_patch_does_not_lift_the_validation_either(
    client: httpx.AsyncClient, services: Services, other: str
) -> None:
    response = await client.patch(
        f"/users/{other}",
        json={"title": "evil", "location": "anywhere"},
        headers={"Authorization": f"Bearer {TOKEN}"},
    )
    assert response.status_code == 400, response.text
    assert response.json()["errors"][0]["extensions"]["code"] == "FAILED_VALIDATION"
    assert await _title(services, other) is None
