"""auth_login over HTTP, in each mode."""

from __future__ import annotations

import httpx

from tests.conftest import ADMIN_EMAIL, ADMIN_PASSWORD, LOGIN, gql, login

ME = "{ users_me { email role { name admin_access app_access } } }"


async def test_json_mode_returns_both_tokens_and_expires_as_string(
    client: httpx.AsyncClient,
) -> None:
    tokens = await login(client)
    assert tokens["expires"] == "900000"
    assert len(tokens["refresh_token"]) == 64
    me = await gql(client, ME, token=tokens["access_token"])
    assert me.data["users_me"] == {
        "email": ADMIN_EMAIL,
        "role": {"name": "Administrator", "admin_access": True, "app_access": True},
    }


async def test_email_is_matched_case_insensitively(client: httpx.AsyncClient) -> None:
    tokens = await login(client, email=ADMIN_EMAIL.upper())
    assert tokens["access_token"]


async def test_wrong_password_is_invalid_credentials(client: httpx.AsyncClient) -> None:
    reply = await gql(client, LOGIN, {"email": ADMIN_EMAIL, "password": "nope"})
    assert reply.status == 200
    assert reply.data == {"auth_login": None}
    assert reply.codes == ["INVALID_CREDENTIALS"]
    assert reply.body["errors"][0]["message"] == "Invalid user credentials."


async def test_cookie_mode_sets_refresh_cookie(client: httpx.AsyncClient) -> None:
    reply = await gql(
        client, LOGIN, {"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD, "mode": "cookie"}
    )
    tokens = reply.data["auth_login"]
    assert tokens["refresh_token"] is None
    assert tokens["access_token"]
    cookie = reply.response.headers["set-cookie"]
    assert cookie.startswith("directus_refresh_token=")
    assert "HttpOnly" in cookie
    assert "Path=/" in cookie
    assert "Max-Age=604800" in cookie
    assert "SameSite=lax" in cookie
    assert "Secure" not in cookie
