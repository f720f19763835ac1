"""/admin/reset-password: asking for a link (no answer tells whether the address has an
account), then the link's page: new password twice, the policy's message, done; a reused,
expired or broken link gets a page that says so, checked when the page opens."""

from __future__ import annotations

import html
from datetime import timedelta
from typing import Any

import httpx
import pytest

from app.clock import SettableClock
from app.services.container import Services
from tests.conftest import ADMIN_EMAIL, ADMIN_PASSWORD, LOGIN, create_user, gql, login
from tests.mail_links import delivered, token_of
from tests.mail_server import Inbox
from tests.pages.mailed_links import last_link, page_settings
from tests.pages.page_forms import csrf_token, hidden, inputs, post_form, post_new_password

RESET = "/admin/reset-password"
USER = "ada@example.com"
OLD = "ada-password-1"
NEW = "ada-new-password-2"


@pytest.fixture
def settings_overrides(smtp: tuple[int, Inbox]) -> dict[str, Any]:
    return page_settings(smtp[0])


@pytest.fixture
async def user(services: Services) -> None:
    await create_user(services, USER, OLD)


async def _request(client: httpx.AsyncClient, email: str) -> httpx.Response:
    token = await csrf_token(client, RESET)
    return await post_form(client, RESET, {"csrf_token": token, "email": email})


async def _mailed_page(client: httpx.AsyncClient, services: Services, inbox: Inbox) -> str:
    answer = await _request(client, USER)
    assert answer.status_code == 200, answer.text
    return await last_link(services, inbox)


async def _set(
    client: httpx.AsyncClient, page: httpx.Response, password: str, again: str | None = None
) -> httpx.Response:
    return await post_new_password(client, RESET, page, password, again)


async def test_the_request_form_is_labelled_and_answers_alike_for_any_address(
    client: httpx.AsyncClient, services: Services, inbox: Inbox, user: None
) -> None:
    page = await client.get(RESET)
    assert page.status_code == 200
    assert '<label for="email">' in page.text
    assert "autofocus" in page.text
    assert {field.get("name") for field in inputs(page.text)} == {"csrf_token", "email"}
    known = await _request(client, USER)
    unknown = await _request(client, "nobody@example.com")
    assert known.status_code == unknown.status_code == 200
    assert known.text.replace(USER, "X") == unknown.text.replace("nobody@example.com", "X")
    assert "Check your inbox" in known.text
    assert [m["To"] for m in await delivered(services, inbox)] == [USER]


async def test_an_empty_address_is_asked_again(client: httpx.AsyncClient) -> None:
    answer = await _request(client, "  ")
    assert answer.status_code == 400
    assert 'role="alert"' in answer.text
    assert "Enter the email address" in answer.text


async def test_the_mailed_link_sets_a_new_password(
    client: httpx.AsyncClient, services: Services, inbox: Inbox, user: None
) -> None:
    path = await _mailed_page(client, services, inbox)
    assert path.startswith(RESET + "?token=")
    page = await client.get(path)
    assert page.status_code == 200
    assert page.headers["referrer-policy"] == "no-referrer"
    assert '<label for="password">' in page.text
    assert '<label for="password_confirm">' in page.text
    assert 'autocomplete="new-password"' in page.text
    assert USER in page.text
    assert hidden(page.text, "token") == token_of(path)

    done = await _set(client, page, NEW)
    assert done.status_code == 200
    assert "Password changed" in done.text
    assert 'href="/admin/login"' in done.text
    assert (await login(client, USER, NEW))["access_token"]
    old = await gql(client, LOGIN, {"email": USER, "password": OLD})
    assert old.codes == ["INVALID_CREDENTIALS"]


async def test_two_different_passwords_are_shown_as_an_error(
    client: httpx.AsyncClient, services: Services, inbox: Inbox, user: None
) -> None:
    page = await client.get(await _mailed_page(client, services, inbox))
    answer = await _set(client, page, NEW, "something-else-3")
    assert answer.status_code == 400
    assert 'role="alert"' in answer.text
    assert "not the same" in answer.text
    # Nothing changed, and the link still works.
    assert (await login(client, USER, OLD))["access_token"]
    assert (await _set(client, answer, NEW)).status_code == 200


async def test_the_password_policy_message_is_shown(
    client: httpx.AsyncClient, services: Services, inbox: Inbox, user: None, admin_token: str
) -> None:
    policy = await gql(
        client,
        'mutation { update_settings(data: {auth_password_policy: "/^.{20,}$/"}) { id } }',
        token=admin_token,
    )
    assert "errors" not in policy.body, policy.body
    page = await client.get(await _mailed_page(client, services, inbox))
    answer = await _set(client, page, "too-short-4")
    assert answer.status_code == 400
    assert 'Validation failed for field "password"' in html.unescape(answer.text)
    assert "correct format" in answer.text
    assert (await login(client, USER, OLD))["access_token"]


async def test_a_used_link_says_so_when_opened_and_when_posted(
    client: httpx.AsyncClient, services: Services, inbox: Inbox, user: None
) -> None:
    path = await _mailed_page(client, services, inbox)
    page = await client.get(path)
    assert (await _set(client, page, NEW)).status_code == 200
    reopened = await client.get(path)
    assert reopened.status_code == 403
    assert "already used" in reopened.text
    assert f'href="{RESET}"' in reopened.text
    assert 'name="password"' not in reopened.text
    reposted = await _set(client, page, "third-password-3")
    assert reposted.status_code == 403
    assert "already used" in reposted.text
    assert (await login(client, USER, NEW))["access_token"]


async def test_opening_the_page_does_not_use_the_link(
    client: httpx.AsyncClient, services: Services, inbox: Inbox, user: None
) -> None:
    path = await _mailed_page(client, services, inbox)
    for _ in range(3):
        assert (await client.get(path)).status_code == 200
    assert (await _set(client, await client.get(path), NEW)).status_code == 200


async def test_an_expired_link_says_so(
    client: httpx.AsyncClient,
    services: Services,
    inbox: Inbox,
    user: None,
    clock: SettableClock,
) -> None:
    path = await _mailed_page(client, services, inbox)
    page = await client.get(path)
    clock.advance(timedelta(days=1, seconds=1))
    expired = await client.get(path)
    assert expired.status_code == 401
    assert "expired" in expired.text
    assert f'href="{RESET}"' in expired.text
    posted = await _set(client, page, NEW)
    assert posted.status_code == 401
    assert "expired" in posted.text
    assert (await login(client, USER, OLD))["access_token"]


@pytest.mark.parametrize("token", ["not-a-token", "a.b.c", "x" * 3000])
async def test_a_broken_link_says_so(client: httpx.AsyncClient, token: str) -> None:
    page = await client.get(RESET, params={"token": token})
    assert page.status_code == 403
    assert "not valid" in page.text
    assert f'href="{RESET}"' in page.text


async def test_a_token_of_another_purpose_is_not_a_reset_link(
    client: httpx.AsyncClient, admin_token: str
) -> None:
    page = await client.get(RESET, params={"token": admin_token})
    assert page.status_code == 403
    assert "not valid" in page.text
    assert (await login(client, ADMIN_EMAIL, ADMIN_PASSWORD))["access_token"]


async def test_a_post_without_the_form_token_changes_nothing(
    client: httpx.AsyncClient, services: Services, inbox: Inbox, user: None
) -> None:
    page = await client.get(await _mailed_page(client, services, inbox))
    fields = {"token": hidden(page.text, "token"), "password": NEW, "password_confirm": NEW}
    refused = await post_form(client, RESET, fields)
    assert refused.status_code == 403
    assert "expired or was not sent from this site" in refused.text
    other_site = await post_form(
        client,
        RESET,
        {**fields, "csrf_token": hidden(page.text, "csrf_token")},
        headers={"origin": "https://evil.example"},
    )
    assert other_site.status_code == 403
    assert (await login(client, USER, OLD))["access_token"]


@pytest.mark.parametrize("settings_overrides", [{"account_pages_enabled": False}])
async def test_no_page_when_the_pages_are_off(client: httpx.AsyncClient) -> None:
    for answer in (
        await client.get(RESET),
        await client.get(RESET, params={"token": "x"}),
        await client.post(RESET, data={"email": USER}),
    ):
        assert answer.status_code == 404
        assert answer.json()["errors"][0]["extensions"]["code"] == "ROUTE_NOT_FOUND"


async def test_a_form_posted_with_origin_null_counts_on_its_token(
    client: httpx.AsyncClient, services: Services, inbox: Inbox, user: None
) -> None:
    """Browsers post the pages' forms with `Origin: null` (the pages' no-referrer policy):
    the form token decides, as when no Origin is sent."""
    page = await client.get(await _mailed_page(client, services, inbox))
    fields = {"token": hidden(page.text, "token"), "password": NEW, "password_confirm": NEW}
    null = {"origin": "null"}
    without_token = await post_form(client, RESET, fields, headers=null)
    assert without_token.status_code == 403
    with_token = await post_form(
        client, RESET, {**fields, "csrf_token": hidden(page.text, "csrf_token")}, headers=null
    )
    assert with_token.status_code == 200
    assert "Password changed" in with_token.text
