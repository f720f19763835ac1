"""TFA recovery codes over GraphQL: shown by generate, stored by enable as hashes only, each
good for one login in place of a TOTP code, replaced by regenerate, counted, deleted when TFA
goes off; a use is audited and mailed to the user. Parallel logins with one code: one wins."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from app.accountability import ClientInfo
from app.clock import SettableClock
from app.db.models import User
from app.errors import InvalidOtpError
from app.mail.mailer import MailComposer
from app.mail.templates import TemplateStore
from app.services.container import Services
from app.services.recovery_codes import RecoveryCodes
from app.services.sessions import AuthMode
from tests.conftest import LOGIN, create_user, gql, login
from tests.graphql.helpers import totp
from tests.graphql.mutation_seed import stored_user
from tests.graphql.recovery_helpers import (
    SHOWN,
    assert_hashes_only,
    body_of,
    loosely_typed,
    stored_codes,
    used_mails,
)
from tests.graphql.security_helpers import actions_of, activity_rows

EMAIL = "recovery+codes@example.com"
OTHER_EMAIL = "someone.else@example.com"
PASSWORD = "recovery-password-1"
WINDOW = timedelta(seconds=30)

GENERATE = """
mutation Generate($password: String!) {
  users_me_tfa_generate(password: $password) { secret otpauth_url recovery_codes }
}
"""
ENABLE = """
mutation E($otp: String!, $secret: String!) { users_me_tfa_enable(otp: $otp, secret: $secret) }
"""
DISABLE = "mutation D($otp: String!) { users_me_tfa_disable(otp: $otp) }"
REGENERATE = "mutation R($otp: String!) { users_me_tfa_recovery_codes_regenerate(otp: $otp) }"
LEFT = "{ users_me_tfa_recovery_codes_left }"
CLEAR = """
mutation Clear($id: ID!) { update_users_item(id: $id, data: {tfa_secret: null}) { id } }
"""


@pytest.fixture
def outbox(tmp_path: Path) -> Path:
    return tmp_path / "outbox"  # where the test settings' outbox transport writes


@pytest.fixture
async def user(services: Services) -> User:
    return await create_user(services, EMAIL, PASSWORD)


@pytest.fixture
async def token(client: httpx.AsyncClient, user: User) -> str:
    access: str = (await login(client, EMAIL, PASSWORD))["access_token"]
    return access


async def enable(
    client: httpx.AsyncClient, token: str, clock: SettableClock
) -> tuple[str, list[str]]:
    """TFA on: the secret and the recovery codes generate showed."""
    reply = await gql(client, GENERATE, {"password": PASSWORD}, token=token)
    assert not reply.body.get("errors"), reply.body
    data = reply.data["users_me_tfa_generate"]
    secret, codes = data["secret"], data["recovery_codes"]
    enabled = await gql(client, ENABLE, {"otp": totp(secret, clock), "secret": secret}, token=token)
    assert enabled.body == {"data": {"users_me_tfa_enable": True}}
    clock.advance(WINDOW)  # the enabling code's step is spent
    return secret, codes


async def otp_login(client: httpx.AsyncClient, otp: str, email: str = EMAIL) -> Any:
    return await gql(client, LOGIN, {"email": email, "password": PASSWORD, "otp": otp})


async def left(client: httpx.AsyncClient, token: str) -> Any:
    reply = await gql(client, LEFT, token=token)
    assert not reply.body.get("errors"), reply.body
    return reply.data["users_me_tfa_recovery_codes_left"]


async def test_generate_shows_ten_codes_and_stores_nothing_until_enable(
    client: httpx.AsyncClient, services: Services, user: User, token: str, clock: SettableClock
) -> None:
    reply = await gql(client, GENERATE, {"password": PASSWORD}, token=token)
    codes = reply.data["users_me_tfa_generate"]["recovery_codes"]
    assert len(codes) == 10
    assert len(set(codes)) == 10
    assert all(SHOWN.fullmatch(code) for code in codes), codes
    assert await stored_codes(services, user.id) == []
    assert await left(client, token) == 0

    secret = reply.data["users_me_tfa_generate"]["secret"]
    enabled = await gql(client, ENABLE, {"otp": totp(secret, clock), "secret": secret}, token=token)
    assert enabled.body == {"data": {"users_me_tfa_enable": True}}
    rows = await stored_codes(services, user.id)
    assert len(rows) == 10
    assert all(row.used_at is None for row in rows)
    assert_hashes_only(rows, codes)
    assert await left(client, token) == 10


async def test_a_code_logs_in_once_and_is_refused_after(
    client: httpx.AsyncClient, services: Services, user: User, token: str, clock: SettableClock
) -> None:
    _, codes = await enable(client, token, clock)
    first = await otp_login(client, loosely_typed(codes[0]))  # any case, spaces for dashes
    assert not first.body.get("errors"), first.body
    assert first.data["auth_login"]["access_token"]
    assert await left(client, token) == 9
    used = [row for row in await stored_codes(services, user.id) if row.used_at is not None]
    assert len(used) == 1

    again = await otp_login(client, codes[0])
    assert "data" not in again.body
    assert again.codes == ["INVALID_OTP"]
    # A refused code is a failed login, as a wrong TOTP code is.
    assert (await stored_user(services, user.id)).failed_login_attempts == 1
    assert await left(client, token) == 9
    # Another code still works, dashes and all, and the success clears the failures.
    second = await otp_login(client, codes[1])
    assert second.data["auth_login"]["access_token"]
    assert (await stored_user(services, user.id)).failed_login_attempts == 0
    assert await left(client, token) == 8


async def test_a_code_of_another_user_or_a_made_up_one_is_invalid_otp(
    client: httpx.AsyncClient, services: Services, user: User, token: str, clock: SettableClock
) -> None:
    await enable(client, token, clock)
    await create_user(services, OTHER_EMAIL, PASSWORD)
    other_token = (await login(client, OTHER_EMAIL, PASSWORD))["access_token"]
    _, other_codes = await enable(client, other_token, clock)
    assert (await otp_login(client, other_codes[0])).codes == ["INVALID_OTP"]
    assert (await otp_login(client, "AAAA-BBBB-CCCC-DDDD")).codes == ["INVALID_OTP"]
    assert await left(client, token) == 10
    assert await left(client, other_token) == 10


async def test_parallel_logins_with_one_code_exactly_one_wins(
    client: httpx.AsyncClient, user: User, token: str, clock: SettableClock
) -> None:
    _, codes = await enable(client, token, clock)
    replies = await asyncio.gather(*(otp_login(client, codes[2]) for _ in range(4)))
    won = [reply for reply in replies if not reply.body.get("errors")]
    assert len(won) == 1, [reply.body for reply in replies]
    assert all(reply.codes == ["INVALID_OTP"] for reply in replies if reply not in won)
    assert await left(client, token) == 9


async def test_regenerate_replaces_the_set(
    client: httpx.AsyncClient, services: Services, user: User, token: str, clock: SettableClock
) -> None:
    secret, old = await enable(client, token, clock)
    assert (await otp_login(client, old[0])).data["auth_login"]
    assert await left(client, token) == 9

    reply = await gql(client, REGENERATE, {"otp": totp(secret, clock)}, token=token)
    assert not reply.body.get("errors"), reply.body
    new = reply.data["users_me_tfa_recovery_codes_regenerate"]
    assert len(new) == 10
    assert all(SHOWN.fullmatch(code) for code in new)
    assert not set(new) & set(old)
    assert await left(client, token) == 10
    rows = await stored_codes(services, user.id)
    assert len(rows) == 10
    assert_hashes_only(rows, new + old)

    assert (await otp_login(client, old[1])).codes == ["INVALID_OTP"]
    assert (await otp_login(client, new[0])).data["auth_login"]["access_token"]
    assert await left(client, token) == 9
    assert "tfa.recovery_codes_regenerated" in actions_of(
        await activity_rows(client, (await login(client))["access_token"])
    )


async def test_regenerate_needs_a_current_totp_code_and_a_wrong_one_is_a_failure(
    client: httpx.AsyncClient, services: Services, user: User, token: str, clock: SettableClock
) -> None:
    secret, codes = await enable(client, token, clock)
    wrong = f"{(int(totp(secret, clock)) + 1) % 1_000_000:06d}"
    for otp in (wrong, codes[0]):  # a recovery code does not make new ones
        reply = await gql(client, REGENERATE, {"otp": otp}, token=token)
        assert "data" not in reply.body or reply.data == {
            "users_me_tfa_recovery_codes_regenerate": None
        }
        assert reply.codes == ["INVALID_PAYLOAD"]
        assert '"otp" is invalid' in reply.body["errors"][0]["message"]
    assert (await stored_user(services, user.id)).failed_login_attempts == 2
    assert await left(client, token) == 10
    # A TOTP code works once here too.
    code = totp(secret, clock)
    assert (await gql(client, REGENERATE, {"otp": code}, token=token)).codes == []
    assert (await gql(client, REGENERATE, {"otp": code}, token=token)).codes == ["INVALID_PAYLOAD"]


async def test_without_tfa_regenerate_is_refused_and_the_count_is_zero(
    client: httpx.AsyncClient, token: str
) -> None:
    reply = await gql(client, REGENERATE, {"otp": "123456"}, token=token)
    assert reply.codes == ["INVALID_PAYLOAD"]
    assert "TFA is not enabled for this user" in reply.body["errors"][0]["message"]
    assert await left(client, token) == 0


async def test_the_public_gets_null(client: httpx.AsyncClient) -> None:
    assert (await gql(client, LEFT)).body == {"data": {"users_me_tfa_recovery_codes_left": None}}
    reply = await gql(client, REGENERATE, {"otp": "123456"})
    assert reply.body == {"data": {"users_me_tfa_recovery_codes_regenerate": None}}


async def test_disabling_tfa_deletes_the_codes(
    client: httpx.AsyncClient, services: Services, user: User, token: str, clock: SettableClock
) -> None:
    secret, codes = await enable(client, token, clock)
    reply = await gql(client, DISABLE, {"otp": totp(secret, clock)}, token=token)
    assert reply.body == {"data": {"users_me_tfa_disable": True}}
    assert await stored_codes(services, user.id) == []
    assert await left(client, token) == 0
    # Without TFA an otp is not asked for; a new enable makes a new set.
    assert (await login(client, EMAIL, PASSWORD))["access_token"]
    clock.advance(WINDOW)
    _, fresh = await enable(client, token, clock)
    assert not set(fresh) & set(codes)
    assert len(await stored_codes(services, user.id)) == 10


async def test_an_admin_clearing_tfa_secret_deletes_the_codes(
    client: httpx.AsyncClient,
    services: Services,
    user: User,
    token: str,
    clock: SettableClock,
    admin_token: str,
) -> None:
    await enable(client, token, clock)
    reply = await gql(client, CLEAR, {"id": user.id}, token=admin_token)
    assert reply.body == {"data": {"update_users_item": {"id": user.id}}}
    assert await stored_codes(services, user.id) == []


async def test_a_use_is_audited_and_mailed_with_the_count_left(
    client: httpx.AsyncClient,
    services: Services,
    user: User,
    token: str,
    clock: SettableClock,
    outbox: Path,
) -> None:
    _, codes = await enable(client, token, clock)
    assert (await otp_login(client, codes[3])).data["auth_login"]
    mails = await used_mails(services, outbox)
    assert len(mails) == 1
    assert mails[0]["To"] == EMAIL
    text = body_of(mails[0])
    assert "Recovery codes left: 9" in text
    assert codes[3] not in text
    assert codes[3].replace("-", "") not in text

    rows = await activity_rows(client, (await login(client))["access_token"])
    used = [row for row in rows if row["action"] == "tfa.recovery_code_used"]
    assert len(used) == 1
    assert used[0]["user"] == user.id
    assert used[0]["comment"] == "9 recovery codes left"
    # The login itself is audited as any other.
    assert actions_of(rows).count("login") >= 2

    # A refused code sends nothing.
    assert (await otp_login(client, codes[3])).codes == ["INVALID_OTP"]
    assert len(await used_mails(services, outbox)) == 1


async def test_two_logins_that_both_found_the_code_unused_spend_it_once(
    client: httpx.AsyncClient, services: Services, user: User, token: str, clock: SettableClock
) -> None:
    """The race the guarded UPDATE settles: logins serialised per user in one process rarely
    get here, instances of a cluster can. Both second factors matched the unused code; the
    second session's transaction finds it spent and refuses (nothing of it is written)."""
    _, codes = await enable(client, token, clock)
    settings = services.settings
    composer = MailComposer(TemplateStore(settings.email_templates_path), settings.email_from)
    recovery = RecoveryCodes(
        services.db, settings.secret, services.clock, services.audit, composer, services.mailer
    )
    checked = await stored_user(services, user.id)
    client_info = ClientInfo(ip="127.0.0.1")
    first = await recovery.matching(checked, codes[4], client_info)
    second = await recovery.matching(checked, codes[4], client_info)
    assert first is not None
    assert second is not None
    await services.sessions.open_session(checked, AuthMode.JSON, client_info, tfa=first)
    with pytest.raises(InvalidOtpError):
        await services.sessions.open_session(checked, AuthMode.JSON, client_info, tfa=second)
    assert await left(client, token) == 9
    rows = await activity_rows(client, (await login(client))["access_token"])
    assert actions_of(rows).count("tfa.recovery_code_used") == 1
