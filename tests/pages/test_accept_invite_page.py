"""/admin/accept-invite?token=: the invited person sets a password (twice) and the account is
active; a used, expired or broken invitation gets a page that says so, checked when the page
opens; CSRF refused; no page with the pages off."""

from __future__ import annotations

import html
from datetime import timedelta
from typing import Any

import httpx
import pytest

from app.clock import SettableClock
from app.db.models import new_id
from app.services.container import Services
from tests.conftest import create_role, gql, login
from tests.mail_links import token_of
from tests.mail_server import Inbox
from tests.pages.mailed_links import last_link, page_settings
from tests.pages.page_forms import hidden, post_form, post_new_password

ACCEPT = "/admin/accept-invite"
GUEST = "guest@example.com"
PASSWORD = "guest-password-1"
INVITE = "mutation I($email: String!, $role: String!) { users_invite(email: $email, role: $role) }"
STATUS = "query S($email: String!) { users(filter: {email: {_eq: $email}}) { status } }"


@pytest.fixture
def settings_overrides(smtp: tuple[int, Inbox]) -> dict[str, Any]:
    return page_settings(smtp[0])


@pytest.fixture
async def invited(
    client: httpx.AsyncClient, services: Services, inbox: Inbox, admin_token: str
) -> str:
    """The path of the invitation link mailed to GUEST."""
    role = new_id()
    await create_role(services, role, "Guests")
    reply = await gql(client, INVITE, {"email": GUEST, "role": role}, token=admin_token)
    assert reply.body == {"data": {"users_invite": True}}, reply.body
    return await last_link(services, inbox)


async def _status(client: httpx.AsyncClient, admin_token: str) -> str:
    reply = await gql(client, STATUS, {"email": GUEST}, token=admin_token)
    status: str = reply.data["users"][0]["status"]
    return status


async def _set(
    client: httpx.AsyncClient, page: httpx.Response, password: str, again: str | None = None
) -> httpx.Response:
    return await post_new_password(client, ACCEPT, page, password, again)


async def test_the_invitation_sets_the_password_and_activates_the_account(
    client: httpx.AsyncClient, invited: str, admin_token: str
) -> None:
    assert invited.startswith(ACCEPT + "?token=")
    page = await client.get(invited)
    assert page.status_code == 200
    assert GUEST in page.text
    assert '<label for="password">' in page.text
    assert '<label for="password_confirm">' in page.text
    assert hidden(page.text, "token") == token_of(invited)
    assert await _status(client, admin_token) == "invited"

    done = await _set(client, page, PASSWORD)
    assert done.status_code == 200
    assert "Your account is ready" in done.text
    assert 'href="/admin/login"' in done.text
    assert await _status(client, admin_token) == "active"
    assert (await login(client, GUEST, PASSWORD))["access_token"]


async def test_two_different_passwords_are_an_error_on_the_page(
    client: httpx.AsyncClient, invited: str, admin_token: str
) -> None:
    page = await client.get(invited)
    answer = await _set(client, page, PASSWORD, "another-password-2")
    assert answer.status_code == 400
    assert 'role="alert"' in answer.text
    assert "not the same" in answer.text
    assert await _status(client, admin_token) == "invited"


async def test_the_password_policy_message_is_shown(
    client: httpx.AsyncClient, invited: str, admin_token: str
) -> None:
    policy = await gql(
        client,
        'mutation { update_settings(data: {auth_password_policy: "/^.{20,}$/"}) { id } }',
        token=admin_token,
    )
    assert "errors" not in policy.body, policy.body
    answer = await _set(client, await client.get(invited), "too-short-3")
    assert answer.status_code == 400
    assert 'Validation failed for field "password"' in html.unescape(answer.text)
    assert await _status(client, admin_token) == "invited"


async def test_an_accepted_invitation_says_so_when_opened_again(
    client: httpx.AsyncClient, invited: str
) -> None:
    page = await client.get(invited)
    assert (await _set(client, page, PASSWORD)).status_code == 200
    again = await client.get(invited)
    assert again.status_code == 400
    assert "already accepted" in again.text
    assert 'name="password"' not in again.text
    reposted = await _set(client, page, "other-password-4")
    assert reposted.status_code == 400
    assert "already accepted" in reposted.text
    assert (await login(client, GUEST, PASSWORD))["access_token"]


async def test_opening_the_page_does_not_accept_the_invitation(
    client: httpx.AsyncClient, invited: str, admin_token: str
) -> None:
    for _ in range(2):
        assert (await client.get(invited)).status_code == 200
    assert await _status(client, admin_token) == "invited"


async def test_an_expired_invitation_says_so(
    client: httpx.AsyncClient, invited: str, clock: SettableClock
) -> None:
    page = await client.get(invited)
    clock.advance(timedelta(days=7, seconds=1))
    expired = await client.get(invited)
    assert expired.status_code == 401
    assert "expired" in expired.text
    posted = await _set(client, page, PASSWORD)
    assert posted.status_code == 401
    assert "expired" in posted.text
    fresh = (await login(client))["access_token"]  # the clock moved past the old one
    assert await _status(client, fresh) == "invited"


@pytest.mark.parametrize("query", ["?token=garbage", "?token=a.b.c", ""])
async def test_a_broken_or_missing_link_says_so(client: httpx.AsyncClient, query: str) -> None:
    page = await client.get(ACCEPT + query)
    assert page.status_code in (400, 401, 403)
    assert page.headers["content-type"].startswith("text/html")
    assert 'role="status"' in page.text
    assert 'name="password"' not in page.text


async def test_a_post_without_the_form_token_is_refused(
    client: httpx.AsyncClient, invited: str, admin_token: str
) -> None:
    page = await client.get(invited)
    fields = {"token": hidden(page.text, "token"), "password": PASSWORD}
    refused = await post_form(client, ACCEPT, {**fields, "password_confirm": PASSWORD})
    assert refused.status_code == 403
    assert "expired or was not sent from this site" in refused.text
    assert await _status(client, admin_token) == "invited"


@pytest.mark.parametrize("settings_overrides", [{"account_pages_enabled": False}])
async def test_no_page_when_the_pages_are_off(client: httpx.AsyncClient) -> None:
    for answer in (
        await client.get(ACCEPT, params={"token": "x"}),
        await client.post(ACCEPT, data={"token": "x"}),
    ):
        assert answer.status_code == 404
        assert answer.json()["errors"][0]["extensions"]["code"] == "ROUTE_NOT_FOUND"
