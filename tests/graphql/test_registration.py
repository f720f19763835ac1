"""users_register / users_register_verify end to end, with mail through a real SMTP server."""

from __future__ import annotations

import asyncio
import html
import statistics
import time
from datetime import timedelta
from typing import Any

import httpx
import pytest

from app.clock import SettableClock
from app.db.models import new_id
from app.services.container import Services
from tests.conftest import ADMIN_EMAIL, ADMIN_PASSWORD, LOGIN, create_role, gql, login
from tests.graphql.helpers import claims_of
from tests.mail_links import (
    HREF,
    PUBLIC_URL,
    SENDER,
    delivered,
    link_in,
    smtp_settings,
    token_of,
)
from tests.mail_server import Inbox, html_of

ALLOWED_VERIFY_URL = "https://app.example.com/verify"

NEWCOMER = "newcomer@example.com"
PASSWORD = "newcomer-password-1"

REGISTER = """
mutation Register(
  $email: String!, $password: String!, $verification_url: String,
  $first_name: String, $last_name: String
) {
  users_register(
    email: $email, password: $password, verification_url: $verification_url,
    first_name: $first_name, last_name: $last_name
  )
}
"""

VERIFY = "mutation Verify($token: String!) { users_register_verify(token: $token) }"

UPDATE_SETTINGS = """
mutation Settings($data: update_directus_settings_input!) {
  update_settings(data: $data) {
    public_registration public_registration_verify_email public_registration_email_filter
    auth_password_policy public_registration_role { id }
  }
}
"""

USER_BY_EMAIL = """
query User($email: String!) {
  users(filter: {email: {_eq: $email}}) { email status first_name last_name role { id } }
}
"""


def flow_settings(port: int) -> dict[str, Any]:
    return smtp_settings(port, user_register_url_allow_list=[ALLOWED_VERIFY_URL])


@pytest.fixture
def settings_overrides(smtp: tuple[int, Inbox]) -> dict[str, Any]:
    return flow_settings(smtp[0])


@pytest.fixture
async def role(services: Services) -> str:
    role_id = new_id()
    await create_role(services, role_id, "Members")
    return role_id


async def configure(client: httpx.AsyncClient, admin_token: str, **data: Any) -> dict[str, Any]:
    reply = await gql(client, UPDATE_SETTINGS, {"data": data}, token=admin_token)
    assert not reply.body.get("errors"), reply.body
    settings: dict[str, Any] = reply.data["update_settings"]
    return settings


async def enable_registration(
    client: httpx.AsyncClient,
    admin_token: str,
    role: str,
    *,
    verify_email: bool = True,
    email_filter: dict[str, Any] | None = None,
) -> None:
    data: dict[str, Any] = {
        "public_registration": True,
        "public_registration_role": {"id": role},
        "public_registration_verify_email": verify_email,
    }
    if email_filter is not None:
        data["public_registration_email_filter"] = email_filter
    settings = await configure(client, admin_token, **data)
    assert settings["public_registration"] is True
    assert settings["public_registration_verify_email"] is verify_email
    assert settings["public_registration_role"] == {"id": role}
    assert settings["public_registration_email_filter"] == email_filter


async def register(
    client: httpx.AsyncClient,
    email: str = NEWCOMER,
    password: str = PASSWORD,
    **extra: Any,
) -> dict[str, Any]:
    reply = await gql(client, REGISTER, {"email": email, "password": password, **extra})
    assert reply.status == 200
    return reply.body


def codes(body: dict[str, Any]) -> list[str]:
    return [error["extensions"]["code"] for error in body.get("errors", [])]


async def user_rows(client: httpx.AsyncClient, admin_token: str, email: str) -> list[Any]:
    reply = await gql(client, USER_BY_EMAIL, {"email": email}, token=admin_token)
    rows: list[Any] = reply.data["users"]
    return rows


async def registration_token(
    client: httpx.AsyncClient, services: Services, inbox: Inbox, email: str = NEWCOMER
) -> str:
    before = len(await delivered(services, inbox))
    assert await register(client, email) == {"data": {"users_register": True}}
    messages = await delivered(services, inbox)
    assert len(messages) == before + 1
    return token_of(link_in(messages[-1]))


# Disabled --------------------------------------------------------------------------------


async def test_registration_is_forbidden_by_default(
    client: httpx.AsyncClient, services: Services, inbox: Inbox, admin_token: str
) -> None:
    body = await register(client)
    assert "data" not in body
    assert codes(body) == ["FORBIDDEN"]
    assert await user_rows(client, admin_token, NEWCOMER) == []
    assert await delivered(services, inbox) == []


async def test_registration_switched_off_again_is_forbidden(
    client: httpx.AsyncClient, services: Services, inbox: Inbox, admin_token: str, role: str
) -> None:
    await enable_registration(client, admin_token, role)
    settings = await configure(client, admin_token, public_registration=False)
    assert settings["public_registration"] is False
    body = await register(client)
    assert codes(body) == ["FORBIDDEN"]
    assert await user_rows(client, admin_token, NEWCOMER) == []
    assert await delivered(services, inbox) == []


# With verification -----------------------------------------------------------------------


async def test_new_user_is_unverified_with_the_role_and_gets_the_verification_mail(
    client: httpx.AsyncClient, services: Services, inbox: Inbox, admin_token: str, role: str
) -> None:
    await enable_registration(client, admin_token, role)
    body = await register(client, first_name="Ada", last_name="Lovelace")
    assert body == {"data": {"users_register": True}}

    assert await user_rows(client, admin_token, NEWCOMER) == [
        {
            "email": NEWCOMER,
            "status": "unverified",
            "first_name": "Ada",
            "last_name": "Lovelace",
            "role": {"id": role},
        }
    ]
    messages = await delivered(services, inbox)
    assert len(messages) == 1
    message = messages[0]
    assert inbox.to(NEWCOMER) == [message]
    assert message["Subject"] == "Verify your email address"
    assert message["From"] == SENDER
    assert [part.get_content_type() for part in message.iter_parts()] == [
        "text/plain",
        "text/html",
    ]
    link = link_in(message)
    assert link.startswith(f"{PUBLIC_URL}/users/register/verify-email?token=")
    assert html.unescape(HREF.findall(html_of(message))[0]) == link
    claims = claims_of(token_of(link))
    assert claims["scope"] == "pending-registration"
    assert claims["exp"] - claims["iat"] == 7 * 86_400

    unverified = await gql(client, LOGIN, {"email": NEWCOMER, "password": PASSWORD})
    assert unverified.codes == ["INVALID_CREDENTIALS"]


async def test_verify_activates_the_user_who_can_then_log_in(
    client: httpx.AsyncClient, services: Services, inbox: Inbox, admin_token: str, role: str
) -> None:
    await enable_registration(client, admin_token, role)
    token = await registration_token(client, services, inbox)

    reply = await gql(client, VERIFY, {"token": token})
    assert reply.body == {"data": {"users_register_verify": True}}
    [row] = await user_rows(client, admin_token, NEWCOMER)
    assert row["status"] == "active"
    assert row["role"] == {"id": role}

    tokens = await login(client, NEWCOMER, PASSWORD)
    me = await gql(client, "{ users_me { email role { id } } }", token=tokens["access_token"])
    assert me.data == {"users_me": {"email": NEWCOMER, "role": {"id": role}}}


async def test_verify_twice_is_invalid_payload(
    client: httpx.AsyncClient, services: Services, inbox: Inbox, admin_token: str, role: str
) -> None:
    await enable_registration(client, admin_token, role)
    token = await registration_token(client, services, inbox)
    assert (await gql(client, VERIFY, {"token": token})).data == {"users_register_verify": True}

    again = await gql(client, VERIFY, {"token": token})
    assert "data" not in again.body
    assert again.codes == ["INVALID_PAYLOAD"]
    assert (await user_rows(client, admin_token, NEWCOMER))[0]["status"] == "active"


async def test_verify_does_not_reactivate_a_suspended_user(
    client: httpx.AsyncClient, services: Services, inbox: Inbox, admin_token: str, role: str
) -> None:
    await enable_registration(client, admin_token, role)
    token = await registration_token(client, services, inbox)
    assert (await gql(client, VERIFY, {"token": token})).data == {"users_register_verify": True}
    [row] = (
        await gql(
            client,
            "query U($email: String!) { users(filter: {email: {_eq: $email}}) { id } }",
            {"email": NEWCOMER},
            token=admin_token,
        )
    ).data["users"]
    suspended = await gql(
        client,
        "mutation S($id: ID!) "
        '{ update_users_item(id: $id, data: {status: "suspended"}) { status } }',
        {"id": row["id"]},
        token=admin_token,
    )
    assert suspended.data == {"update_users_item": {"status": "suspended"}}

    again = await gql(client, VERIFY, {"token": token})
    assert again.codes == ["INVALID_PAYLOAD"]
    assert (await user_rows(client, admin_token, NEWCOMER))[0]["status"] == "suspended"


async def test_verification_token_older_than_seven_days_is_expired(
    client: httpx.AsyncClient,
    services: Services,
    inbox: Inbox,
    admin_token: str,
    role: str,
    clock: SettableClock,
) -> None:
    await enable_registration(client, admin_token, role)
    token = await registration_token(client, services, inbox)
    clock.advance(timedelta(days=7, seconds=1))
    reply = await gql(client, VERIFY, {"token": token})
    assert "data" not in reply.body
    assert reply.codes == ["TOKEN_EXPIRED"]
    fresh_admin = (await login(client))["access_token"]
    assert (await user_rows(client, fresh_admin, NEWCOMER))[0]["status"] == "unverified"


async def test_verification_token_still_works_just_before_seven_days(
    client: httpx.AsyncClient,
    services: Services,
    inbox: Inbox,
    admin_token: str,
    role: str,
    clock: SettableClock,
) -> None:
    await enable_registration(client, admin_token, role)
    token = await registration_token(client, services, inbox)
    clock.advance(timedelta(days=6, hours=23))
    assert (await gql(client, VERIFY, {"token": token})).body == {
        "data": {"users_register_verify": True}
    }


async def test_custom_verification_url_on_the_allow_list_is_used(
    client: httpx.AsyncClient, services: Services, inbox: Inbox, admin_token: str, role: str
) -> None:
    await enable_registration(client, admin_token, role)
    url = f"{ALLOWED_VERIFY_URL}?from=signup"
    assert await register(client, verification_url=url) == {"data": {"users_register": True}}
    [message] = await delivered(services, inbox)
    link = link_in(message)
    assert link.startswith(f"{url}&token=")
    assert html.unescape(HREF.findall(html_of(message))[0]) == link
    assert (await gql(client, VERIFY, {"token": token_of(link)})).data == {
        "users_register_verify": True
    }


@pytest.mark.parametrize(
    "verification_url",
    [
        "https://evil.example.com/verify",
        "https://app.example.com/verify/x",
        "http://app.example.com/verify",
    ],
)
async def test_verification_url_off_the_allow_list_is_invalid_payload(
    client: httpx.AsyncClient,
    services: Services,
    inbox: Inbox,
    admin_token: str,
    role: str,
    verification_url: str,
) -> None:
    await enable_registration(client, admin_token, role)
    body = await register(client, verification_url=verification_url)
    assert "data" not in body
    assert codes(body) == ["INVALID_PAYLOAD"]
    assert body["errors"][0]["message"] == (
        f'Invalid payload. URL "{verification_url}" can\'t be used to verify registered users.'
    )
    assert await user_rows(client, admin_token, NEWCOMER) == []
    assert await delivered(services, inbox) == []


# Without verification, filters, existing addresses, policy -------------------------------


async def test_without_email_verification_the_user_is_active_at_once_and_gets_no_mail(
    client: httpx.AsyncClient, services: Services, inbox: Inbox, admin_token: str, role: str
) -> None:
    await enable_registration(client, admin_token, role, verify_email=False)
    assert await register(client) == {"data": {"users_register": True}}
    [row] = await user_rows(client, admin_token, NEWCOMER)
    assert row["status"] == "active"
    assert row["role"] == {"id": role}
    assert await delivered(services, inbox) == []
    assert (await login(client, NEWCOMER, PASSWORD))["access_token"]


async def test_email_filter_refuses_other_domains_and_admits_matching_ones(
    client: httpx.AsyncClient, services: Services, inbox: Inbox, admin_token: str, role: str
) -> None:
    await enable_registration(
        client, admin_token, role, email_filter={"email": {"_ends_with": "@corp.example"}}
    )
    outsider = "someone@other.example"
    refused = await register(client, outsider)
    assert "data" not in refused
    assert codes(refused) == ["FORBIDDEN"]
    assert await user_rows(client, admin_token, outsider) == []
    assert await delivered(services, inbox) == []

    insider = "someone@corp.example"
    assert await register(client, insider) == {"data": {"users_register": True}}
    assert (await user_rows(client, admin_token, insider))[0]["status"] == "unverified"
    assert [str(message["To"]) for message in await delivered(services, inbox)] == [insider]


async def test_existing_email_answers_true_sends_nothing_and_changes_nothing(
    client: httpx.AsyncClient, services: Services, inbox: Inbox, admin_token: str, role: str
) -> None:
    await enable_registration(client, admin_token, role)
    before = await user_rows(client, admin_token, ADMIN_EMAIL)

    body = await register(
        client, ADMIN_EMAIL, "attacker-password-9", first_name="Mallory", last_name="X"
    )
    assert body == {"data": {"users_register": True}}
    assert await delivered(services, inbox) == []
    assert await user_rows(client, admin_token, ADMIN_EMAIL) == before

    upper = await register(client, ADMIN_EMAIL.upper(), "attacker-password-9")
    assert upper == {"data": {"users_register": True}}
    assert await delivered(services, inbox) == []
    everyone = await gql(client, "{ users(limit: -1) { email } }", token=admin_token)
    assert [user["email"].lower() for user in everyone.data["users"]].count(ADMIN_EMAIL) == 1

    assert (await login(client, ADMIN_EMAIL, ADMIN_PASSWORD))["access_token"]
    attacker = await gql(client, LOGIN, {"email": ADMIN_EMAIL, "password": "attacker-password-9"})
    assert attacker.codes == ["INVALID_CREDENTIALS"]


async def test_unknown_and_existing_email_get_the_same_answer(
    client: httpx.AsyncClient, services: Services, inbox: Inbox, admin_token: str, role: str
) -> None:
    await enable_registration(client, admin_token, role)
    existing = await gql(client, REGISTER, {"email": ADMIN_EMAIL, "password": PASSWORD})
    assert await delivered(services, inbox) == []
    unknown = await gql(client, REGISTER, {"email": NEWCOMER, "password": PASSWORD})
    assert (existing.status, existing.body) == (unknown.status, unknown.body)
    assert [str(message["To"]) for message in await delivered(services, inbox)] == [NEWCOMER]


async def test_registering_an_unverified_email_again_sends_the_verification_again(
    client: httpx.AsyncClient, services: Services, inbox: Inbox, admin_token: str, role: str
) -> None:
    """A registrant who lost the mail registers again and gets another, as Directus does.
    The pending row takes the latest registration's password and names, and only the latest
    link verifies: whoever registered an address first (perhaps not its owner) cannot have
    the owner's click activate the password they chose."""
    await enable_registration(client, admin_token, role)
    first_link = await registration_token(client, services, inbox)

    again = await register(
        client, NEWCOMER.upper(), "second-password-2", first_name="Someone", last_name="Else"
    )
    assert again == {"data": {"users_register": True}}
    messages = await delivered(services, inbox)
    assert [str(message["To"]).lower() for message in messages] == [NEWCOMER, NEWCOMER]
    assert messages[1]["Subject"] == "Verify your email address"
    [row] = await user_rows(client, admin_token, NEWCOMER.upper())
    assert (row["first_name"], row["last_name"], row["status"]) == ("Someone", "Else", "unverified")

    stale = await gql(client, VERIFY, {"token": first_link})
    assert stale.codes == ["INVALID_PAYLOAD"]
    verified = await gql(client, VERIFY, {"token": token_of(link_in(messages[1]))})
    assert verified.body == {"data": {"users_register_verify": True}}
    assert (await login(client, NEWCOMER, "second-password-2"))["access_token"]
    first = await gql(client, LOGIN, {"email": NEWCOMER, "password": PASSWORD})
    assert first.codes == ["INVALID_CREDENTIALS"]

    # Verified now: another registration is answered the same, sends nothing, changes nothing.
    assert await register(client, NEWCOMER) == {"data": {"users_register": True}}
    assert len(await delivered(services, inbox)) == 2
    assert (await login(client, NEWCOMER, "second-password-2"))["access_token"]


async def test_password_policy_applies_to_registration(
    client: httpx.AsyncClient, services: Services, inbox: Inbox, admin_token: str, role: str
) -> None:
    await enable_registration(client, admin_token, role)
    settings = await configure(client, admin_token, auth_password_policy="/^.{20,}$/")
    assert settings["auth_password_policy"] == "/^.{20,}$/"

    weak = await register(client, password="short-pass-1")
    assert "data" not in weak
    assert codes(weak) == ["FAILED_VALIDATION"]
    assert await user_rows(client, admin_token, NEWCOMER) == []
    assert await delivered(services, inbox) == []

    assert await register(client, password="a-long-enough-password-42") == {
        "data": {"users_register": True}
    }
    assert len(await delivered(services, inbox)) == 1


async def test_invalid_email_is_failed_validation(
    client: httpx.AsyncClient, services: Services, inbox: Inbox, admin_token: str, role: str
) -> None:
    await enable_registration(client, admin_token, role)
    body = await register(client, "not-an-email")
    assert codes(body) == ["FAILED_VALIDATION"]
    assert await delivered(services, inbox) == []


# Scopes ----------------------------------------------------------------------------------


async def test_registration_token_is_not_an_access_token(
    client: httpx.AsyncClient, services: Services, inbox: Inbox, admin_token: str, role: str
) -> None:
    await enable_registration(client, admin_token, role)
    token = await registration_token(client, services, inbox)
    reply = await gql(client, "{ users_me { id } }", token=token)
    assert reply.status == 403
    assert reply.body["errors"][0]["extensions"]["code"] == "INVALID_TOKEN"


async def test_registration_token_is_refused_by_reset_and_invite_accept(
    client: httpx.AsyncClient, services: Services, inbox: Inbox, admin_token: str, role: str
) -> None:
    await enable_registration(client, admin_token, role)
    token = await registration_token(client, services, inbox)
    reset = await gql(
        client,
        "mutation R($token: String!, $password: String!) "
        "{ auth_password_reset(token: $token, password: $password) }",
        {"token": token, "password": "other-password-7"},
    )
    assert reset.codes == ["INVALID_TOKEN"]
    accept = await gql(
        client,
        "mutation A($token: String!, $password: String!) "
        "{ users_invite_accept(token: $token, password: $password) }",
        {"token": token, "password": "other-password-7"},
    )
    assert accept.codes == ["FORBIDDEN"]
    assert (await user_rows(client, admin_token, NEWCOMER))[0]["status"] == "unverified"


async def test_reset_token_is_refused_by_register_verify(
    client: httpx.AsyncClient, services: Services, inbox: Inbox
) -> None:
    reply = await gql(
        client,
        "mutation P($email: String!) { auth_password_request(email: $email) }",
        {"email": ADMIN_EMAIL},
    )
    assert reply.data == {"auth_password_request": True}
    [message] = await delivered(services, inbox)
    verify = await gql(client, VERIFY, {"token": token_of(link_in(message))})
    assert "data" not in verify.body
    assert verify.codes == ["FORBIDDEN"]


class TestTiming:
    """Padded to LOGIN_STALL_TIME: new and existing addresses take the same time."""

    @pytest.fixture
    def settings_overrides(self, smtp: tuple[int, Inbox]) -> dict[str, Any]:
        # Twenty registrations from one IP: more than RATE_LIMITER_REGISTRATION_POINTS. The
        # stall leaves room for the work on a loaded machine (at 100 ms two busy cores made
        # the work itself outlast it, and the padding could not equalize anything).
        return {
            **flow_settings(smtp[0]),
            "login_stall_time": 300,
            "rate_limiter_registration_enabled": False,
        }

    async def test_new_and_existing_emails_take_the_same_time(
        self,
        client: httpx.AsyncClient,
        services: Services,
        inbox: Inbox,
        admin_token: str,
        role: str,
    ) -> None:
        await enable_registration(client, admin_token, role)

        async def timed(email: str) -> float:
            started = time.perf_counter()
            reply = await gql(client, REGISTER, {"email": email, "password": PASSWORD})
            elapsed = time.perf_counter() - started
            assert reply.body == {"data": {"users_register": True}}
            await services.mailer.drain()
            return elapsed

        new: list[float] = []
        existing: list[float] = []
        for index in range(10):
            new.append(await timed(f"new-{index}@example.com"))
            existing.append(await timed(ADMIN_EMAIL))
        assert abs(statistics.median(new) - statistics.median(existing)) < 0.010
        assert len(inbox.messages) == 10
        assert inbox.to(ADMIN_EMAIL) == []


async def test_the_same_verification_in_parallel_succeeds_only_once(
    client: httpx.AsyncClient, services: Services, inbox: Inbox, admin_token: str, role: str
) -> None:
    await enable_registration(client, admin_token, role)
    token = await registration_token(client, services, inbox)
    replies = await asyncio.gather(*(gql(client, VERIFY, {"token": token}) for _ in range(10)))
    successes = [
        reply for reply in replies if reply.body.get("data") == {"users_register_verify": True}
    ]
    assert len(successes) == 1, [reply.body for reply in replies]
    assert sorted(code for reply in replies for code in reply.codes) == ["INVALID_PAYLOAD"] * 9
    assert (await user_rows(client, admin_token, NEWCOMER))[0]["status"] == "active"
