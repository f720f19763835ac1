"""/auth over REST: login in its three modes, refresh, logout, password reset, providers;
and how a REST request presents its token."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx
import pytest
from jose import jwt

from app.clock import SettableClock
from app.services.container import Services
from tests.conftest import ADMIN_EMAIL, ADMIN_PASSWORD, create_user
from tests.mail_links import (
    PUBLIC_URL,
    delivered,
    smtp_settings,
    token_in,
)
from tests.mail_server import Inbox
from tests.rest import (
    ACCESS_TOKEN_TTL_MS,
    INVALID_CREDENTIALS,
    INVALID_TOKEN,
    MISSING_REFRESH_TOKEN,
    REFRESH_COOKIE,
    SESSION_COOKIE,
    SESSION_TTL_MS,
    TOKEN_EXPIRED,
    TWO_TOKEN_SOURCES,
    assert_error,
    assert_no_content,
    bearer,
    error,
    rest_login,
)

ALLOWED_RESET_URL = "https://app.example.com/reset"

USER_EMAIL = "reader@example.com"
USER_PASSWORD = "reader-password-1"
NEW_PASSWORD = "reader-password-2"

REUSE_GRACE = timedelta(seconds=11)


@pytest.fixture
def settings_overrides(smtp: tuple[int, Inbox]) -> dict[str, Any]:
    return smtp_settings(smtp[0], password_reset_url_allow_list=[ALLOWED_RESET_URL])


@pytest.fixture
async def user_id(services: Services) -> str:
    return (await create_user(services, USER_EMAIL, USER_PASSWORD)).id


def cookie_header(response: httpx.Response, name: str) -> str:
    found = [v for v in response.headers.get_list("set-cookie") if v.startswith(f"{name}=")]
    assert len(found) == 1, response.headers.get_list("set-cookie")
    return found[0]


def attributes(cookie: str) -> list[str]:
    return [part.strip() for part in cookie.split(";")]


def cookie_value(cookie: str) -> str:
    return cookie.split(";", 1)[0].split("=", 1)[1]


async def me_email(client: httpx.AsyncClient, headers: dict[str, str] | None = None) -> Any:
    response = await client.get("/users/me", params={"fields": "email"}, headers=headers)
    assert response.status_code == 200, response.text
    return response.json()["data"]["email"]


async def refresh(client: httpx.AsyncClient, body: dict[str, Any]) -> httpx.Response:
    return await client.post("/auth/refresh", json=body)


# Login ------------------------------------------------------------------------------------


async def test_login_in_json_mode_answers_both_tokens_and_expires_as_a_number(
    client: httpx.AsyncClient, user_id: str
) -> None:
    response = await client.post(
        "/auth/login", json={"email": USER_EMAIL, "password": USER_PASSWORD}
    )
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    assert list(body) == ["data"]
    data = body["data"]
    assert set(data) == {"access_token", "refresh_token", "expires"}
    # REST says a number (the SDK adds it to Date.now()); GraphQL's BigInt is a string.
    assert type(data["expires"]) is int
    assert data["expires"] == ACCESS_TOKEN_TTL_MS
    assert isinstance(data["refresh_token"], str)
    assert len(data["refresh_token"]) == 64
    claims = jwt.get_unverified_claims(data["access_token"])
    assert claims["iss"] == "directus"
    assert claims["id"] == user_id
    assert claims["admin_access"] is False
    assert claims["exp"] - claims["iat"] == ACCESS_TOKEN_TTL_MS // 1000
    assert response.headers.get_list("set-cookie") == []
    assert await me_email(client, bearer(data["access_token"])) == USER_EMAIL


async def test_login_is_json_mode_by_default_and_matches_the_email_case_insensitively(
    client: httpx.AsyncClient, user_id: str
) -> None:
    data = await rest_login(client, USER_EMAIL.upper(), USER_PASSWORD, mode="json")
    assert set(data) == {"access_token", "refresh_token", "expires"}
    assert jwt.get_unverified_claims(data["access_token"])["id"] == user_id


@pytest.mark.parametrize(
    ("email", "password"),
    [
        (USER_EMAIL, "not-the-password"),
        ("nobody@example.com", USER_PASSWORD),
    ],
)
async def test_wrong_credentials_are_401_invalid_credentials(
    client: httpx.AsyncClient, user_id: str, email: str, password: str
) -> None:
    response = await client.post("/auth/login", json={"email": email, "password": password})
    assert response.status_code == 401
    assert response.json() == INVALID_CREDENTIALS
    assert response.headers.get_list("set-cookie") == []


async def test_a_suspended_user_may_not_log_in(
    client: httpx.AsyncClient, services: Services
) -> None:
    await create_user(services, "suspended@example.com", USER_PASSWORD, status="suspended")
    response = await client.post(
        "/auth/login", json={"email": "suspended@example.com", "password": USER_PASSWORD}
    )
    assert response.status_code == 401
    assert response.json() == INVALID_CREDENTIALS


@pytest.mark.parametrize(
    "body",
    [
        {"email": USER_EMAIL},
        {"password": USER_PASSWORD},
        {"email": USER_EMAIL, "password": 12345},
        {"email": USER_EMAIL, "password": USER_PASSWORD, "mode": "bearer"},
        [USER_EMAIL, USER_PASSWORD],
    ],
)
async def test_a_login_body_without_its_fields_is_invalid_payload(
    client: httpx.AsyncClient, user_id: str, body: Any
) -> None:
    response = await client.post("/auth/login", json=body)
    assert_error(response, 400, "INVALID_PAYLOAD")
    assert response.json()["errors"][0]["message"].startswith("Invalid payload. ")


async def test_a_missing_password_names_the_field(client: httpx.AsyncClient, user_id: str) -> None:
    response = await client.post("/auth/login", json={"email": USER_EMAIL})
    assert response.status_code == 400
    assert response.json() == error("INVALID_PAYLOAD", 'Invalid payload. "password" is required.')


@pytest.mark.parametrize("raw", [b'{"email": "reader@example.com", ', b"email=a&password=b"])
async def test_a_malformed_json_body_is_invalid_payload(
    client: httpx.AsyncClient, user_id: str, raw: bytes
) -> None:
    response = await client.post(
        "/auth/login", content=raw, headers={"Content-Type": "application/json"}
    )
    assert_error(response, 400, "INVALID_PAYLOAD")
    assert response.json()["errors"][0]["message"].startswith("Invalid payload. ")


async def test_login_in_cookie_mode_puts_the_refresh_token_in_an_http_only_cookie(
    client: httpx.AsyncClient, user_id: str
) -> None:
    response = await client.post(
        "/auth/login", json={"email": USER_EMAIL, "password": USER_PASSWORD, "mode": "cookie"}
    )
    assert response.status_code == 200
    data = response.json()["data"]
    assert set(data) == {"access_token", "expires"}
    assert data["expires"] == ACCESS_TOKEN_TTL_MS
    cookie = cookie_header(response, REFRESH_COOKIE)
    assert len(cookie_value(cookie)) == 64
    parts = attributes(cookie)
    assert "HttpOnly" in parts
    assert "Path=/" in parts
    assert "Max-Age=604800" in parts
    assert "SameSite=Lax" in parts
    assert [v for v in response.headers.get_list("set-cookie") if SESSION_COOKIE in v] == []
    assert await me_email(client, bearer(data["access_token"])) == USER_EMAIL


async def test_login_in_session_mode_sets_the_session_cookie_and_answers_only_expires(
    client: httpx.AsyncClient, user_id: str
) -> None:
    response = await client.post(
        "/auth/login", json={"email": USER_EMAIL, "password": USER_PASSWORD, "mode": "session"}
    )
    assert response.status_code == 200
    assert response.json() == {"data": {"expires": SESSION_TTL_MS}}
    cookie = cookie_header(response, SESSION_COOKIE)
    claims = jwt.get_unverified_claims(cookie_value(cookie))
    assert claims["id"] == user_id
    assert isinstance(claims["session"], str)
    parts = attributes(cookie)
    assert "HttpOnly" in parts
    assert "Path=/" in parts
    assert "Max-Age=86400" in parts
    # The cookie alone authenticates REST requests.
    assert client.cookies.get(SESSION_COOKIE) == cookie_value(cookie)
    assert await me_email(client) == USER_EMAIL


# Refresh ----------------------------------------------------------------------------------


async def test_refresh_in_json_mode_rotates_the_refresh_token(
    client: httpx.AsyncClient, clock: SettableClock, user_id: str
) -> None:
    first = await rest_login(client, USER_EMAIL, USER_PASSWORD)
    response = await refresh(client, {"refresh_token": first["refresh_token"], "mode": "json"})
    assert response.status_code == 200
    second = response.json()["data"]
    assert set(second) == {"access_token", "refresh_token", "expires"}
    assert second["expires"] == ACCESS_TOKEN_TTL_MS
    assert type(second["expires"]) is int
    assert second["refresh_token"] != first["refresh_token"]
    assert len(second["refresh_token"]) == 64
    assert await me_email(client, bearer(second["access_token"])) == USER_EMAIL

    clock.advance(REUSE_GRACE)
    stale = await refresh(client, {"refresh_token": first["refresh_token"], "mode": "json"})
    assert stale.status_code == 401
    assert stale.json() == INVALID_CREDENTIALS


async def test_refresh_without_a_mode_is_json_mode(client: httpx.AsyncClient, user_id: str) -> None:
    first = await rest_login(client, USER_EMAIL, USER_PASSWORD)
    response = await refresh(client, {"refresh_token": first["refresh_token"]})
    assert response.status_code == 200
    assert set(response.json()["data"]) == {"access_token", "refresh_token", "expires"}


async def test_the_old_refresh_token_within_the_grace_window_gets_the_same_successor(
    client: httpx.AsyncClient, user_id: str
) -> None:
    first = await rest_login(client, USER_EMAIL, USER_PASSWORD)
    one = await refresh(client, {"refresh_token": first["refresh_token"], "mode": "json"})
    two = await refresh(client, {"refresh_token": first["refresh_token"], "mode": "json"})
    assert one.status_code == two.status_code == 200
    assert one.json()["data"]["refresh_token"] == two.json()["data"]["refresh_token"]


async def test_refresh_without_a_token_is_invalid_payload(client: httpx.AsyncClient) -> None:
    for body in ({}, {"mode": "json"}, {"mode": "cookie"}):
        response = await refresh(client, body)
        assert response.status_code == 400, body
        assert response.json() == MISSING_REFRESH_TOKEN


async def test_refresh_with_an_unknown_token_is_invalid_credentials(
    client: httpx.AsyncClient,
) -> None:
    response = await refresh(client, {"refresh_token": "x" * 64, "mode": "json"})
    assert response.status_code == 401
    assert response.json() == INVALID_CREDENTIALS


async def test_refresh_in_cookie_mode_reads_and_replaces_the_cookie(
    client: httpx.AsyncClient, clock: SettableClock, user_id: str
) -> None:
    await rest_login(client, USER_EMAIL, USER_PASSWORD, mode="cookie")
    old = client.cookies.get(REFRESH_COOKIE)
    assert old is not None
    response = await refresh(client, {"mode": "cookie"})
    assert response.status_code == 200
    data = response.json()["data"]
    assert set(data) == {"access_token", "expires"}
    new = cookie_value(cookie_header(response, REFRESH_COOKIE))
    assert new != old
    assert client.cookies.get(REFRESH_COOKIE) == new
    assert await me_email(client, bearer(data["access_token"])) == USER_EMAIL

    clock.advance(REUSE_GRACE)
    stale = await client.post(
        "/auth/refresh",
        json={"mode": "cookie"},
        headers={"Cookie": f"{REFRESH_COOKIE}={old}"},
    )
    assert stale.status_code == 401
    assert stale.json() == INVALID_CREDENTIALS


async def test_refresh_in_session_mode_renews_the_session_cookie(
    client: httpx.AsyncClient, user_id: str
) -> None:
    await rest_login(client, USER_EMAIL, USER_PASSWORD, mode="session")
    old = client.cookies.get(SESSION_COOKIE)
    response = await refresh(client, {"mode": "session"})
    assert response.status_code == 200
    assert response.json() == {"data": {"expires": SESSION_TTL_MS}}
    new = cookie_value(cookie_header(response, SESSION_COOKIE))
    assert new != old
    assert await me_email(client) == USER_EMAIL


# Logout -----------------------------------------------------------------------------------


async def test_logout_answers_204_and_the_refresh_token_is_refused_afterwards(
    client: httpx.AsyncClient, user_id: str
) -> None:
    tokens = await rest_login(client, USER_EMAIL, USER_PASSWORD)
    response = await client.post(
        "/auth/logout", json={"refresh_token": tokens["refresh_token"], "mode": "json"}
    )
    assert_no_content(response)
    again = await refresh(client, {"refresh_token": tokens["refresh_token"], "mode": "json"})
    assert again.status_code == 401
    assert again.json() == INVALID_CREDENTIALS


async def test_logout_in_cookie_mode_clears_the_cookie_and_ends_the_session(
    client: httpx.AsyncClient, user_id: str
) -> None:
    await rest_login(client, USER_EMAIL, USER_PASSWORD, mode="cookie")
    old = client.cookies.get(REFRESH_COOKIE)
    response = await client.post("/auth/logout", json={"mode": "cookie"})
    assert_no_content(response)
    cleared = attributes(cookie_header(response, REFRESH_COOKIE))
    assert "Max-Age=0" in cleared
    assert "Path=/" in cleared
    again = await client.post(
        "/auth/refresh", json={"mode": "cookie"}, headers={"Cookie": f"{REFRESH_COOKIE}={old}"}
    )
    assert again.status_code == 401
    assert again.json() == INVALID_CREDENTIALS


async def test_logout_in_session_mode_ends_the_session_token_at_once(
    client: httpx.AsyncClient, user_id: str
) -> None:
    await rest_login(client, USER_EMAIL, USER_PASSWORD, mode="session")
    session_token = client.cookies.get(SESSION_COOKIE)
    assert session_token is not None
    assert await me_email(client) == USER_EMAIL
    response = await client.post("/auth/logout", json={"mode": "session"})
    assert_no_content(response)
    cleared = attributes(cookie_header(response, SESSION_COOKIE))
    assert "Max-Age=0" in cleared
    assert "Expires=Thu, 01 Jan 1970 00:00:00 GMT" in cleared
    assert "SameSite=Lax" in cleared
    after = await client.get("/users/me", headers={"Cookie": f"{SESSION_COOKIE}={session_token}"})
    assert after.status_code == 401
    assert after.json() == INVALID_CREDENTIALS


async def test_logout_without_a_token_is_invalid_payload(client: httpx.AsyncClient) -> None:
    response = await client.post("/auth/logout", json={"mode": "json"})
    assert response.status_code == 400
    assert response.json() == MISSING_REFRESH_TOKEN


# Password reset ---------------------------------------------------------------------------


async def test_password_request_and_reset_with_the_token_from_the_mail(
    client: httpx.AsyncClient, services: Services, inbox: Inbox, user_id: str
) -> None:
    before = await rest_login(client, USER_EMAIL, USER_PASSWORD)
    response = await client.post("/auth/password/request", json={"email": USER_EMAIL})
    assert_no_content(response)
    [message] = await delivered(services, inbox)
    assert message["To"] == USER_EMAIL
    assert message["Subject"] == "Password Reset Request"
    token = token_in(message, f"{PUBLIC_URL}/admin/reset-password?token=")

    reset = await client.post(
        "/auth/password/reset", json={"token": token, "password": NEW_PASSWORD}
    )
    assert_no_content(reset)

    old = await client.post("/auth/login", json={"email": USER_EMAIL, "password": USER_PASSWORD})
    assert old.status_code == 401
    assert old.json() == INVALID_CREDENTIALS
    assert (await rest_login(client, USER_EMAIL, NEW_PASSWORD))["access_token"]
    # The reset ended the sessions the user had.
    stale = await refresh(client, {"refresh_token": before["refresh_token"], "mode": "json"})
    assert stale.status_code == 401
    # The token works once.
    again = await client.post(
        "/auth/password/reset", json={"token": token, "password": "reader-password-3"}
    )
    assert again.status_code == 403
    assert again.json() == error("FORBIDDEN", "You don't have permission to access this.")


async def test_password_request_with_an_allowed_reset_url_links_there(
    client: httpx.AsyncClient, services: Services, inbox: Inbox, user_id: str
) -> None:
    response = await client.post(
        "/auth/password/request", json={"email": USER_EMAIL, "reset_url": ALLOWED_RESET_URL}
    )
    assert_no_content(response)
    [message] = await delivered(services, inbox)
    assert token_in(message, f"{ALLOWED_RESET_URL}?token=")


async def test_password_request_for_an_unknown_email_is_204_and_sends_nothing(
    client: httpx.AsyncClient, services: Services, inbox: Inbox, user_id: str
) -> None:
    response = await client.post("/auth/password/request", json={"email": "ghost@example.com"})
    assert_no_content(response)
    assert await delivered(services, inbox) == []


async def test_password_request_with_a_url_off_the_allow_list_is_invalid_payload(
    client: httpx.AsyncClient, services: Services, inbox: Inbox, user_id: str
) -> None:
    response = await client.post(
        "/auth/password/request",
        json={"email": USER_EMAIL, "reset_url": "https://evil.example.com/reset"},
    )
    assert_error(response, 400, "INVALID_PAYLOAD")
    assert response.json()["errors"][0]["message"] == (
        'Invalid payload. URL "https://evil.example.com/reset" can\'t be used to reset passwords.'
    )
    assert await delivered(services, inbox) == []


async def test_password_reset_with_a_forged_token_is_invalid_token(
    client: httpx.AsyncClient, user_id: str
) -> None:
    response = await client.post(
        "/auth/password/reset", json={"token": "not.a.token", "password": NEW_PASSWORD}
    )
    assert response.status_code == 403
    assert response.json() == error("INVALID_TOKEN", "Invalid token.")


async def test_password_reset_with_an_expired_token_is_token_expired(
    client: httpx.AsyncClient,
    services: Services,
    inbox: Inbox,
    user_id: str,
    clock: SettableClock,
) -> None:
    assert_no_content(await client.post("/auth/password/request", json={"email": USER_EMAIL}))
    [message] = await delivered(services, inbox)
    token = token_in(message, f"{PUBLIC_URL}/admin/reset-password?token=")
    clock.advance(timedelta(days=1, seconds=1))
    response = await client.post(
        "/auth/password/reset", json={"token": token, "password": NEW_PASSWORD}
    )
    assert response.status_code == 401
    assert response.json() == TOKEN_EXPIRED
    assert (await rest_login(client, USER_EMAIL, USER_PASSWORD))["access_token"]


async def test_password_reset_without_a_password_is_invalid_payload(
    client: httpx.AsyncClient,
) -> None:
    response = await client.post("/auth/password/reset", json={"token": "abc"})
    assert response.status_code == 400
    assert response.json() == error("INVALID_PAYLOAD", 'Invalid payload. "password" is required.')


# Providers --------------------------------------------------------------------------------


async def test_auth_lists_no_providers_and_the_default_login_enabled(
    client: httpx.AsyncClient,
) -> None:
    response = await client.get("/auth")
    assert response.status_code == 200
    assert response.json() == {"data": [], "disableDefault": False}


# How a REST request presents its token ------------------------------------------------------


async def test_the_access_token_query_parameter_authenticates(
    client: httpx.AsyncClient, user_id: str
) -> None:
    token = (await rest_login(client, USER_EMAIL, USER_PASSWORD))["access_token"]
    response = await client.get("/users/me", params={"fields": "id", "access_token": token})
    assert response.status_code == 200
    assert response.json() == {"data": {"id": user_id}}


async def test_a_static_token_authenticates(client: httpx.AsyncClient, services: Services) -> None:
    static = "static-token-for-rest-0123456789"
    user = await create_user(services, "robot@example.com", None, static_token=static)
    response = await client.get("/users/me", params={"fields": "id,email"}, headers=bearer(static))
    assert response.status_code == 200
    assert response.json() == {"data": {"id": user.id, "email": "robot@example.com"}}


async def test_a_token_in_header_and_query_is_400(client: httpx.AsyncClient) -> None:
    token = (await rest_login(client, ADMIN_EMAIL, ADMIN_PASSWORD))["access_token"]
    for path in ("/users/me", "/users", "/auth"):
        response = await client.get(path, params={"access_token": token}, headers=bearer(token))
        assert response.status_code == 400, path
        assert response.json() == TWO_TOKEN_SOURCES


async def test_an_expired_access_token_is_401_token_expired(
    client: httpx.AsyncClient, clock: SettableClock
) -> None:
    token = (await rest_login(client))["access_token"]
    clock.advance(timedelta(minutes=15, seconds=1))
    response = await client.get("/users/me", headers=bearer(token))
    assert response.status_code == 401
    assert response.json() == TOKEN_EXPIRED


@pytest.mark.parametrize(
    "token",
    [
        "eyJhbGciOiJIUzI1NiJ9.eyJpZCI6IngiLCJpc3MiOiJkaXJlY3R1cyJ9.c2lnbmF0dXJl",
        jwt.encode({"id": "x", "iss": "directus"}, "another-secret-" + "0" * 40),
    ],
)
async def test_a_forged_jwt_is_403_invalid_token(client: httpx.AsyncClient, token: str) -> None:
    response = await client.get("/users", headers=bearer(token))
    assert response.status_code == 403
    assert response.json() == INVALID_TOKEN


async def test_an_unknown_static_token_is_401_invalid_credentials(
    client: httpx.AsyncClient,
) -> None:
    response = await client.get("/users/me", headers=bearer("no-such-static-token"))
    assert response.status_code == 401
    assert response.json() == INVALID_CREDENTIALS
