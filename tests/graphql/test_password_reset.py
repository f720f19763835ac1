"""auth_password_request / auth_password_reset end to end, with mail through a real SMTP server."""

from __future__ import annotations

import asyncio
import html
import statistics
import time
from datetime import timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from app.clock import SettableClock
from app.services.container import Services
from tests.conftest import ADMIN_EMAIL, LOGIN, TEST_SECRET, create_user, gql, login
from tests.graphql.helpers import REFRESH, SESSION_COOKIE, claims_of, set_status, signed_jwt
from tests.mail_links import (
    HREF,
    PUBLIC_URL,
    SENDER,
    delivered,
    link_in,
    smtp_settings,
    token_of,
)
from tests.mail_server import Inbox, html_of, text_of

ALLOWED_RESET_URL = "https://app.example.com/reset"

USER_EMAIL = "reader@example.com"
OLD_PASSWORD = "old-password-1"
NEW_PASSWORD = "new-password-2"

REQUEST = """
mutation Request($email: String!, $reset_url: String) {
  auth_password_request(email: $email, reset_url: $reset_url)
}
"""

RESET = """
mutation Reset($token: String!, $password: String!) {
  auth_password_reset(token: $token, password: $password)
}
"""

ACCEPT = """
mutation Accept($token: String!, $password: String!) {
  users_invite_accept(token: $token, password: $password)
}
"""

SET_POLICY = """
mutation Policy($policy: String) {
  update_settings(data: {auth_password_policy: $policy}) { auth_password_policy }
}
"""

ME = "{ users_me { email } }"

USER_STATUS = """
query Status($email: String!) { users(filter: {email: {_eq: $email}}) { status } }
"""


def flow_settings(port: int) -> dict[str, Any]:
    return smtp_settings(port, password_reset_url_allow_list=[ALLOWED_RESET_URL])


@pytest.fixture
def settings_overrides(smtp: tuple[int, Inbox]) -> dict[str, Any]:
    return flow_settings(smtp[0])


@pytest.fixture
async def user(services: Services) -> str:
    created = await create_user(services, USER_EMAIL, OLD_PASSWORD)
    return created.id


async def request_reset(
    client: httpx.AsyncClient, email: str = USER_EMAIL, reset_url: str | None = None
) -> None:
    reply = await gql(client, REQUEST, {"email": email, "reset_url": reset_url})
    assert reply.status == 200
    assert reply.body == {"data": {"auth_password_request": True}}


async def reset_token(
    client: httpx.AsyncClient, services: Services, inbox: Inbox, email: str = USER_EMAIL
) -> str:
    before = len(await delivered(services, inbox))
    await request_reset(client, email)
    messages = await delivered(services, inbox)
    assert len(messages) == before + 1
    return token_of(link_in(messages[-1]))


async def login_codes(client: httpx.AsyncClient, email: str, password: str) -> list[str]:
    reply = await gql(client, LOGIN, {"email": email, "password": password})
    return reply.codes


# The mail ------------------------------------------------------------------------------


@pytest.mark.usefixtures("user")
async def test_request_mails_a_reset_link_on_the_public_url(
    client: httpx.AsyncClient, services: Services, inbox: Inbox
) -> None:
    await request_reset(client)
    messages = await delivered(services, inbox)
    assert len(messages) == 1
    message = messages[0]
    assert inbox.to(USER_EMAIL) == [message]
    assert message["Subject"] == "Password Reset Request"
    assert message["From"] == SENDER

    link = link_in(message)
    assert link.startswith(f"{PUBLIC_URL}/admin/reset-password?token=")
    token = token_of(link)
    claims = claims_of(token)
    assert claims["scope"] == "password-reset"
    assert claims["iss"] == "directus"
    assert claims["exp"] - claims["iat"] == 86_400

    body = html_of(message)
    assert message.get_content_type() == "multipart/alternative"
    assert [part.get_content_type() for part in message.iter_parts()] == [
        "text/plain",
        "text/html",
    ]
    assert html.unescape(HREF.findall(body)[0]) == link
    assert USER_EMAIL in text_of(message)


@pytest.mark.usefixtures("user")
async def test_request_with_an_allowed_reset_url_links_there(
    client: httpx.AsyncClient, services: Services, inbox: Inbox
) -> None:
    # The allow list matches origin + path; the caller's query string is kept.
    await request_reset(client, reset_url=f"{ALLOWED_RESET_URL}?lang=fr")
    [message] = await delivered(services, inbox)
    link = link_in(message)
    assert link.startswith(f"{ALLOWED_RESET_URL}?lang=fr&token=")
    assert parse_qs(urlsplit(link).query)["lang"] == ["fr"]
    assert html.unescape(HREF.findall(html_of(message))[0]) == link

    reply = await gql(client, RESET, {"token": token_of(link), "password": NEW_PASSWORD})
    assert reply.body == {"data": {"auth_password_reset": True}}


@pytest.mark.usefixtures("user")
@pytest.mark.parametrize(
    "reset_url",
    [
        "https://app.example.com/reset/evil",
        "https://app.example.com/other",
        "https://evil.example.com/reset",
        "https://app.example.com.evil.example/reset",
        "http://app.example.com/reset",
        "https://app.example.com:8443/reset",
    ],
)
async def test_request_with_a_url_off_the_allow_list_is_invalid_payload(
    client: httpx.AsyncClient, services: Services, inbox: Inbox, reset_url: str
) -> None:
    reply = await gql(client, REQUEST, {"email": USER_EMAIL, "reset_url": reset_url})
    assert reply.status == 200
    assert "data" not in reply.body
    assert reply.codes == ["INVALID_PAYLOAD"]
    assert reply.body["errors"][0]["message"] == (
        f'Invalid payload. URL "{reset_url}" can\'t be used to reset passwords.'
    )
    assert await delivered(services, inbox) == []


# Completing the reset ------------------------------------------------------------------


@pytest.mark.usefixtures("user")
async def test_token_sets_the_new_password_exactly_once(
    client: httpx.AsyncClient, services: Services, inbox: Inbox
) -> None:
    token = await reset_token(client, services, inbox)

    reply = await gql(client, RESET, {"token": token, "password": NEW_PASSWORD})
    assert reply.body == {"data": {"auth_password_reset": True}}

    assert (await login(client, USER_EMAIL, NEW_PASSWORD))["access_token"]
    assert await login_codes(client, USER_EMAIL, OLD_PASSWORD) == ["INVALID_CREDENTIALS"]

    admin = await login(client)
    status = await gql(client, USER_STATUS, {"email": USER_EMAIL}, token=admin["access_token"])
    assert status.data == {"users": [{"status": "active"}]}

    again = await gql(client, RESET, {"token": token, "password": "third-password-3"})
    assert "data" not in again.body
    assert again.codes == ["FORBIDDEN"]
    assert (await login(client, USER_EMAIL, NEW_PASSWORD))["access_token"]


@pytest.mark.usefixtures("user")
async def test_an_older_token_is_spent_once_the_password_changed(
    client: httpx.AsyncClient, services: Services, inbox: Inbox
) -> None:
    first = await reset_token(client, services, inbox)
    second = await reset_token(client, services, inbox)
    assert (await gql(client, RESET, {"token": second, "password": NEW_PASSWORD})).data == {
        "auth_password_reset": True
    }
    stale = await gql(client, RESET, {"token": first, "password": "third-password-3"})
    assert stale.codes == ["FORBIDDEN"]
    assert (await login(client, USER_EMAIL, NEW_PASSWORD))["access_token"]


@pytest.mark.usefixtures("user")
async def test_reset_ends_all_sessions_of_the_user(
    client: httpx.AsyncClient, services: Services, inbox: Inbox
) -> None:
    first = await login(client, USER_EMAIL, OLD_PASSWORD)
    second = await login(client, USER_EMAIL, OLD_PASSWORD)
    token = await reset_token(client, services, inbox)
    assert (await gql(client, RESET, {"token": token, "password": NEW_PASSWORD})).data == {
        "auth_password_reset": True
    }
    for tokens in (first, second):
        reply = await gql(client, REFRESH, {"refresh_token": tokens["refresh_token"]})
        assert "data" not in reply.body
        assert reply.codes == ["INVALID_CREDENTIALS"]

    fresh = await login(client, USER_EMAIL, NEW_PASSWORD)
    refreshed = await gql(client, REFRESH, {"refresh_token": fresh["refresh_token"]})
    assert refreshed.data["auth_refresh"]["access_token"]


@pytest.mark.usefixtures("user")
async def test_reset_leaves_other_users_sessions_alone(
    client: httpx.AsyncClient, services: Services, inbox: Inbox
) -> None:
    admin = await login(client)
    token = await reset_token(client, services, inbox)
    assert (await gql(client, RESET, {"token": token, "password": NEW_PASSWORD})).data == {
        "auth_password_reset": True
    }
    reply = await gql(client, REFRESH, {"refresh_token": admin["refresh_token"]})
    assert reply.data["auth_refresh"]["access_token"]


# Refused tokens --------------------------------------------------------------------------


@pytest.mark.usefixtures("user")
async def test_forged_token_signed_with_another_secret_is_invalid_token(
    client: httpx.AsyncClient, services: Services, inbox: Inbox
) -> None:
    genuine = await reset_token(client, services, inbox)
    forged = signed_jwt(claims_of(genuine), "another-secret-that-is-long-enough-0123456789")
    assert forged != genuine

    reply = await gql(client, RESET, {"token": forged, "password": NEW_PASSWORD})
    assert "data" not in reply.body
    assert reply.codes == ["INVALID_TOKEN"]
    assert (await login(client, USER_EMAIL, OLD_PASSWORD))["access_token"]


@pytest.mark.parametrize("token", ["not-a-token", "a.b.c", ""])
async def test_garbage_token_is_invalid_token(client: httpx.AsyncClient, token: str) -> None:
    reply = await gql(client, RESET, {"token": token, "password": NEW_PASSWORD})
    assert "data" not in reply.body
    assert reply.codes == ["INVALID_TOKEN"]
    assert reply.body["errors"][0]["message"] == "Invalid token."


@pytest.mark.usefixtures("user")
async def test_token_with_another_scope_but_the_right_secret_is_invalid_token(
    client: httpx.AsyncClient, services: Services, inbox: Inbox
) -> None:
    claims = claims_of(await reset_token(client, services, inbox))
    other_scope = signed_jwt({**claims, "scope": "invite"}, TEST_SECRET)
    reply = await gql(client, RESET, {"token": other_scope, "password": NEW_PASSWORD})
    assert reply.codes == ["INVALID_TOKEN"]
    assert (await login(client, USER_EMAIL, OLD_PASSWORD))["access_token"]


@pytest.mark.usefixtures("user")
async def test_reset_scoped_token_without_its_password_binding_is_invalid_token(
    client: httpx.AsyncClient, services: Services, inbox: Inbox
) -> None:
    """Signed with SECRET and of the right scope, but not bound to a password: not a
    reset token this server issued."""
    claims = claims_of(await reset_token(client, services, inbox))
    del claims["hash"]
    unbound = signed_jwt(claims, TEST_SECRET)
    reply = await gql(client, RESET, {"token": unbound, "password": NEW_PASSWORD})
    assert reply.codes == ["INVALID_TOKEN"]
    assert (await login(client, USER_EMAIL, OLD_PASSWORD))["access_token"]


@pytest.mark.usefixtures("user")
async def test_token_still_works_just_before_one_day(
    client: httpx.AsyncClient, services: Services, inbox: Inbox, clock: SettableClock
) -> None:
    token = await reset_token(client, services, inbox)
    clock.advance(timedelta(hours=23, minutes=59))
    reply = await gql(client, RESET, {"token": token, "password": NEW_PASSWORD})
    assert reply.body == {"data": {"auth_password_reset": True}}


@pytest.mark.usefixtures("user")
async def test_token_older_than_one_day_is_expired(
    client: httpx.AsyncClient, services: Services, inbox: Inbox, clock: SettableClock
) -> None:
    token = await reset_token(client, services, inbox)
    clock.advance(timedelta(days=1, seconds=1))
    reply = await gql(client, RESET, {"token": token, "password": NEW_PASSWORD})
    assert "data" not in reply.body
    assert reply.codes == ["TOKEN_EXPIRED"]
    assert reply.body["errors"][0]["message"] == "Token expired."
    assert (await login(client, USER_EMAIL, OLD_PASSWORD))["access_token"]


@pytest.mark.usefixtures("user")
async def test_reset_token_is_refused_by_invite_accept(
    client: httpx.AsyncClient, services: Services, inbox: Inbox
) -> None:
    token = await reset_token(client, services, inbox)
    reply = await gql(client, ACCEPT, {"token": token, "password": NEW_PASSWORD})
    assert "data" not in reply.body
    assert reply.codes == ["FORBIDDEN"]
    assert (await login(client, USER_EMAIL, OLD_PASSWORD))["access_token"]


@pytest.mark.usefixtures("user")
async def test_reset_token_is_not_an_access_token(
    client: httpx.AsyncClient, services: Services, inbox: Inbox
) -> None:
    token = await reset_token(client, services, inbox)
    reply = await gql(client, "{ users_me { id } }", token=token)
    assert reply.status == 403
    assert reply.body["errors"][0]["extensions"]["code"] == "INVALID_TOKEN"


@pytest.mark.usefixtures("user")
async def test_password_policy_applies_to_the_reset(
    client: httpx.AsyncClient, services: Services, inbox: Inbox
) -> None:
    admin = await login(client)
    policy = await gql(client, SET_POLICY, {"policy": "/^.{20,}$/"}, token=admin["access_token"])
    assert policy.data == {"update_settings": {"auth_password_policy": "/^.{20,}$/"}}
    token = await reset_token(client, services, inbox)

    weak = await gql(client, RESET, {"token": token, "password": "short-pass-1"})
    assert "data" not in weak.body
    assert weak.codes == ["FAILED_VALIDATION"]
    assert (await login(client, USER_EMAIL, OLD_PASSWORD))["access_token"]

    strong = "a-long-enough-password-42"
    ok = await gql(client, RESET, {"token": token, "password": strong})
    assert ok.data == {"auth_password_reset": True}
    assert (await login(client, USER_EMAIL, strong))["access_token"]


# Who gets mail ---------------------------------------------------------------------------


@pytest.mark.parametrize("status", ["suspended", "invited", "archived"])
async def test_request_for_an_inactive_user_answers_true_and_sends_nothing(
    client: httpx.AsyncClient, services: Services, inbox: Inbox, user: str, status: str
) -> None:
    await set_status(services, user, status)
    await request_reset(client)
    assert await delivered(services, inbox) == []


@pytest.mark.usefixtures("user")
async def test_unknown_and_known_email_get_the_same_answer_only_known_gets_mail(
    client: httpx.AsyncClient, services: Services, inbox: Inbox
) -> None:
    unknown = await gql(client, REQUEST, {"email": "nobody@example.com"})
    assert await delivered(services, inbox) == []
    known = await gql(client, REQUEST, {"email": USER_EMAIL})
    assert (unknown.status, unknown.body) == (known.status, known.body)
    assert known.body == {"data": {"auth_password_request": True}}
    messages = await delivered(services, inbox)
    assert [str(message["To"]) for message in messages] == [USER_EMAIL]


@pytest.mark.usefixtures("user")
async def test_email_is_matched_case_insensitively_and_mail_goes_to_the_stored_address(
    client: httpx.AsyncClient, services: Services, inbox: Inbox
) -> None:
    await request_reset(client, USER_EMAIL.upper())
    [message] = await delivered(services, inbox)
    assert str(message["To"]) == USER_EMAIL


async def test_admin_can_reset_too(
    client: httpx.AsyncClient, services: Services, inbox: Inbox
) -> None:
    token = await reset_token(client, services, inbox, ADMIN_EMAIL)
    assert (await gql(client, RESET, {"token": token, "password": NEW_PASSWORD})).data == {
        "auth_password_reset": True
    }
    assert (await login(client, ADMIN_EMAIL, NEW_PASSWORD))["access_token"]


class TestTiming:
    """Padded to LOGIN_STALL_TIME: known and unknown addresses take the same time."""

    @pytest.fixture
    def settings_overrides(self, smtp: tuple[int, Inbox]) -> dict[str, Any]:
        # Ten mails to one address: more than RATE_LIMITER_EMAIL_POINTS, not what is timed.
        return {
            **flow_settings(smtp[0]),
            "login_stall_time": 100,
            "rate_limiter_email_enabled": False,
        }

    @pytest.mark.usefixtures("user")
    async def test_known_and_unknown_emails_take_the_same_time(
        self, client: httpx.AsyncClient, services: Services, inbox: Inbox
    ) -> None:
        async def timed(email: str) -> float:
            started = time.perf_counter()
            reply = await gql(client, REQUEST, {"email": email})
            elapsed = time.perf_counter() - started
            assert reply.body == {"data": {"auth_password_request": True}}
            await services.mailer.drain()
            return elapsed

        known: list[float] = []
        unknown: list[float] = []
        for _ in range(10):
            known.append(await timed(USER_EMAIL))
            unknown.append(await timed("nobody@example.com"))
        assert abs(statistics.median(known) - statistics.median(unknown)) < 0.010
        assert len(inbox.to(USER_EMAIL)) == 10
        assert len(inbox.messages) == 10


@pytest.mark.usefixtures("user")
async def test_session_mode_login_ends_with_the_reset(
    client: httpx.AsyncClient, services: Services, inbox: Inbox
) -> None:
    reply = await gql(
        client, LOGIN, {"email": USER_EMAIL, "password": OLD_PASSWORD, "mode": "session"}
    )
    session_jwt = reply.response.cookies[SESSION_COOKIE]
    client.cookies.clear()
    assert (await gql(client, ME, token=session_jwt)).data == {"users_me": {"email": USER_EMAIL}}

    token = await reset_token(client, services, inbox)
    assert (await gql(client, RESET, {"token": token, "password": NEW_PASSWORD})).data == {
        "auth_password_reset": True
    }
    after = await gql(client, ME, token=session_jwt)
    assert after.status == 401
    assert after.body["errors"][0]["extensions"]["code"] == "INVALID_CREDENTIALS"


async def test_token_of_a_user_suspended_since_is_forbidden(
    client: httpx.AsyncClient, services: Services, inbox: Inbox, user: str
) -> None:
    token = await reset_token(client, services, inbox)
    await set_status(services, user, "suspended")
    reply = await gql(client, RESET, {"token": token, "password": NEW_PASSWORD})
    assert "data" not in reply.body
    assert reply.codes == ["FORBIDDEN"]
    await set_status(services, user, "active")
    assert (await login(client, USER_EMAIL, OLD_PASSWORD))["access_token"]


@pytest.mark.usefixtures("user")
async def test_the_same_token_used_in_parallel_works_only_once(
    client: httpx.AsyncClient, services: Services, inbox: Inbox
) -> None:
    token = await reset_token(client, services, inbox)
    passwords = [f"parallel-password-{index}" for index in range(5)]
    replies = await asyncio.gather(
        *(gql(client, RESET, {"token": token, "password": password}) for password in passwords)
    )
    winners = [
        password
        for password, reply in zip(passwords, replies, strict=True)
        if reply.body.get("data") == {"auth_password_reset": True}
    ]
    assert len(winners) == 1, [reply.body for reply in replies]
    assert sorted(code for reply in replies for code in reply.codes) == ["FORBIDDEN"] * 4
    assert (await login(client, USER_EMAIL, winners[0]))["access_token"]
