"""TFA recovery codes, from an attacker's review: the set shown and stored on enable is
bound to its user, not only to the TOTP secret (whoever enables a secret they learnt on an
account of their own is not shown, nor given, another user's codes) and to one enabling:
turning TFA on again with a secret used before does not bring back its codes, used or
replaced ones included."""

from __future__ import annotations

import asyncio
import json
import logging

import httpx
import pytest
from sqlmodel import select

from app.clock import SettableClock
from app.db.models import QueuedMail, User
from app.services.container import Services
from tests.conftest import create_user, gql, login
from tests.graphql.helpers import totp
from tests.graphql.recovery_helpers import loosely_typed, stored_codes, typed_forms
from tests.graphql.security_helpers import activity_rows
from tests.graphql.test_tfa_recovery_codes import (
    DISABLE,
    EMAIL,
    ENABLE,
    GENERATE,
    OTHER_EMAIL,
    PASSWORD,
    REGENERATE,
    WINDOW,
    enable,
    left,
    otp_login,
)


@pytest.fixture
async def user(services: Services) -> User:
    return await create_user(services, EMAIL, PASSWORD)


@pytest.fixture
async def token(client: httpx.AsyncClient, user: User) -> str:
    access: str = (await login(client, EMAIL, PASSWORD))["access_token"]
    return access


async def test_one_secret_enabled_by_two_users_gives_each_their_own_codes(
    client: httpx.AsyncClient, services: Services, user: User, token: str, clock: SettableClock
) -> None:
    secret, codes = await enable(client, token, clock)
    other = (await create_user(services, OTHER_EMAIL, PASSWORD)).id
    other_token = (await login(client, OTHER_EMAIL, PASSWORD))["access_token"]
    # Enable takes the secret from the client: here, the first user's.
    enabled = await gql(
        client, ENABLE, {"otp": totp(secret, clock), "secret": secret}, token=other_token
    )
    assert enabled.body == {"data": {"users_me_tfa_enable": True}}
    clock.advance(WINDOW)
    # The first user's codes do not sign the other account in...
    for code in codes[:2]:
        assert (await otp_login(client, code, OTHER_EMAIL)).codes == ["INVALID_OTP"]
    # ... nor is the other account shown that set for the secret.
    assert not set(services.tfa.recovery_codes_for(secret, other)) & set(codes)
    assert await left(client, other_token) == 10
    assert await left(client, token) == 10


async def test_enabling_a_secret_again_does_not_bring_back_its_codes(
    client: httpx.AsyncClient, services: Services, user: User, token: str, clock: SettableClock
) -> None:
    secret, codes = await enable(client, token, clock)
    assert (await otp_login(client, codes[0])).data["auth_login"]["access_token"]
    # The user replaces the set (say the printed sheet was stolen), then turns TFA off.
    renewed = await gql(client, REGENERATE, {"otp": totp(secret, clock)}, token=token)
    assert not renewed.body.get("errors"), renewed.body
    clock.advance(WINDOW)
    disabled = await gql(client, DISABLE, {"otp": totp(secret, clock)}, token=token)
    assert disabled.body == {"data": {"users_me_tfa_disable": True}}
    clock.advance(WINDOW)
    # A client turns TFA on again with the same secret (Directus's enable takes any).
    again = await gql(client, ENABLE, {"otp": totp(secret, clock), "secret": secret}, token=token)
    assert again.body == {"data": {"users_me_tfa_enable": True}}
    clock.advance(WINDOW)
    # Neither the used code nor the replaced ones sign in again: that set was shown once.
    for code in codes[:3]:
        assert (await otp_login(client, code)).codes == ["INVALID_OTP"]
    # No set is stored that nobody was shown: the user makes a new one.
    assert await left(client, token) == 0
    fresh = await gql(client, REGENERATE, {"otp": totp(secret, clock)}, token=token)
    new = fresh.data["users_me_tfa_recovery_codes_regenerate"]
    assert await left(client, token) == 10
    assert (await otp_login(client, new[0])).data["auth_login"]["access_token"]


async def test_no_code_is_written_anywhere_but_the_answers_that_show_them(
    client: httpx.AsyncClient,
    services: Services,
    user: User,
    token: str,
    clock: SettableClock,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Logs (the access line included), the audit trail, the mail queue's rows after they
    were sent, and the refusals' messages hold no code in any form it may be typed in."""
    caplog.set_level(logging.DEBUG)
    secret, codes = await enable(client, token, clock)
    used = await otp_login(client, codes[0])
    assert used.data["auth_login"]["access_token"]
    replayed = await otp_login(client, loosely_typed(codes[0]))
    assert replayed.codes == ["INVALID_OTP"]
    wrong = await gql(client, REGENERATE, {"otp": codes[1]}, token=token)
    assert wrong.codes == ["INVALID_PAYLOAD"]
    renewed = await client.post(
        "/graphql/system",
        json={"query": REGENERATE, "variables": {"otp": totp(secret, clock)}},
        headers={"Authorization": f"Bearer {token}"},
    )
    new = renewed.json()["data"]["users_me_tfa_recovery_codes_regenerate"]
    assert len(new) == 10
    assert renewed.headers["cache-control"] == "no-store"
    await services.mailer.drain()

    forms = {form for code in codes + new for form in typed_forms(code)}
    admin = (await login(client))["access_token"]
    written = [
        caplog.text,
        json.dumps(await activity_rows(client, admin)),
        json.dumps([replayed.body, wrong.body]),
        *[row.message for row in await mail_rows(services)],
    ]
    for text in written:
        assert not [form for form in forms if form in text]


async def test_the_tables_are_no_collection_of_the_item_apis(
    client: httpx.AsyncClient, admin_token: str
) -> None:
    for table in ("dauth_tfa_recovery_codes", "dauth_tfa_enabled_secrets"):
        reply = await client.get(
            f"/items/{table}", headers={"Authorization": f"Bearer {admin_token}"}
        )
        assert reply.status_code in (403, 404), reply.text
        assert "code_hash" not in reply.text
        assert "mark" not in reply.text
        query = await gql(client, f"{{ {table} {{ id }} }}", token=admin_token)
        assert "data" not in query.body or not query.body["data"]


async def mail_rows(services: Services) -> list[QueuedMail]:
    async with services.db.read() as session:
        return list((await session.exec(select(QueuedMail))).all())


async def test_parallel_enables_store_one_secret_and_one_set(
    client: httpx.AsyncClient, services: Services, user: User, token: str, clock: SettableClock
) -> None:
    """Two enables racing (two tabs, two generate answers): one wins, and only its set is
    stored; the other is refused as TFA already on, its codes never stored."""
    first = await gql(client, GENERATE, {"password": PASSWORD}, token=token)
    second = await gql(client, GENERATE, {"password": PASSWORD}, token=token)
    secrets = [reply.data["users_me_tfa_generate"]["secret"] for reply in (first, second)]
    replies = await asyncio.gather(
        *(
            gql(client, ENABLE, {"otp": totp(secret, clock), "secret": secret}, token=token)
            for secret in secrets
        )
    )
    won = [reply for reply in replies if not reply.body.get("errors")]
    assert len(won) == 1, [reply.body for reply in replies]
    assert await left(client, token) == 10
    assert len(await stored_codes(services, user.id)) == 10


async def test_an_admin_clearing_tfa_by_rest_batch_or_deleting_the_user_drops_the_codes(
    client: httpx.AsyncClient,
    services: Services,
    user: User,
    token: str,
    clock: SettableClock,
    admin_token: str,
) -> None:
    await enable(client, token, clock)
    admin = {"Authorization": f"Bearer {admin_token}"}
    cleared = await client.patch(
        "/users", json={"keys": [user.id], "data": {"tfa_secret": None}}, headers=admin
    )
    assert cleared.status_code == 200, cleared.text
    assert await stored_codes(services, user.id) == []
    clock.advance(WINDOW)
    await enable(client, token, clock)
    assert len(await stored_codes(services, user.id)) == 10
    deleted = await client.delete(f"/users/{user.id}", headers=admin)
    assert deleted.status_code == 204, deleted.text
    assert await stored_codes(services, user.id) == []
