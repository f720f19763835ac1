"""users_invite / users_invite_accept end to end, with mail through a real SMTP server."""

from __future__ import annotations

import asyncio
import html
from datetime import timedelta
from typing import Any

import httpx
import pytest

from app.clock import SettableClock
from app.db.models import new_id
from app.services.container import Services
from tests.conftest import LOGIN, create_role, create_user, gql, login
from tests.graphql.helpers import claims_of
from tests.graphql.seed import assert_validation_error
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

ALLOWED_INVITE_URL = "https://app.example.com/join"

GUEST = "guest@example.com"
GUEST_PASSWORD = "guest-password-1"

INVITE = """
mutation Invite($email: String!, $role: String!, $invite_url: String) {
  users_invite(email: $email, role: $role, invite_url: $invite_url)
}
"""

ACCEPT = """
mutation Accept($token: String!, $password: String!) {
  users_invite_accept(token: $token, password: $password)
}
"""

REQUEST = """
mutation Request($email: String!) { auth_password_request(email: $email) }
"""

SET_POLICY = """
mutation Policy($policy: String) {
  update_settings(data: {auth_password_policy: $policy}) { auth_password_policy }
}
"""

USER_BY_EMAIL = """
query User($email: String!) {
  users(filter: {email: {_eq: $email}}) { email status password role { id } }
}
"""


@pytest.fixture
def settings_overrides(smtp: tuple[int, Inbox]) -> dict[str, Any]:
    return smtp_settings(
        smtp[0],
        user_invite_url_allow_list=[ALLOWED_INVITE_URL, "https://other.example.com/welcome"],
    )


@pytest.fixture
async def role(services: Services) -> str:
    role_id = new_id()
    await create_role(services, role_id, "Editors")
    return role_id


@pytest.fixture
async def other_role(services: Services) -> str:
    role_id = new_id()
    await create_role(services, role_id, "Reviewers")
    return role_id


async def invite(
    client: httpx.AsyncClient,
    token: str | None,
    role: str,
    email: str = GUEST,
    invite_url: str | None = None,
) -> dict[str, Any]:
    reply = await gql(
        client, INVITE, {"email": email, "role": role, "invite_url": invite_url}, token=token
    )
    assert reply.status == 200
    return reply.body


async def invite_token(
    client: httpx.AsyncClient, services: Services, inbox: Inbox, admin_token: str, role: str
) -> str:
    before = len(await delivered(services, inbox))
    assert await invite(client, admin_token, role) == {"data": {"users_invite": True}}
    messages = await delivered(services, inbox)
    assert len(messages) == before + 1
    return token_of(link_in(messages[-1]))


async def user_row(client: httpx.AsyncClient, admin_token: str, email: str) -> list[Any]:
    reply = await gql(client, USER_BY_EMAIL, {"email": email}, token=admin_token)
    rows: list[Any] = reply.data["users"]
    return rows


# Inviting --------------------------------------------------------------------------------


async def test_invite_creates_an_invited_user_and_mails_the_default_link(
    client: httpx.AsyncClient, services: Services, inbox: Inbox, admin_token: str, role: str
) -> None:
    assert await invite(client, admin_token, role) == {"data": {"users_invite": True}}

    assert await user_row(client, admin_token, GUEST) == [
        {"email": GUEST, "status": "invited", "password": None, "role": {"id": role}}
    ]
    messages = await delivered(services, inbox)
    assert len(messages) == 1
    message = messages[0]
    assert inbox.to(GUEST) == [message]
    assert message["Subject"] == "You've been invited"
    assert message["From"] == SENDER
    assert [part.get_content_type() for part in message.iter_parts()] == [
        "text/plain",
        "text/html",
    ]
    link = link_in(message)
    assert link.startswith(f"{PUBLIC_URL}/admin/accept-invite?token=")
    assert html.unescape(HREF.findall(html_of(message))[0]) == link
    claims = claims_of(token_of(link))
    assert claims["scope"] == "invite"
    assert claims["exp"] - claims["iat"] == 7 * 86_400


async def test_invite_with_an_allowed_url_links_there(
    client: httpx.AsyncClient, services: Services, inbox: Inbox, admin_token: str, role: str
) -> None:
    url = f"{ALLOWED_INVITE_URL}?team=blue"
    assert await invite(client, admin_token, role, invite_url=url) == {
        "data": {"users_invite": True}
    }
    [message] = await delivered(services, inbox)
    link = link_in(message)
    assert link.startswith(f"{url}&token=")
    assert html.unescape(HREF.findall(html_of(message))[0]) == link
    reply = await gql(client, ACCEPT, {"token": token_of(link), "password": GUEST_PASSWORD})
    assert reply.body == {"data": {"users_invite_accept": True}}


@pytest.mark.parametrize(
    "invite_url",
    [
        "https://evil.example.com/join",
        "https://app.example.com/join/more",
        "http://app.example.com/join",
        "https://other.example.com/join",
    ],
)
async def test_invite_with_a_url_off_the_allow_list_is_invalid_payload(
    client: httpx.AsyncClient,
    services: Services,
    inbox: Inbox,
    admin_token: str,
    role: str,
    invite_url: str,
) -> None:
    body = await invite(client, admin_token, role, invite_url=invite_url)
    assert "data" not in body
    assert [error["extensions"]["code"] for error in body["errors"]] == ["INVALID_PAYLOAD"]
    assert body["errors"][0]["message"] == (
        f'Invalid payload. URL "{invite_url}" can\'t be used to invite users.'
    )
    assert await user_row(client, admin_token, GUEST) == []
    assert await delivered(services, inbox) == []


async def test_inviting_an_invited_user_again_resends_with_the_new_role(
    client: httpx.AsyncClient,
    services: Services,
    inbox: Inbox,
    admin_token: str,
    role: str,
    other_role: str,
) -> None:
    assert await invite(client, admin_token, role) == {"data": {"users_invite": True}}
    assert await invite(client, admin_token, other_role) == {"data": {"users_invite": True}}

    rows = await user_row(client, admin_token, GUEST)
    assert rows == [
        {"email": GUEST, "status": "invited", "password": None, "role": {"id": other_role}}
    ]
    messages = await delivered(services, inbox)
    assert len(inbox.to(GUEST)) == 2
    assert [message["Subject"] for message in messages] == ["You've been invited"] * 2

    latest = token_of(link_in(messages[-1]))
    reply = await gql(client, ACCEPT, {"token": latest, "password": GUEST_PASSWORD})
    assert reply.body == {"data": {"users_invite_accept": True}}
    rows = await user_row(client, admin_token, GUEST)
    assert rows[0]["status"] == "active"
    assert rows[0]["role"] == {"id": other_role}


async def test_inviting_an_active_user_sends_nothing_and_changes_nothing(
    client: httpx.AsyncClient,
    services: Services,
    inbox: Inbox,
    admin_token: str,
    other_role: str,
) -> None:
    existing = await create_user(services, GUEST, GUEST_PASSWORD)
    assert await invite(client, admin_token, other_role) == {"data": {"users_invite": True}}
    assert await delivered(services, inbox) == []
    rows = await user_row(client, admin_token, GUEST)
    assert rows == [
        {
            "email": GUEST,
            "status": "active",
            "password": "**********",
            "role": {"id": existing.role},
        }
    ]
    assert (await login(client, GUEST, GUEST_PASSWORD))["access_token"]


async def test_invite_by_a_non_admin_is_forbidden(
    client: httpx.AsyncClient, services: Services, inbox: Inbox, admin_token: str, role: str
) -> None:
    await create_user(services, "member@example.com", "member-password-1")
    member = await login(client, "member@example.com", "member-password-1")
    variables = {"email": GUEST, "role": role, "invite_url": None}
    # users_invite is not in its schema.
    assert_validation_error(await gql(client, INVITE, variables, token=member["access_token"]))
    assert await user_row(client, admin_token, GUEST) == []
    assert await delivered(services, inbox) == []


async def test_invite_by_anonymous_is_forbidden(
    client: httpx.AsyncClient, services: Services, inbox: Inbox, admin_token: str, role: str
) -> None:
    variables = {"email": GUEST, "role": role, "invite_url": None}
    # users_invite is not in its schema.
    assert_validation_error(await gql(client, INVITE, variables, token=None))
    assert await user_row(client, admin_token, GUEST) == []
    assert await delivered(services, inbox) == []


# Accepting -------------------------------------------------------------------------------


async def test_accept_activates_the_user_exactly_once(
    client: httpx.AsyncClient, services: Services, inbox: Inbox, admin_token: str, role: str
) -> None:
    token = await invite_token(client, services, inbox, admin_token, role)
    invited_login = await gql(client, LOGIN, {"email": GUEST, "password": GUEST_PASSWORD})
    assert invited_login.codes == ["INVALID_CREDENTIALS"]

    reply = await gql(client, ACCEPT, {"token": token, "password": GUEST_PASSWORD})
    assert reply.body == {"data": {"users_invite_accept": True}}
    assert await user_row(client, admin_token, GUEST) == [
        {"email": GUEST, "status": "active", "password": "**********", "role": {"id": role}}
    ]
    tokens = await login(client, GUEST, GUEST_PASSWORD)
    me = await gql(client, "{ users_me { email } }", token=tokens["access_token"])
    assert me.data == {"users_me": {"email": GUEST}}

    again = await gql(client, ACCEPT, {"token": token, "password": "other-password-2"})
    assert "data" not in again.body
    assert again.codes == ["INVALID_INVITE"]
    assert again.body["errors"][0]["message"] == "This invite is no longer valid."
    assert (await login(client, GUEST, GUEST_PASSWORD))["access_token"]


async def test_accept_after_the_user_was_deleted_is_invalid_invite(
    client: httpx.AsyncClient, services: Services, inbox: Inbox, admin_token: str, role: str
) -> None:
    token = await invite_token(client, services, inbox, admin_token, role)
    [row] = (
        await gql(
            client,
            'query { users(filter: {status: {_eq: "invited"}}) { id } }',
            token=admin_token,
        )
    ).data["users"]
    deleted = await gql(
        client,
        "mutation Delete($id: ID!) { delete_users_item(id: $id) { id } }",
        {"id": row["id"]},
        token=admin_token,
    )
    assert not deleted.body.get("errors"), deleted.body
    reply = await gql(client, ACCEPT, {"token": token, "password": GUEST_PASSWORD})
    assert reply.codes == ["INVALID_INVITE"]


async def test_invite_token_still_works_just_before_seven_days(
    client: httpx.AsyncClient,
    services: Services,
    inbox: Inbox,
    admin_token: str,
    role: str,
    clock: SettableClock,
) -> None:
    token = await invite_token(client, services, inbox, admin_token, role)
    clock.advance(timedelta(days=6, hours=23))
    reply = await gql(client, ACCEPT, {"token": token, "password": GUEST_PASSWORD})
    assert reply.body == {"data": {"users_invite_accept": True}}


async def test_invite_token_older_than_seven_days_is_expired(
    client: httpx.AsyncClient,
    services: Services,
    inbox: Inbox,
    admin_token: str,
    role: str,
    clock: SettableClock,
) -> None:
    token = await invite_token(client, services, inbox, admin_token, role)
    clock.advance(timedelta(days=7, seconds=1))
    reply = await gql(client, ACCEPT, {"token": token, "password": GUEST_PASSWORD})
    assert "data" not in reply.body
    assert reply.codes == ["TOKEN_EXPIRED"]
    fresh_admin = (await login(client))["access_token"]
    assert (await user_row(client, fresh_admin, GUEST))[0]["status"] == "invited"


async def test_password_policy_applies_to_accept(
    client: httpx.AsyncClient, services: Services, inbox: Inbox, admin_token: str, role: str
) -> None:
    policy = await gql(client, SET_POLICY, {"policy": "/^.{20,}$/"}, token=admin_token)
    assert policy.data == {"update_settings": {"auth_password_policy": "/^.{20,}$/"}}
    token = await invite_token(client, services, inbox, admin_token, role)

    weak = await gql(client, ACCEPT, {"token": token, "password": "short-pass-1"})
    assert "data" not in weak.body
    assert weak.codes == ["FAILED_VALIDATION"]
    assert (await user_row(client, admin_token, GUEST))[0]["status"] == "invited"

    strong = "a-long-enough-password-42"
    ok = await gql(client, ACCEPT, {"token": token, "password": strong})
    assert ok.data == {"users_invite_accept": True}
    assert (await login(client, GUEST, strong))["access_token"]


# Scopes ----------------------------------------------------------------------------------


async def test_reset_token_is_refused_by_invite_accept(
    client: httpx.AsyncClient, services: Services, inbox: Inbox
) -> None:
    await create_user(services, GUEST, GUEST_PASSWORD)
    reply = await gql(client, REQUEST, {"email": GUEST})
    assert reply.data == {"auth_password_request": True}
    [message] = await delivered(services, inbox)
    reset_token = token_of(link_in(message))

    accept = await gql(client, ACCEPT, {"token": reset_token, "password": "hijacked-password-9"})
    assert "data" not in accept.body
    assert accept.codes == ["FORBIDDEN"]
    assert (await login(client, GUEST, GUEST_PASSWORD))["access_token"]


async def test_invite_token_is_not_an_access_token(
    client: httpx.AsyncClient, services: Services, inbox: Inbox, admin_token: str, role: str
) -> None:
    token = await invite_token(client, services, inbox, admin_token, role)
    reply = await gql(client, "{ users_me { id } }", token=token)
    assert reply.status == 403
    assert reply.body == {
        "errors": [{"message": "Invalid token.", "extensions": {"code": "INVALID_TOKEN"}}]
    }


async def test_invite_token_is_refused_by_password_reset(
    client: httpx.AsyncClient, services: Services, inbox: Inbox, admin_token: str, role: str
) -> None:
    token = await invite_token(client, services, inbox, admin_token, role)
    reply = await gql(
        client,
        "mutation R($token: String!, $password: String!) "
        "{ auth_password_reset(token: $token, password: $password) }",
        {"token": token, "password": GUEST_PASSWORD},
    )
    assert "data" not in reply.body
    assert reply.codes == ["INVALID_TOKEN"]
    assert (await user_row(client, admin_token, GUEST))[0]["status"] == "invited"


async def test_inviting_a_differently_cased_address_reuses_the_invited_user(
    client: httpx.AsyncClient, services: Services, inbox: Inbox, admin_token: str, role: str
) -> None:
    assert await invite(client, admin_token, role) == {"data": {"users_invite": True}}
    assert await invite(client, admin_token, role, email=GUEST.upper()) == {
        "data": {"users_invite": True}
    }
    everyone = await gql(client, "{ users(limit: -1) { email } }", token=admin_token)
    assert [row["email"].lower() for row in everyone.data["users"]].count(GUEST) == 1
    messages = await delivered(services, inbox)
    assert [str(message["To"]) for message in messages] == [GUEST, GUEST]


async def test_the_same_invite_accepted_in_parallel_works_only_once(
    client: httpx.AsyncClient, services: Services, inbox: Inbox, admin_token: str, role: str
) -> None:
    token = await invite_token(client, services, inbox, admin_token, role)
    passwords = [f"parallel-password-{index}" for index in range(10)]
    replies = await asyncio.gather(
        *(gql(client, ACCEPT, {"token": token, "password": password}) for password in passwords)
    )
    winners = [
        password
        for password, reply in zip(passwords, replies, strict=True)
        if reply.body.get("data") == {"users_invite_accept": True}
    ]
    assert len(winners) == 1, [reply.body for reply in replies]
    assert sorted(code for reply in replies for code in reply.codes) == ["INVALID_INVITE"] * 9
    assert (await login(client, GUEST, winners[0]))["access_token"]
