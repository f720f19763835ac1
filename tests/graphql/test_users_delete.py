"""delete_users_item / delete_users_items: rows gone, sessions gone, the last admin kept."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from app.services.container import Services
from tests.conftest import create_user, gql, login
from tests.graphql.helpers import ME_ID, REFRESH
from tests.graphql.mutation_seed import (
    FORBIDDEN_MESSAGE,
    LAST_ADMIN_MESSAGE,
    UNKNOWN_ID,
    add_permission,
    admin_token,
    app_user,
    make_user,
    role_row,
    session_count,
    the_admin,
    user_count,
    user_row,
)
from tests.graphql.seed import assert_validation_error
from tests.graphql_reply import ok, refused

DELETE_ONE = "mutation Delete($id: ID!) { delete_users_item(id: $id) { id } }"
DELETE_MANY = "mutation DeleteMany($ids: [ID]!) { delete_users_items(ids: $ids) { ids } }"


async def test_admin_deletes_a_user(client: httpx.AsyncClient, services: Services) -> None:
    token = await admin_token(client)
    user = await create_user(services, "gone@example.com", static_token="gone-static-token")
    refresh = (await login(client, "gone@example.com", "user-password-1"))["refresh_token"]
    assert await session_count(services, user.id) == 1

    reply = await gql(client, DELETE_ONE, {"id": user.id}, token=token)
    assert ok(reply, "delete_users_item") == {"id": user.id}
    assert await user_row(services, user.id) is None
    assert await session_count(services, user.id) == 0
    assert user.role is not None
    assert await role_row(services, user.role) is not None  # the role stays

    again = await gql(client, REFRESH, {"refresh_token": refresh})
    refused(again, "INVALID_CREDENTIALS")
    static = await gql(client, ME_ID, token="gone-static-token")
    assert static.status == 401
    assert static.codes == ["INVALID_CREDENTIALS"]


async def test_deleted_users_access_token_stops_working(
    client: httpx.AsyncClient, services: Services
) -> None:
    user, user_token = await app_user(client, services, "bye@example.com")
    token = await admin_token(client)
    assert ok(await gql(client, DELETE_ONE, {"id": user.id}, token=token), "delete_users_item")
    reply = await gql(client, ME_ID, token=user_token)
    assert reply.status == 401
    assert reply.codes == ["INVALID_CREDENTIALS"]


async def test_admin_deletes_many_users(client: httpx.AsyncClient, services: Services) -> None:
    token = await admin_token(client)
    first = await create_user(services, "d1@example.com")
    second = await create_user(services, "d2@example.com")
    kept = await create_user(services, "d3@example.com")
    reply = await gql(client, DELETE_MANY, {"ids": [second.id, first.id]}, token=token)
    assert ok(reply, "delete_users_items") == {"ids": [second.id, first.id]}
    assert await user_row(services, first.id) is None
    assert await user_row(services, second.id) is None
    assert await user_row(services, kept.id) is not None


async def test_delete_unknown_id_answers_that_id(
    client: httpx.AsyncClient, services: Services
) -> None:
    """As Directus: an id of no row is already gone, and the answer names it."""
    token = await admin_token(client)
    before = await user_count(services)
    reply = await gql(client, DELETE_ONE, {"id": UNKNOWN_ID}, token=token)
    assert ok(reply, "delete_users_item") == {"id": UNKNOWN_ID}
    assert await user_count(services) == before


async def test_delete_many_with_an_unknown_id_deletes_the_others_and_answers_every_id(
    client: httpx.AsyncClient, services: Services
) -> None:
    token = await admin_token(client)
    first = await create_user(services, "k1@example.com")
    second = await create_user(services, "k2@example.com")
    kept = await create_user(services, "k3@example.com")
    asked = [first.id, UNKNOWN_ID, second.id]
    reply = await gql(client, DELETE_MANY, {"ids": asked}, token=token)
    assert ok(reply, "delete_users_items") == {"ids": asked}
    assert await user_row(services, first.id) is None
    assert await user_row(services, second.id) is None
    assert await user_row(services, kept.id) is not None


async def test_unknown_ids_do_not_lift_the_permission_checks(
    client: httpx.AsyncClient, services: Services
) -> None:
    """Only admins have unknown ids skipped: anyone else needs every id to be a row its
    grant allows (Directus's validateAccess), so a grant holder cannot probe which ids exist,
    and a mix with one row it may not delete is refused whole."""
    user, token = await app_user(client, services, "sweeper@example.com")
    assert_validation_error(await gql(client, DELETE_ONE, {"id": UNKNOWN_ID}, token=token))
    await add_permission(
        services,
        role=user.role,
        collection="directus_users",
        action="delete",
        permissions={"first_name": {"_eq": "Deletable"}},
    )
    doomed = await make_user(services, "doomed2@example.com", first_name="Deletable")
    kept = await make_user(services, "kept2@example.com", first_name="Keep")

    mixed = await gql(client, DELETE_MANY, {"ids": [doomed.id, UNKNOWN_ID, kept.id]}, token=token)
    refused(mixed, "FORBIDDEN", FORBIDDEN_MESSAGE)
    assert await user_row(services, doomed.id) is not None
    assert await user_row(services, kept.id) is not None

    probe = await gql(client, DELETE_MANY, {"ids": [UNKNOWN_ID, doomed.id]}, token=token)
    refused(probe, "FORBIDDEN", FORBIDDEN_MESSAGE)
    refused(await gql(client, DELETE_ONE, {"id": UNKNOWN_ID}, token=token), "FORBIDDEN")
    assert await user_row(services, doomed.id) is not None

    reply = await gql(client, DELETE_MANY, {"ids": [doomed.id]}, token=token)
    assert ok(reply, "delete_users_items") == {"ids": [doomed.id]}
    assert await user_row(services, doomed.id) is None
    assert await user_row(services, kept.id) is not None


async def test_app_user_cannot_delete_users(client: httpx.AsyncClient, services: Services) -> None:
    user, token = await app_user(client, services, "deleter@example.com")
    other = await create_user(services, "target@example.com")
    admin = await the_admin(services)
    for target in (user.id, other.id, admin.id):
        # delete_users_item(s) are not in its schema.
        assert_validation_error(await gql(client, DELETE_ONE, {"id": target}, token=token))
        assert_validation_error(await gql(client, DELETE_MANY, {"ids": [target]}, token=token))
        assert await user_row(services, target) is not None


async def test_anonymous_cannot_delete_users(client: httpx.AsyncClient, services: Services) -> None:
    other = await create_user(services, "safe@example.com")
    assert_validation_error(await gql(client, DELETE_ONE, {"id": other.id}))
    assert_validation_error(await gql(client, DELETE_MANY, {"ids": [other.id]}))
    assert await user_row(services, other.id) is not None


async def test_row_filtered_delete_permission(
    client: httpx.AsyncClient, services: Services
) -> None:
    user, token = await app_user(client, services, "cleaner@example.com")
    await add_permission(
        services,
        role=user.role,
        collection="directus_users",
        action="delete",
        permissions={"first_name": {"_eq": "Deletable"}},
    )
    doomed = await make_user(services, "doomed@example.com", first_name="Deletable")
    kept = await make_user(services, "kept@example.com", first_name="Keep")

    refused(await gql(client, DELETE_ONE, {"id": kept.id}, token=token), "FORBIDDEN")
    mixed = await gql(client, DELETE_MANY, {"ids": [doomed.id, kept.id]}, token=token)
    refused(mixed, "FORBIDDEN", FORBIDDEN_MESSAGE)
    assert await user_row(services, doomed.id) is not None
    assert await user_row(services, kept.id) is not None

    reply = await gql(client, DELETE_ONE, {"id": doomed.id}, token=token)
    assert ok(reply, "delete_users_item") == {"id": doomed.id}
    assert await user_row(services, doomed.id) is None
    assert await user_row(services, kept.id) is not None


# The last admin -----------------------------------------------------------------------


async def test_deleting_the_last_admin_is_unprocessable(
    client: httpx.AsyncClient, services: Services
) -> None:
    token = await admin_token(client)
    admin = await the_admin(services)
    reply = await gql(client, DELETE_ONE, {"id": admin.id}, token=token)
    refused(reply, "UNPROCESSABLE_CONTENT", LAST_ADMIN_MESSAGE)
    assert await user_row(services, admin.id) is not None
    me = await gql(client, ME_ID, token=token)
    assert me.data["users_me"]["id"] == admin.id


async def test_deleting_the_last_admin_among_others_deletes_nothing(
    client: httpx.AsyncClient, services: Services
) -> None:
    token = await admin_token(client)
    admin = await the_admin(services)
    other = await create_user(services, "bystander@example.com")
    reply = await gql(client, DELETE_MANY, {"ids": [other.id, admin.id]}, token=token)
    refused(reply, "UNPROCESSABLE_CONTENT", LAST_ADMIN_MESSAGE)
    assert await user_row(services, admin.id) is not None
    assert await user_row(services, other.id) is not None


async def test_an_unknown_id_beside_the_last_admin_keeps_the_guard(
    client: httpx.AsyncClient, services: Services
) -> None:
    token = await admin_token(client)
    admin = await the_admin(services)
    reply = await gql(client, DELETE_MANY, {"ids": [UNKNOWN_ID, admin.id]}, token=token)
    refused(reply, "UNPROCESSABLE_CONTENT", LAST_ADMIN_MESSAGE)
    assert await user_row(services, admin.id) is not None


async def test_a_suspended_admin_does_not_count(
    client: httpx.AsyncClient, services: Services
) -> None:
    token = await admin_token(client)
    await create_user(services, "sleeping-admin@example.com", admin=True, status="suspended")
    admin = await the_admin(services)
    reply = await gql(client, DELETE_ONE, {"id": admin.id}, token=token)
    refused(reply, "UNPROCESSABLE_CONTENT", LAST_ADMIN_MESSAGE)
    assert await user_row(services, admin.id) is not None


async def test_with_two_admins_one_can_be_deleted(
    client: httpx.AsyncClient, services: Services
) -> None:
    token = await admin_token(client)
    second = await create_user(services, "admin2@example.com", admin=True)
    admin = await the_admin(services)

    both = await gql(client, DELETE_MANY, {"ids": [admin.id, second.id]}, token=token)
    refused(both, "UNPROCESSABLE_CONTENT", LAST_ADMIN_MESSAGE)
    assert await user_row(services, admin.id) is not None
    assert await user_row(services, second.id) is not None

    reply = await gql(client, DELETE_ONE, {"id": second.id}, token=token)
    assert ok(reply, "delete_users_item") == {"id": second.id}
    assert await user_row(services, second.id) is None

    last = await gql(client, DELETE_ONE, {"id": admin.id}, token=token)
    refused(last, "UNPROCESSABLE_CONTENT", LAST_ADMIN_MESSAGE)
    assert await user_row(services, admin.id) is not None


async def test_an_admin_may_delete_itself_when_another_admin_remains(
    client: httpx.AsyncClient, services: Services
) -> None:
    second = await create_user(services, "successor@example.com", admin=True)
    token = await admin_token(client)
    admin = await the_admin(services)
    reply = await gql(client, DELETE_ONE, {"id": admin.id}, token=token)
    assert ok(reply, "delete_users_item") == {"id": admin.id}
    assert await user_row(services, admin.id) is None
    assert await user_row(services, second.id) is not None


class TestMaxBatchMutation:
    """MAX_BATCH_MUTATION=2 for the tests of this class only."""

    @pytest.fixture
    def settings_overrides(self) -> dict[str, Any]:
        return {"max_batch_mutation": 2}

    async def test_deleting_three_is_an_invalid_payload(
        self, client: httpx.AsyncClient, services: Services
    ) -> None:
        token = await admin_token(client)
        users = [await create_user(services, f"cap{n}@example.com") for n in range(3)]
        reply = await gql(client, DELETE_MANY, {"ids": [u.id for u in users]}, token=token)
        refused(reply, "INVALID_PAYLOAD")
        for user in users:
            assert await user_row(services, user.id) is not None
        two = await gql(client, DELETE_MANY, {"ids": [u.id for u in users[:2]]}, token=token)
        assert ok(two, "delete_users_items") == {"ids": [users[0].id, users[1].id]}
