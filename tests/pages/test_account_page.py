"""/admin/account: profile and password through update_users_me's service, with the caller's
permissions, CSRF, the anonymous redirect and signing out."""

from __future__ import annotations

from html import unescape
from typing import Any

import httpx
import pytest

from app.db.models import Permission, User
from app.repositories import policies as policies_repo
from app.services.container import Services
from tests.conftest import ADMIN_EMAIL, ADMIN_PASSWORD, app_client, create_user, gql, login
from tests.graphql.mutation_seed import set_password_policy, stored_user
from tests.pages.account_helpers import ACCOUNT, next_page, sign_in, submit
from tests.pages.page_forms import csrf_token, hidden, inputs, post_form, script_sources

OWN = {"id": {"_eq": "$CURRENT_USER"}}
PASSWORD = "user-password-1"


async def _grant(services: Services, user: User, **values: Any) -> None:
    async with services.db.write() as session:
        session.add(Permission(policy=policies_repo.policy_of(user.role), **values))


async def _limited_user(services: Services, email: str, update_fields: list[str]) -> User:
    """A user without app access: reads its own record, updates only `update_fields` of it."""
    user = await create_user(services, email, PASSWORD, app_access=False, first_name="Lim")
    await _grant(
        services, user, collection="directus_users", action="read", fields=["*"], permissions=OWN
    )
    await _grant(
        services,
        user,
        collection="directus_users",
        action="update",
        fields=update_fields,
        permissions=OWN,
    )
    return user


async def test_anonymous_visitors_are_sent_to_the_login(client: httpx.AsyncClient) -> None:
    answer = await client.get(ACCOUNT)
    assert next_page(answer) == "/admin/login?redirect=/admin/account"
    assert next_page(await client.get("/admin")) == ACCOUNT
    assert next_page(await client.get("/admin/tfa-setup")) == (
        "/admin/login?redirect=/admin/tfa-setup"
    )


async def test_the_page_shows_the_profile_with_strict_headers(
    client: httpx.AsyncClient, services: Services
) -> None:
    await create_user(services, "ada@example.com", PASSWORD, first_name="Ada")
    await sign_in(client, "ada@example.com", PASSWORD)
    page = await client.get(ACCOUNT)
    assert page.status_code == 200
    assert "default-src 'none'" in page.headers["content-security-policy"]
    assert page.headers["cache-control"] == "no-store"
    assert script_sources(page.text) == ["/admin/assets/passkeys.js"]
    assert "style=" not in page.text
    assert '<dd id="account-email">ada@example.com</dd>' in page.text
    assert '<dd id="account-role">role-for-ada@example.com</dd>' in page.text
    names = {field.get("name") for field in inputs(page.text)}
    # The own-profile grant of an app user: every text field of the form, no email or role.
    assert {"first_name", "last_name", "title", "location", "language"} <= names
    assert '<textarea id="profile-description"' in page.text
    assert not {"email", "role", "status", "token"} & names
    assert 'value="Ada"' in page.text
    assert '<label for="profile-first_name">' in page.text
    assert '<label for="current-password">' in page.text
    assert '<label for="new-password-repeat">' in page.text


async def test_a_profile_change_is_saved_through_the_service(
    client: httpx.AsyncClient, services: Services
) -> None:
    user = await create_user(services, "bea@example.com", PASSWORD, first_name="Bea")
    await sign_in(client, "bea@example.com", PASSWORD)
    answer = await submit(
        client,
        ACCOUNT + "/profile",
        {
            "first_name": "Beatrice",
            "last_name": "Lovelace",
            "title": "",
            "location": "",
            "language": "",
            "description": "Counts",
        },
    )
    assert next_page(answer) == ACCOUNT + "?done=profile"
    stored = await stored_user(services, user.id)
    assert (stored.first_name, stored.last_name, stored.description) == (
        "Beatrice",
        "Lovelace",
        "Counts",
    )
    shown = await client.get(answer.headers["location"])
    assert "Your profile was saved." in shown.text
    assert 'value="Beatrice"' in shown.text
    # The same session cookie reads the change through the API.
    me = await gql(client, "{ users_me { first_name } }")
    assert me.data == {"users_me": {"first_name": "Beatrice"}}
    unchanged = await submit(client, ACCOUNT + "/profile", {"first_name": "Beatrice"})
    assert next_page(unchanged) == ACCOUNT + "?done=nothing"


async def test_only_the_fields_the_grant_gives_are_offered_and_others_refused(
    client: httpx.AsyncClient, services: Services
) -> None:
    user = await _limited_user(services, "lim@example.com", ["first_name"])
    await sign_in(client, "lim@example.com", PASSWORD)
    page = await client.get(ACCOUNT)
    names = {field.get("name") for field in inputs(page.text)}
    assert "first_name" in names
    assert not {"last_name", "title", "location", "description", "language"} & names
    # No grant on the password or the TFA secret: neither form is offered.
    assert "current_password" not in names
    assert "do not let you set up two-factor" in page.text

    refused = await submit(client, ACCOUNT + "/profile", {"last_name": "Sneaky"})
    assert refused.status_code == 403
    assert 'id="profile-error"' in refused.text
    assert (
        'You don\'t have permissions to perform "update" for the field(s) "last_name"'
        in unescape(refused.text)
    )
    crafted = await submit(client, ACCOUNT + "/profile", {"role": "someone-else"})
    assert crafted.status_code == 400
    assert '"role" is not a field of this form' in unescape(crafted.text)
    password = await submit(
        client,
        ACCOUNT + "/password",
        {"current_password": PASSWORD, "password": "new-pass-12", "password_repeat": "new-pass-12"},
    )
    assert password.status_code == 403
    stored = await stored_user(services, user.id)
    assert (stored.first_name, stored.last_name) == ("Lim", None)

    allowed = await submit(client, ACCOUNT + "/profile", {"first_name": "Limited"})
    assert next_page(allowed) == ACCOUNT + "?done=profile"
    assert (await stored_user(services, user.id)).first_name == "Limited"


async def test_an_update_grant_on_other_rows_offers_nothing(
    client: httpx.AsyncClient, services: Services
) -> None:
    other = await create_user(services, "other@example.com", PASSWORD)
    user = await create_user(services, "narrow@example.com", PASSWORD, app_access=False)
    await _grant(
        services, user, collection="directus_users", action="read", fields=["*"], permissions=OWN
    )
    await _grant(
        services,
        user,
        collection="directus_users",
        action="update",
        fields=["first_name", "last_name"],
        permissions={"id": {"_eq": other.id}},
    )
    await sign_in(client, "narrow@example.com", PASSWORD)
    page = await client.get(ACCOUNT)
    assert "do not let you change your profile" in page.text
    assert "first_name" not in {field.get("name") for field in inputs(page.text)}


async def test_a_wrong_current_password_is_refused_on_the_page(
    client: httpx.AsyncClient, services: Services
) -> None:
    user = await create_user(services, "cy@example.com", PASSWORD)
    await sign_in(client, "cy@example.com", PASSWORD)
    before = (await stored_user(services, user.id)).password
    wrong = await submit(
        client,
        ACCOUNT + "/password",
        {
            "current_password": "not-it",
            "password": "fresh-pass-1",
            "password_repeat": "fresh-pass-1",
        },
    )
    assert wrong.status_code == 401
    assert 'id="password-error"' in wrong.text
    assert "Invalid user credentials." in wrong.text
    missing = await submit(
        client,
        ACCOUNT + "/password",
        {"current_password": "", "password": "fresh-pass-1", "password_repeat": "fresh-pass-1"},
    )
    assert missing.status_code == 400
    assert "Enter your current password." in missing.text
    mismatch = await submit(
        client,
        ACCOUNT + "/password",
        {
            "current_password": PASSWORD,
            "password": "fresh-pass-1",
            "password_repeat": "fresh-pass-2",
        },
    )
    assert mismatch.status_code == 400
    assert "The new passwords do not match." in mismatch.text
    assert (await stored_user(services, user.id)).password == before


async def test_the_password_policy_message_is_shown(
    client: httpx.AsyncClient, services: Services
) -> None:
    await create_user(services, "dee@example.com", PASSWORD)
    await set_password_policy(services, "/^.{20,}$/")
    await sign_in(client, "dee@example.com", PASSWORD)
    short = await submit(
        client,
        ACCOUNT + "/password",
        {"current_password": PASSWORD, "password": "too-short-1", "password_repeat": "too-short-1"},
    )
    assert short.status_code == 400
    assert 'Validation failed for field "password"' in unescape(short.text)
    assert "correct format" in short.text


async def test_a_password_change_ends_the_other_sessions_only(
    client: httpx.AsyncClient, app: object, services: Services
) -> None:
    await create_user(services, "eve@example.com", PASSWORD)
    elsewhere = (await login(client, "eve@example.com", PASSWORD))["refresh_token"]
    async with app_client(app) as browser:  # type: ignore[arg-type]
        await sign_in(browser, "eve@example.com", PASSWORD)
        page = await browser.get(ACCOUNT)
        assert "signs you out of every other browser" in page.text
        changed = await submit(
            browser,
            ACCOUNT + "/password",
            {
                "current_password": PASSWORD,
                "password": "brand-new-pass-1",
                "password_repeat": "brand-new-pass-1",
            },
        )
        assert next_page(changed) == ACCOUNT + "?done=password"
        shown = await browser.get(changed.headers["location"])
        assert shown.status_code == 200
        assert "Every other session of yours was signed out." in shown.text
    refused = await gql(
        client,
        "mutation R($t: String) { auth_refresh(refresh_token: $t) { expires } }",
        {"t": elsewhere},
    )
    assert refused.codes == ["INVALID_CREDENTIALS"]
    await login(client, "eve@example.com", "brand-new-pass-1")


async def test_posts_without_the_form_token_are_refused(
    client: httpx.AsyncClient, services: Services
) -> None:
    user = await create_user(services, "fay@example.com", PASSWORD, first_name="Fay")
    await sign_in(client, "fay@example.com", PASSWORD)
    await client.get(ACCOUNT)
    for path, fields in (
        (ACCOUNT + "/profile", {"first_name": "Forged"}),
        (
            ACCOUNT + "/password",
            {"current_password": PASSWORD, "password": "x" * 12, "password_repeat": "x" * 12},
        ),
        (ACCOUNT + "/tfa/generate", {"password": PASSWORD}),
        ("/admin/logout", {}),
    ):
        answer = await post_form(client, path, fields)
        assert answer.status_code == 403, path
        assert "expired or was not sent from this site" in answer.text
    token = await csrf_token(client, ACCOUNT)
    foreign = await post_form(
        client,
        ACCOUNT + "/profile",
        {"csrf_token": token, "first_name": "Forged"},
        headers={"origin": "https://evil.example"},
    )
    assert foreign.status_code == 403
    assert (await stored_user(services, user.id)).first_name == "Fay"
    assert (await client.get(ACCOUNT)).status_code == 200  # still signed in


async def test_signing_out_ends_the_session_and_clears_the_cookie(
    client: httpx.AsyncClient, services: Services
) -> None:
    await create_user(services, "gil@example.com", PASSWORD)
    cookie = await sign_in(client, "gil@example.com", PASSWORD)
    page = await client.get(ACCOUNT)
    answer = await post_form(
        client, "/admin/logout", {"csrf_token": hidden(page.text, "csrf_token")}
    )
    assert next_page(answer) == "/admin/login"
    assert "directus_session_token=;" in answer.headers["set-cookie"]
    assert "directus_session_token" not in client.cookies
    assert next_page(await client.get(ACCOUNT)).startswith("/admin/login")
    # The ended session's token is refused wherever it is presented.
    refused = await gql(client, "{ users_me { email } }", token=cookie)
    assert refused.codes == ["INVALID_CREDENTIALS"]


async def test_signing_out_without_a_session_goes_to_the_login(client: httpx.AsyncClient) -> None:
    token = await csrf_token(client, "/admin/login")
    answer = await post_form(client, "/admin/logout", {"csrf_token": token})
    assert next_page(answer) == "/admin/login"


async def test_a_dead_session_cookie_is_cleared_and_sent_to_the_login(
    client: httpx.AsyncClient, services: Services
) -> None:
    await create_user(services, "hal@example.com", PASSWORD)
    cookie = await sign_in(client, "hal@example.com", PASSWORD)
    await gql(client, "mutation { auth_logout(mode: session) }")
    client.cookies.set("directus_session_token", cookie)
    answer = await client.get(ACCOUNT)
    assert next_page(answer).startswith("/admin/login")
    assert "directus_session_token=;" in answer.headers["set-cookie"]


@pytest.mark.parametrize("settings_overrides", [{"account_pages_enabled": False}])
async def test_the_account_pages_can_be_turned_off(client: httpx.AsyncClient) -> None:
    for method, path in (
        ("GET", "/admin"),
        ("GET", ACCOUNT),
        ("GET", "/admin/tfa-setup"),
        ("POST", "/admin/logout"),
        ("POST", ACCOUNT + "/profile"),
    ):
        answer = await client.request(method, path)
        assert answer.status_code == 404, path
        assert answer.json()["errors"][0]["extensions"]["code"] == "ROUTE_NOT_FOUND"


async def test_the_admin_reads_its_own_account(client: httpx.AsyncClient) -> None:
    await sign_in(client, ADMIN_EMAIL, ADMIN_PASSWORD)
    page = await client.get(ACCOUNT)
    assert page.status_code == 200
    assert f'<dd id="account-email">{ADMIN_EMAIL}</dd>' in page.text
    assert "Set up two-factor authentication" in page.text


async def test_a_browser_post_under_no_referrer_is_accepted_only_with_the_token(
    client: httpx.AsyncClient, services: Services
) -> None:
    """Chromium posts the pages' forms with `Origin: null` (their Referrer-Policy is
    no-referrer): the token decides."""
    user = await create_user(services, "ivy@example.com", PASSWORD, first_name="Ivy")
    await sign_in(client, "ivy@example.com", PASSWORD)
    token = await csrf_token(client, ACCOUNT)
    null = {"origin": "null"}
    forged = await post_form(client, ACCOUNT + "/profile", {"first_name": "X"}, headers=null)
    assert forged.status_code == 403
    answer = await post_form(
        client, ACCOUNT + "/profile", {"csrf_token": token, "first_name": "Ivo"}, headers=null
    )
    assert next_page(answer) == ACCOUNT + "?done=profile"
    assert (await stored_user(services, user.id)).first_name == "Ivo"
