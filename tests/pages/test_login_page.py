"""/admin/login: the same login as the API's (session mode), with CSRF, the OTP step, a
same-origin-only redirect, and errors shown on the page."""

from __future__ import annotations

from typing import Any

import httpx
import pyotp
import pytest

from app.db.models import Role
from app.repositories import policies as policies_repo
from app.services.container import Services
from tests.conftest import ADMIN_EMAIL, ADMIN_PASSWORD, app_client, create_user, gql
from tests.pages.page_forms import csrf_token, hidden, inputs, post_form, script_sources

LOGIN = "/admin/login"


async def _submit(
    client: httpx.AsyncClient, fields: dict[str, Any], path: str = LOGIN
) -> httpx.Response:
    token = await csrf_token(client, path)
    return await post_form(client, LOGIN, {"csrf_token": token, **fields})


async def test_the_page_has_a_labelled_form_and_strict_headers(client: httpx.AsyncClient) -> None:
    page = await client.get(LOGIN)
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    policy = page.headers["content-security-policy"]
    assert "default-src 'none'" in policy
    # Scripts only from our own files (passkeys.js), and fetches only to this server.
    assert "script-src 'self';" in policy
    assert "connect-src 'self';" in policy
    assert "'unsafe-inline'" not in policy
    assert page.headers["referrer-policy"] == "no-referrer"
    assert "dauth_csrf" in page.headers["set-cookie"]
    assert '<label for="email">' in page.text
    assert '<label for="password">' in page.text
    names = {field.get("name") for field in inputs(page.text)}
    assert {"email", "password", "csrf_token", "redirect"} <= names
    assert script_sources(page.text) == ["/admin/assets/passkeys.js"]
    assert "style=" not in page.text


async def test_a_right_password_sets_the_session_cookie_and_goes_to_the_account(
    client: httpx.AsyncClient,
) -> None:
    answer = await _submit(client, {"email": ADMIN_EMAIL.upper(), "password": ADMIN_PASSWORD})
    assert answer.status_code == 303
    assert answer.headers["location"] == "/admin/account"
    assert "directus_session_token=" in answer.headers["set-cookie"]
    me = await gql(client, "{ users_me { email } }")
    assert me.data["users_me"]["email"] == ADMIN_EMAIL
    # Signed in, the login page sends the browser on.
    again = await client.get(LOGIN + "?redirect=/admin/somewhere")
    assert again.status_code == 303
    assert again.headers["location"] == "/admin/somewhere"


async def test_a_wrong_password_is_shown_on_the_page(client: httpx.AsyncClient) -> None:
    answer = await _submit(client, {"email": ADMIN_EMAIL, "password": "wrong"})
    assert answer.status_code == 401
    assert answer.headers["content-type"].startswith("text/html")
    assert 'role="alert"' in answer.text
    assert "Invalid user credentials." in answer.text
    assert hidden(answer.text, "csrf_token")
    assert f'value="{ADMIN_EMAIL}"' in answer.text
    assert "directus_session_token" not in answer.headers.get("set-cookie", "")


@pytest.mark.parametrize(
    "target",
    [
        "https://evil.example",
        "//evil.example/x",
        "/\\evil.example",
        "javascript:alert(1)",
        "/%0d%0aSet-Cookie:x=1",
        "\t//evil.example",
        "https:/evil.example",
    ],
)
async def test_the_redirect_never_leaves_this_server(
    client: httpx.AsyncClient, target: str
) -> None:
    token = await csrf_token(client, LOGIN)
    answer = await post_form(
        client,
        LOGIN,
        {"csrf_token": token, "email": ADMIN_EMAIL, "password": ADMIN_PASSWORD, "redirect": target},
    )
    assert answer.status_code == 303
    location = answer.headers["location"]
    assert location.startswith("/")
    assert not location.startswith("//")
    assert "evil" not in location or location.startswith("/%")


async def test_a_same_origin_redirect_is_honoured(client: httpx.AsyncClient) -> None:
    page = await client.get(LOGIN + "?redirect=/admin/account%3Ftab%3Dsessions")
    assert hidden(page.text, "redirect") == "/admin/account?tab=sessions"
    answer = await post_form(
        client,
        LOGIN,
        {
            "csrf_token": hidden(page.text, "csrf_token"),
            "email": ADMIN_EMAIL,
            "password": ADMIN_PASSWORD,
            "redirect": hidden(page.text, "redirect"),
        },
    )
    assert answer.headers["location"] == "/admin/account?tab=sessions"


async def test_a_post_without_the_form_token_is_refused(client: httpx.AsyncClient) -> None:
    await client.get(LOGIN)  # the browser has its CSRF cookie, the attacker's form no token
    answer = await post_form(client, LOGIN, {"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD})
    assert answer.status_code == 403
    assert answer.headers["content-type"].startswith("text/html")
    assert "expired or was not sent from this site" in answer.text
    assert "directus_session_token" not in answer.headers.get("set-cookie", "")


async def test_a_token_of_another_browser_is_refused(app: Any) -> None:
    async with app_client(app) as victim, app_client(app) as attacker:
        stolen = await csrf_token(attacker, LOGIN)
        await victim.get(LOGIN)
        answer = await post_form(
            victim,
            LOGIN,
            {"csrf_token": stolen, "email": ADMIN_EMAIL, "password": ADMIN_PASSWORD},
        )
        assert answer.status_code == 403


async def test_a_post_from_another_origin_is_refused(client: httpx.AsyncClient) -> None:
    token = await csrf_token(client, LOGIN)
    answer = await post_form(
        client,
        LOGIN,
        {"csrf_token": token, "email": ADMIN_EMAIL, "password": ADMIN_PASSWORD},
        headers={"origin": "https://evil.example"},
    )
    assert answer.status_code == 403


async def test_a_json_body_is_refused_as_a_page(client: httpx.AsyncClient) -> None:
    await client.get(LOGIN)
    answer = await client.post(LOGIN, json={"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD})
    assert answer.status_code == 400
    assert answer.headers["content-type"].startswith("text/html")


async def test_tfa_asks_for_the_code_then_signs_in(
    client: httpx.AsyncClient, services: Services
) -> None:
    secret = pyotp.random_base32()
    await create_user(services, "tfa@example.com", "tfa-password-1", tfa_secret=secret)
    first = await _submit(client, {"email": "tfa@example.com", "password": "tfa-password-1"})
    assert first.status_code == 200
    assert '<label for="otp">' in first.text
    assert "directus_session_token" not in first.headers.get("set-cookie", "")
    step = {
        "csrf_token": hidden(first.text, "csrf_token"),
        "email": hidden(first.text, "email"),
        "password": hidden(first.text, "password"),
        "redirect": hidden(first.text, "redirect"),
    }
    wrong = await post_form(client, LOGIN, {**step, "otp": "000000"})
    assert wrong.status_code == 401
    assert "Invalid user OTP." in wrong.text
    right = await post_form(client, LOGIN, {**step, "otp": pyotp.TOTP(secret).now()})
    assert right.status_code == 303
    assert right.headers["location"] == "/admin/account"


async def test_a_role_that_enforces_tfa_sends_the_user_to_set_it_up(
    client: httpx.AsyncClient, services: Services
) -> None:
    user = await create_user(services, "enforced@example.com", "enforced-password-1")
    async with services.db.write() as session:
        role = await policies_repo.add_role(
            session, Role(name="Enforcing"), {"app_access": True, "enforce_tfa": True}
        )
        stored = await session.get(type(user), user.id)
        assert stored is not None
        stored.role = role.id
    answer = await _submit(
        client, {"email": "enforced@example.com", "password": "enforced-password-1"}
    )
    assert answer.status_code == 303
    assert answer.headers["location"] == "/admin/tfa-setup"


@pytest.mark.parametrize("settings_overrides", [{"account_pages_enabled": False}])
async def test_the_pages_can_be_turned_off(client: httpx.AsyncClient) -> None:
    for path in (LOGIN, "/admin/theme.css", "/admin/assets/pages.css"):
        answer = await client.get(path)
        assert answer.status_code == 404
        assert answer.json()["errors"][0]["extensions"]["code"] == "ROUTE_NOT_FOUND"


async def test_the_theme_carries_only_a_checked_colour(client: httpx.AsyncClient) -> None:
    answer = await client.get("/admin/theme.css")
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/css")
    assert "--accent: #6644FF" in answer.text
