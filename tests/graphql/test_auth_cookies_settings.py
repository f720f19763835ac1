"""Cookie attributes follow the *_COOKIE_* settings rather than being hard-coded."""

from __future__ import annotations

from datetime import timedelta
from email.utils import format_datetime
from typing import Any

import httpx
import pytest

from app.clock import SettableClock
from tests.conftest import ADMIN_EMAIL, ADMIN_PASSWORD, LOGIN, gql, login
from tests.graphql.helpers import LOGOUT, REFRESH_COOKIE, SESSION_COOKIE, cookie_header_for


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    return {
        "refresh_token_cookie_secure": True,
        "refresh_token_cookie_same_site": "strict",
        "refresh_token_cookie_domain": "example.com",
        "refresh_token_ttl": "2d",
        "session_cookie_secure": True,
        "session_cookie_same_site": "none",
        "session_cookie_domain": "app.example.com",
        "session_cookie_ttl": "2h",
    }


def _attributes(cookie: str) -> list[str]:
    return [part.strip() for part in cookie.split(";")]


def _expires_in(clock: SettableClock, seconds: int) -> str:
    """The Expires attribute express writes beside Max-Age: the same moment, as a date."""
    return f"Expires={format_datetime(clock.now() + timedelta(seconds=seconds), usegmt=True)}"


async def test_refresh_cookie_uses_refresh_settings(
    client: httpx.AsyncClient, clock: SettableClock
) -> None:
    """Secure, SameSite, Domain and Max-Age (with its Expires) come from REFRESH_TOKEN_*
    settings; SameSite is spelled as Directus spells it."""
    reply = await gql(
        client, LOGIN, {"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD, "mode": "cookie"}
    )
    assert "errors" not in reply.body, reply.body
    attributes = _attributes(cookie_header_for(reply.response.headers, REFRESH_COOKIE))
    assert "Secure" in attributes
    assert "SameSite=Strict" in attributes
    assert "Domain=example.com" in attributes
    assert "Max-Age=172800" in attributes
    assert _expires_in(clock, 172800) in attributes
    assert "HttpOnly" in attributes
    assert "Path=/" in attributes


async def test_session_cookie_uses_session_settings(
    client: httpx.AsyncClient, clock: SettableClock
) -> None:
    """The session cookie has its own settings, and expires follows SESSION_COOKIE_TTL."""
    reply = await gql(
        client, LOGIN, {"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD, "mode": "session"}
    )
    assert "errors" not in reply.body, reply.body
    assert reply.data["auth_login"]["expires"] == "7200000"
    attributes = _attributes(cookie_header_for(reply.response.headers, SESSION_COOKIE))
    assert "Secure" in attributes
    assert "SameSite=None" in attributes
    assert "Domain=app.example.com" in attributes
    assert "Max-Age=7200" in attributes
    assert _expires_in(clock, 7200) in attributes
    assert "HttpOnly" in attributes
    assert "Path=/" in attributes


async def test_logout_clears_refresh_cookie_with_the_same_domain(
    client: httpx.AsyncClient,
) -> None:
    """A browser only drops a cookie when the clearing one names the same domain and path."""
    await login(client, mode="cookie")
    reply = await gql(
        client,
        LOGOUT,
        {"mode": "cookie"},
        headers={"Cookie": f"{REFRESH_COOKIE}=some-refresh-token"},
    )
    assert reply.data == {"auth_logout": True}
    attributes = _attributes(cookie_header_for(reply.response.headers, REFRESH_COOKIE))
    assert "Domain=example.com" in attributes
    assert "Path=/" in attributes
    assert "Max-Age=0" in attributes
    assert "Expires=Thu, 01 Jan 1970 00:00:00 GMT" in attributes
    assert "SameSite=Strict" in attributes
