"""A user's own passkeys over GraphQL: register (several), list, rename, delete (password,
fresh login or neither), and the refusals of a registration that does not verify."""

from __future__ import annotations

from datetime import timedelta

import httpx
import pytest
from sqlmodel import select

from app.clock import SettableClock
from app.db.models import Passkey, User
from app.services.container import Services
from tests.conftest import create_user, gql, login
from tests.graphql.helpers import delete_user
from tests.graphql.passkey_helpers import (
    DELETE,
    PASSKEYS,
    REGISTER,
    REGISTER_OPTIONS,
    REGISTER_OPTIONS_WITH,
    RENAME,
    actions,
    register,
    stored,
)
from tests.passkey_authenticator import AAGUID_TEXT, SoftAuthenticator

EMAIL = "ada.passkeys@example.com"
PASSWORD = "passkey-password-1"


@pytest.fixture
async def user(services: Services) -> User:
    return await create_user(services, EMAIL, PASSWORD)


@pytest.fixture
async def token(client: httpx.AsyncClient, user: User) -> str:
    access: str = (await login(client, EMAIL, PASSWORD))["access_token"]
    return access


async def count_passkeys(services: Services) -> int:
    async with services.db.read() as session:
        return len((await session.exec(select(Passkey))).all())


async def test_register_two_list_rename_and_delete_with_the_password(
    client: httpx.AsyncClient, services: Services, token: str, user: User, clock: SettableClock
) -> None:
    first, one = await register(client, token, name="Laptop")
    clock.advance(timedelta(seconds=1))  # listed oldest first
    _, two = await register(client, token)
    assert one["name"] == "Laptop"
    assert two["name"] == "Passkey"
    assert one["aaguid"] == AAGUID_TEXT
    assert one["transports"] == ["internal", "hybrid"]
    assert one["last_used"] is None
    assert one["date_created"]
    row = await stored(services, one["id"])
    assert row is not None
    assert row.user == user.id
    assert row.credential_id == first.id

    reply = await gql(client, PASSKEYS, token=token)
    assert [key["id"] for key in reply.data["users_me_passkeys"]] == [one["id"], two["id"]]
    assert "public_key" not in str(reply.body)

    reply = await gql(client, RENAME, {"id": two["id"], "name": "  Phone "}, token=token)
    assert reply.data["users_me_passkey_rename"] == {"id": two["id"], "name": "Phone"}

    reply = await gql(client, DELETE, {"id": one["id"], "password": PASSWORD}, token=token)
    assert reply.body == {"data": {"users_me_passkey_delete": True}}
    reply = await gql(client, PASSKEYS, token=token)
    assert [key["name"] for key in reply.data["users_me_passkeys"]] == ["Phone"]
    assert len(await actions(services, "passkey.added")) == 2
    assert len(await actions(services, "passkey.removed")) == 1


async def test_delete_needs_the_password_or_a_fresh_login(
    client: httpx.AsyncClient, services: Services, token: str, clock: SettableClock
) -> None:
    _, one = await register(client, token)
    _, two = await register(client, token)
    # Right after the login: fresh enough without the password.
    reply = await gql(client, DELETE, {"id": one["id"]}, token=token)
    assert reply.body == {"data": {"users_me_passkey_delete": True}}

    clock.advance(timedelta(minutes=6))
    reply = await gql(client, DELETE, {"id": two["id"]}, token=token)
    assert reply.codes == ["INVALID_PAYLOAD"]
    reply = await gql(client, DELETE, {"id": two["id"], "password": "wrong-one"}, token=token)
    assert reply.codes == ["INVALID_CREDENTIALS"]
    assert await stored(services, two["id"]) is not None
    reply = await gql(client, DELETE, {"id": two["id"], "password": PASSWORD}, token=token)
    assert reply.body == {"data": {"users_me_passkey_delete": True}}
    assert await stored(services, two["id"]) is None


async def test_another_users_passkey_cannot_be_renamed_or_deleted(
    client: httpx.AsyncClient, services: Services, token: str
) -> None:
    _, mine = await register(client, token)
    await create_user(services, "other.passkeys@example.com", PASSWORD)
    other = (await login(client, "other.passkeys@example.com", PASSWORD))["access_token"]
    reply = await gql(client, RENAME, {"id": mine["id"], "name": "stolen"}, token=other)
    assert reply.codes == ["FORBIDDEN"]
    reply = await gql(client, DELETE, {"id": mine["id"], "password": PASSWORD}, token=other)
    assert reply.codes == ["FORBIDDEN"]
    reply = await gql(client, DELETE, {"id": "no-such-id", "password": PASSWORD}, token=token)
    assert reply.codes == ["FORBIDDEN"]
    row = await stored(services, mine["id"])
    assert row is not None
    assert row.name == "Passkey"


async def test_anonymous_callers_get_null(client: httpx.AsyncClient) -> None:
    assert (await gql(client, PASSKEYS)).body == {"data": {"users_me_passkeys": None}}
    reply = await gql(client, REGISTER_OPTIONS)
    assert reply.body == {"data": {"users_me_passkey_register_options": None}}
    reply = await gql(client, DELETE, {"id": "x"})
    assert reply.body == {"data": {"users_me_passkey_delete": None}}


async def test_creation_options_want_a_discoverable_credential_and_exclude_the_users_own(
    client: httpx.AsyncClient, token: str, user: User
) -> None:
    first, _ = await register(client, token)
    reply = await gql(client, REGISTER_OPTIONS, token=token)
    options = reply.data["users_me_passkey_register_options"]
    assert options["rp"] == {"id": "127.0.0.1", "name": "Directus"}
    assert options["user"]["name"] == EMAIL
    assert options["authenticatorSelection"]["residentKey"] == "required"
    assert options["authenticatorSelection"]["userVerification"] == "preferred"
    assert [key["id"] for key in options["excludeCredentials"]] == [first.id]
    assert options["timeout"] == 300_000


@pytest.mark.parametrize(
    "change",
    [
        {"origin": "http://evil.example"},
        {"rp_id": "evil.example"},
    ],
)
async def test_a_registration_from_elsewhere_is_refused(
    client: httpx.AsyncClient, services: Services, token: str, change: dict[str, str]
) -> None:
    reply = await gql(client, REGISTER_OPTIONS, token=token)
    options = reply.data["users_me_passkey_register_options"]
    credential = SoftAuthenticator().create(options, **change)
    reply = await gql(client, REGISTER, {"credential": credential}, token=token)
    assert reply.codes == ["INVALID_PAYLOAD"]
    assert await count_passkeys(services) == 0


async def test_a_registration_challenge_works_once_for_its_own_user_before_it_expires(
    client: httpx.AsyncClient, services: Services, token: str, clock: SettableClock
) -> None:
    options = (await gql(client, REGISTER_OPTIONS, token=token)).data[
        "users_me_passkey_register_options"
    ]
    # Another user cannot answer it.
    await create_user(services, "other.passkeys@example.com", PASSWORD)
    other = (await login(client, "other.passkeys@example.com", PASSWORD))["access_token"]
    credential = SoftAuthenticator().create(options)
    reply = await gql(client, REGISTER, {"credential": credential}, token=other)
    assert reply.codes == ["INVALID_PAYLOAD"]
    # ... and that used it up.
    reply = await gql(client, REGISTER, {"credential": credential}, token=token)
    assert reply.codes == ["INVALID_PAYLOAD"]

    options = (await gql(client, REGISTER_OPTIONS, token=token)).data[
        "users_me_passkey_register_options"
    ]
    clock.advance(timedelta(minutes=5, seconds=1))
    token = (await login(client, EMAIL, PASSWORD))["access_token"]
    reply = await gql(
        client, REGISTER, {"credential": SoftAuthenticator().create(options)}, token=token
    )
    assert reply.codes == ["INVALID_PAYLOAD"]
    assert await count_passkeys(services) == 0


async def test_the_same_authenticator_cannot_be_registered_twice(
    client: httpx.AsyncClient, services: Services, token: str
) -> None:
    authenticator, _ = await register(client, token)
    options = (await gql(client, REGISTER_OPTIONS, token=token)).data[
        "users_me_passkey_register_options"
    ]
    reply = await gql(client, REGISTER, {"credential": authenticator.create(options)}, token=token)
    assert reply.codes == ["INVALID_PAYLOAD"]
    assert await count_passkeys(services) == 1


async def test_a_name_too_long_is_refused(client: httpx.AsyncClient, token: str) -> None:
    _, key = await register(client, token)
    reply = await gql(client, RENAME, {"id": key["id"], "name": "x" * 256}, token=token)
    assert reply.codes == ["INVALID_PAYLOAD"]
    reply = await gql(client, RENAME, {"id": key["id"], "name": " "}, token=token)
    assert reply.codes == ["INVALID_PAYLOAD"]


async def test_deleting_the_user_deletes_its_passkeys(
    client: httpx.AsyncClient, services: Services, token: str, user: User
) -> None:
    await register(client, token)
    await delete_user(services, user.id)
    assert await count_passkeys(services) == 0


async def test_adding_a_passkey_needs_the_password_or_a_fresh_login(
    client: httpx.AsyncClient, services: Services, token: str, clock: SettableClock
) -> None:
    clock.advance(timedelta(minutes=6))
    reply = await gql(client, REGISTER_OPTIONS, token=token)
    assert reply.codes == ["INVALID_PAYLOAD"]
    assert '"password"' in reply.body["errors"][0]["message"]
    reply = await gql(client, REGISTER_OPTIONS_WITH, {"password": "wrong-one"}, token=token)
    assert reply.codes == ["INVALID_CREDENTIALS"]
    reply = await gql(client, REGISTER_OPTIONS_WITH, {"password": PASSWORD}, token=token)
    options = reply.data["users_me_passkey_register_options"]
    reply = await gql(
        client, REGISTER, {"credential": SoftAuthenticator().create(options)}, token=token
    )
    assert reply.data["users_me_passkey_register"]["name"] == "Passkey"
    assert await count_passkeys(services) == 1
