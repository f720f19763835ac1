"""Logging in with a passkey over GraphQL: the three modes, no OTP after it, and every
refusal coded with nothing changed (no session, sign count and credential as they were)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx
import pyotp
import pytest
from sqlalchemy import func
from sqlmodel import col, select

from app.clock import SettableClock
from app.db.models import Role, Session, User
from app.repositories import policies as policies_repo
from app.services.container import Services
from tests.conftest import LOGIN, create_user, gql, login
from tests.graphql.helpers import (
    ME_ID,
    REFRESH,
    REFRESH_COOKIE,
    SESSION_COOKIE,
    claims_of,
    cookie_header_for,
    set_status,
)
from tests.graphql.passkey_helpers import (
    DELETE,
    actions,
    login_options,
    passkey_login,
    register,
    stored,
)
from tests.passkey_authenticator import SoftAuthenticator

EMAIL = "grace.passkey@example.com"
PASSWORD = "passkey-password-2"
OTHER = "linus.passkey@example.com"


@pytest.fixture
async def user(services: Services) -> User:
    return await create_user(services, EMAIL, PASSWORD)


@pytest.fixture
async def enrolled(
    client: httpx.AsyncClient, user: User
) -> tuple[SoftAuthenticator, dict[str, Any]]:
    token = (await login(client, EMAIL, PASSWORD))["access_token"]
    return await register(client, token)


async def sessions_of(services: Services, user_id: str) -> int:
    async with services.db.read() as session:
        statement = select(func.count()).where(col(Session.user) == user_id)
        return int((await session.exec(statement)).one())


async def snapshot(services: Services, passkey_id: str) -> tuple[Any, ...]:
    row = await stored(services, passkey_id)
    assert row is not None
    return (row.sign_count, row.last_used, row.public_key, row.credential_id, row.name)


async def assert_refused(
    client: httpx.AsyncClient,
    services: Services,
    user: User,
    passkey: dict[str, Any],
    credential: dict[str, Any],
) -> None:
    """Refused INVALID_CREDENTIALS, and nothing changed."""
    before = (await sessions_of(services, user.id), await snapshot(services, passkey["id"]))
    reply = await passkey_login(client, credential)
    assert reply.codes == ["INVALID_CREDENTIALS"], reply.body
    assert reply.body.get("data") in (None, {"auth_login_passkey": None})
    after = (await sessions_of(services, user.id), await snapshot(services, passkey["id"]))
    assert after == before


async def test_login_in_json_mode_answers_tokens_as_auth_login(
    client: httpx.AsyncClient,
    services: Services,
    user: User,
    enrolled: tuple[SoftAuthenticator, dict[str, Any]],
) -> None:
    authenticator, passkey = enrolled
    reply = await passkey_login(client, authenticator.get(await login_options(client)))
    tokens = reply.data["auth_login_passkey"]
    assert tokens["refresh_token"]
    assert tokens["expires"] == "900000"
    assert claims_of(tokens["access_token"])["id"] == user.id
    me = await gql(client, ME_ID, token=tokens["access_token"])
    assert me.data["users_me"]["email"] == EMAIL
    row = await stored(services, passkey["id"])
    assert row is not None
    assert row.sign_count == authenticator.sign_count == 1
    assert row.last_used is not None
    logins = await actions(services, "login")
    assert [entry.comment for entry in logins][-1] == f"passkey={passkey['id']}"


async def test_login_in_cookie_and_session_modes_sets_the_cookies(
    client: httpx.AsyncClient, enrolled: tuple[SoftAuthenticator, dict[str, Any]]
) -> None:
    authenticator, _ = enrolled
    options = await login_options(client, EMAIL)
    reply = await passkey_login(client, authenticator.get(options), "cookie")
    tokens = reply.data["auth_login_passkey"]
    assert tokens["access_token"]
    assert tokens["refresh_token"] is None
    assert "HttpOnly" in cookie_header_for(reply.response.headers, REFRESH_COOKIE)

    reply = await passkey_login(client, authenticator.get(await login_options(client)), "session")
    assert reply.data["auth_login_passkey"]["access_token"] is None
    session_cookie = cookie_header_for(reply.response.headers, SESSION_COOKIE)
    value = session_cookie.split(";")[0].split("=", 1)[1]
    me = await gql(client, ME_ID, headers={"cookie": f"{SESSION_COOKIE}={value}"})
    assert me.data["users_me"]["email"] == EMAIL


async def test_a_tfa_user_logs_in_with_a_passkey_without_an_otp(
    client: httpx.AsyncClient, services: Services
) -> None:
    secret = pyotp.random_base32()
    await create_user(services, EMAIL, PASSWORD, tfa_secret=secret)
    variables = {"email": EMAIL, "password": PASSWORD, "otp": pyotp.TOTP(secret).now()}
    token = (await gql(client, LOGIN, variables)).data["auth_login"]["access_token"]
    authenticator, _ = await register(client, token)
    reply = await passkey_login(client, authenticator.get(await login_options(client, EMAIL)))
    assert reply.data["auth_login_passkey"]["access_token"]


@pytest.mark.parametrize(
    ("origin", "rp_id"), [("http://evil.example", None), (None, "evil.example")]
)
async def test_an_assertion_from_another_origin_or_rp_is_refused(
    client: httpx.AsyncClient,
    services: Services,
    user: User,
    enrolled: tuple[SoftAuthenticator, dict[str, Any]],
    origin: str | None,
    rp_id: str | None,
) -> None:
    authenticator, passkey = enrolled
    credential = authenticator.get(await login_options(client), origin=origin, rp_id=rp_id)
    await assert_refused(client, services, user, passkey, credential)


async def test_a_challenge_works_once(
    client: httpx.AsyncClient,
    services: Services,
    user: User,
    enrolled: tuple[SoftAuthenticator, dict[str, Any]],
) -> None:
    authenticator, passkey = enrolled
    options = await login_options(client)
    assert (await passkey_login(client, authenticator.get(options))).data["auth_login_passkey"]
    await assert_refused(client, services, user, passkey, authenticator.get(options))


async def test_an_expired_challenge_is_refused(
    client: httpx.AsyncClient,
    services: Services,
    user: User,
    clock: SettableClock,
    enrolled: tuple[SoftAuthenticator, dict[str, Any]],
) -> None:
    authenticator, passkey = enrolled
    options = await login_options(client)
    clock.advance(timedelta(minutes=5, seconds=1))
    await assert_refused(client, services, user, passkey, authenticator.get(options))


async def test_a_sign_count_going_backwards_is_refused_and_audited(
    client: httpx.AsyncClient,
    services: Services,
    user: User,
    enrolled: tuple[SoftAuthenticator, dict[str, Any]],
) -> None:
    authenticator, passkey = enrolled
    copy = authenticator.clone()
    await passkey_login(client, authenticator.get(await login_options(client)))
    await passkey_login(client, authenticator.get(await login_options(client)))
    await assert_refused(
        client, services, user, passkey, copy.get(await login_options(client), count=2)
    )
    cloned = await actions(services, "passkey.cloned")
    assert [entry.user for entry in cloned] == [user.id]
    assert "sign count 2 after 2" in (cloned[0].comment or "")


async def test_a_credential_of_another_user_is_refused_for_the_email_asked(
    client: httpx.AsyncClient,
    services: Services,
    user: User,
    enrolled: tuple[SoftAuthenticator, dict[str, Any]],
) -> None:
    other = await create_user(services, OTHER, PASSWORD)
    other_token = (await login(client, OTHER, PASSWORD))["access_token"]
    theirs, their_key = await register(client, other_token)
    # The challenge was asked for EMAIL; OTHER's passkey answers it.
    credential = theirs.get(await login_options(client, EMAIL))
    await assert_refused(client, services, other, their_key, credential)
    await assert_refused(client, services, user, enrolled[1], credential)
    # Asked for OTHER's email (or none), it works.
    reply = await passkey_login(client, theirs.get(await login_options(client, OTHER.upper())))
    assert claims_of(reply.data["auth_login_passkey"]["access_token"])["id"] == other.id


async def test_a_deleted_or_unknown_credential_is_refused(
    client: httpx.AsyncClient,
    services: Services,
    user: User,
    enrolled: tuple[SoftAuthenticator, dict[str, Any]],
) -> None:
    authenticator, passkey = enrolled
    token = (await login(client, EMAIL, PASSWORD))["access_token"]
    _, spare = await register(client, token)
    reply = await gql(client, DELETE, {"id": passkey["id"], "password": PASSWORD}, token=token)
    assert reply.body == {"data": {"users_me_passkey_delete": True}}
    sessions = await sessions_of(services, user.id)
    reply = await passkey_login(client, authenticator.get(await login_options(client)))
    assert reply.codes == ["INVALID_CREDENTIALS"]
    stranger = SoftAuthenticator()
    reply = await passkey_login(client, stranger.get(await login_options(client)))
    assert reply.codes == ["INVALID_CREDENTIALS"]
    assert await sessions_of(services, user.id) == sessions
    assert await stored(services, spare["id"]) is not None


async def test_failed_assertions_lock_the_account_and_a_locked_user_cannot_log_in(
    client: httpx.AsyncClient,
    services: Services,
    user: User,
    enrolled: tuple[SoftAuthenticator, dict[str, Any]],
) -> None:
    authenticator, passkey = enrolled
    for _ in range(5):  # AUTH_LOCKOUT_THRESHOLD
        bad = authenticator.get(await login_options(client), origin="http://evil.example")
        assert (await passkey_login(client, bad)).codes == ["INVALID_CREDENTIALS"]
    async with services.db.read() as session:
        row = await session.get(User, user.id)
    assert row is not None
    assert row.locked_until is not None
    # The right assertion is not even checked during the lock.
    await assert_refused(
        client, services, user, passkey, authenticator.get(await login_options(client))
    )
    assert len(await actions(services, "login.locked")) >= 2


@pytest.mark.parametrize("status", ["suspended", "invited", "archived"])
async def test_an_inactive_user_is_refused(
    client: httpx.AsyncClient,
    services: Services,
    user: User,
    enrolled: tuple[SoftAuthenticator, dict[str, Any]],
    status: str,
) -> None:
    authenticator, passkey = enrolled
    await set_status(services, user.id, status)
    await assert_refused(
        client, services, user, passkey, authenticator.get(await login_options(client))
    )


async def test_options_answer_the_same_shape_for_an_unknown_email(
    client: httpx.AsyncClient, enrolled: tuple[SoftAuthenticator, dict[str, Any]]
) -> None:
    known = await login_options(client, EMAIL)
    unknown = await login_options(client, "nobody@example.com")
    anyone = await login_options(client)
    assert set(known) == set(unknown) == set(anyone)
    assert {key: value for key, value in known.items() if key != "challenge"} == {
        key: value for key, value in unknown.items() if key != "challenge"
    }
    assert "allowCredentials" not in known or known["allowCredentials"] == []
    assert known["challenge"] != unknown["challenge"]
    assert known["rpId"] == "127.0.0.1"
    assert known["userVerification"] == "preferred"


async def test_a_passkey_satisfies_a_policy_that_enforces_tfa(
    client: httpx.AsyncClient,
    services: Services,
    user: User,
    enrolled: tuple[SoftAuthenticator, dict[str, Any]],
) -> None:
    async with services.db.write() as session:
        assert user.role is not None
        role = await session.get(Role, user.role)
        assert role is not None
        await policies_repo.set_own_flags(session, role.id, role.name, {"enforce_tfa": True})
    authenticator, passkey = enrolled
    reply = await passkey_login(client, authenticator.get(await login_options(client)))
    tokens = reply.data["auth_login_passkey"]
    token = tokens["access_token"]
    assert "enforce_tfa" not in claims_of(token)
    # A refresh reads the user another way: the same answer.
    variables = {"refresh_token": tokens["refresh_token"]}
    refreshed = (await gql(client, REFRESH, variables)).data["auth_refresh"]
    assert "enforce_tfa" not in claims_of(refreshed["access_token"])
    # Without the passkey the policy is not satisfied.
    await gql(client, DELETE, {"id": passkey["id"]}, token=token)
    tokens = await login(client, EMAIL, PASSWORD)
    assert claims_of(tokens["access_token"]).get("enforce_tfa") is True
