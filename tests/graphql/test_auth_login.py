"""auth_login over HTTP, in each mode."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
import pyotp
import pytest
from jose import jwt

from app.clock import SettableClock
from app.db.models import User
from app.services.container import Services
from tests.conftest import (
    ADMIN_EMAIL,
    ADMIN_PASSWORD,
    LOGIN,
    TEST_SECRET,
    create_user,
    gql,
    login,
)
from tests.graphql.helpers import (
    ME_ID,
    ME_LAST_ACCESS,
    SESSION_COOKIE,
    claims_of,
    cookie_header_for,
)

ME = "{ users_me { email role { name admin_access app_access } } }"
TFA_SECRET = pyotp.random_base32()


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
    assert "data" not in reply.body
    assert reply.codes == ["INVALID_CREDENTIALS"]
    assert reply.body["errors"][0]["message"] == "Invalid user credentials."


@pytest.mark.parametrize("email", [ADMIN_EMAIL, "nobody@example.com"])
async def test_a_password_with_a_lone_surrogate_is_invalid_credentials(
    client: httpx.AsyncClient, email: str
) -> None:
    """JSON carries "\\ud800" (a lone surrogate), which no encoding can: a failed login."""
    reply = await gql(client, LOGIN, {"email": email, "password": "\ud800"})
    assert reply.status == 200
    assert "data" not in reply.body
    assert reply.codes == ["INVALID_CREDENTIALS"]


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
    assert "SameSite=Lax" in cookie
    assert "Secure" not in cookie


async def test_session_mode_returns_only_expires_and_sets_session_cookie(
    client: httpx.AsyncClient,
) -> None:
    """Session mode keeps every token out of the body; the JWT lives in an HttpOnly cookie."""
    reply = await gql(
        client, LOGIN, {"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD, "mode": "session"}
    )
    assert reply.status == 200
    assert "errors" not in reply.body
    assert reply.data["auth_login"] == {
        "access_token": None,
        "refresh_token": None,
        "expires": "86400000",
    }
    cookie = cookie_header_for(reply.response.headers, SESSION_COOKIE)
    attributes = [part.strip() for part in cookie.split(";")]
    assert "HttpOnly" in attributes
    assert "Path=/" in attributes
    assert "Max-Age=86400" in attributes
    assert "SameSite=Lax" in attributes
    assert "Secure" not in attributes
    assert not any(part.lower().startswith("domain=") for part in attributes)
    jwt_value = attributes[0].split("=", 1)[1]
    assert claims_of(jwt_value)["iss"] == "directus"


async def test_session_cookie_alone_authenticates_users_me(client: httpx.AsyncClient) -> None:
    """A browser only has the cookie: users_me must work without any header."""
    await login(client, mode="session")
    assert client.cookies.get(SESSION_COOKIE)
    me = await gql(client, ME_ID)
    assert me.status == 200
    assert me.data["users_me"]["email"] == ADMIN_EMAIL


async def test_unknown_email_is_invalid_credentials(client: httpx.AsyncClient) -> None:
    """An unknown email must look exactly like a wrong password."""
    reply = await gql(client, LOGIN, {"email": "nobody@example.com", "password": "whatever-1"})
    assert reply.status == 200
    assert "data" not in reply.body
    assert reply.codes == ["INVALID_CREDENTIALS"]
    assert reply.body["errors"][0]["message"] == "Invalid user credentials."


@pytest.mark.parametrize("status", ["suspended", "invited", "draft", "archived"])
async def test_non_active_user_with_right_password_is_invalid_credentials(
    client: httpx.AsyncClient, services: Services, status: str
) -> None:
    """Only active users log in, and the refusal does not reveal the status."""
    await create_user(services, f"{status}@example.com", "right-password-1", status=status)
    reply = await gql(
        client, LOGIN, {"email": f"{status}@example.com", "password": "right-password-1"}
    )
    assert reply.status == 200
    assert "data" not in reply.body
    assert reply.codes == ["INVALID_CREDENTIALS"]
    assert reply.body["errors"][0]["message"] == "Invalid user credentials."
    assert not reply.response.headers.get_list("set-cookie")


async def test_tfa_user_without_otp_is_invalid_otp(
    client: httpx.AsyncClient, services: Services
) -> None:
    """The password alone is not enough once TFA is on."""
    await create_user(services, "tfa@example.com", "tfa-password-1", tfa_secret=TFA_SECRET)
    reply = await gql(client, LOGIN, {"email": "tfa@example.com", "password": "tfa-password-1"})
    assert "data" not in reply.body
    assert reply.codes == ["INVALID_OTP"]
    assert reply.body["errors"][0]["message"] == "Invalid user OTP."


async def test_tfa_user_with_wrong_otp_is_invalid_otp(
    client: httpx.AsyncClient, services: Services, clock: SettableClock
) -> None:
    """A code that is not the current one is refused."""
    await create_user(services, "tfa@example.com", "tfa-password-1", tfa_secret=TFA_SECRET)
    right = pyotp.TOTP(TFA_SECRET).at(clock.now())
    wrong = f"{(int(right) + 1) % 1_000_000:06d}"
    reply = await gql(
        client,
        LOGIN,
        {"email": "tfa@example.com", "password": "tfa-password-1", "otp": wrong},
    )
    assert "data" not in reply.body
    assert reply.codes == ["INVALID_OTP"]


async def test_tfa_user_with_current_otp_logs_in(
    client: httpx.AsyncClient, services: Services, clock: SettableClock
) -> None:
    """The code of the server's current time step lets the user in."""
    await create_user(services, "tfa@example.com", "tfa-password-1", tfa_secret=TFA_SECRET)
    # The server checks against its clock; take the code for that instant so a 30 s step
    # boundary between fixture set-up and now cannot make the test flaky.
    code = pyotp.TOTP(TFA_SECRET).at(clock.now())
    reply = await gql(
        client,
        LOGIN,
        {"email": "tfa@example.com", "password": "tfa-password-1", "otp": code},
    )
    assert "errors" not in reply.body, reply.body
    tokens = reply.data["auth_login"]
    me = await gql(client, ME_ID, token=tokens["access_token"])
    assert me.data["users_me"]["email"] == "tfa@example.com"


async def test_login_sets_last_access(
    client: httpx.AsyncClient, services: Services, clock: SettableClock
) -> None:
    """last_access records the login, at the server's notion of now."""
    user = await create_user(services, "fresh@example.com", "fresh-password-1")
    async with services.db.read() as session:
        stored = await session.get(User, user.id)
        assert stored is not None
        assert stored.last_access is None
    clock.advance(timedelta(hours=3))
    tokens = await login(client, "fresh@example.com", "fresh-password-1")
    me = await gql(client, ME_LAST_ACCESS, token=tokens["access_token"])
    last_access = me.data["users_me"]["last_access"]
    assert isinstance(last_access, str)
    when = datetime.fromisoformat(last_access.replace("Z", "+00:00"))
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    assert abs((when - clock.now()).total_seconds()) < 1


async def test_access_token_claims_in_json_mode(
    client: httpx.AsyncClient, services: Services
) -> None:
    """Clients decode the JWT: it must carry Directus's claims, signed with SECRET."""
    user = await create_user(services, "claims@example.com", "claims-password-1")
    tokens = await login(client, "claims@example.com", "claims-password-1")
    claims = jwt.decode(
        tokens["access_token"],
        TEST_SECRET,
        algorithms=["HS256"],
        issuer="directus",
        options={"verify_exp": False},
    )
    assert claims["iss"] == "directus"
    assert claims["id"] == user.id
    assert claims["role"] == user.role
    assert claims["app_access"] is True
    assert claims["admin_access"] is False
    assert "session" not in claims
    assert claims["exp"] - claims["iat"] == 900


async def test_access_token_claims_of_admin(client: httpx.AsyncClient) -> None:
    """The admin's token says admin_access true."""
    tokens = await login(client)
    claims = claims_of(tokens["access_token"])
    assert claims["admin_access"] is True
    assert claims["app_access"] is True
    assert "session" not in claims


async def test_access_token_claims_in_session_mode_carry_session(
    client: httpx.AsyncClient, services: Services
) -> None:
    """Only a session-mode JWT names its session, so logout can end it."""
    user = await create_user(services, "claims@example.com", "claims-password-1")
    await login(client, "claims@example.com", "claims-password-1", mode="session")
    token = client.cookies.get(SESSION_COOKIE)
    assert token
    claims = jwt.decode(
        token, TEST_SECRET, algorithms=["HS256"], issuer="directus", options={"verify_exp": False}
    )
    assert claims["iss"] == "directus"
    assert claims["id"] == user.id
    assert claims["role"] == user.role
    assert claims["app_access"] is True
    assert claims["admin_access"] is False
    assert isinstance(claims["session"], str)
    assert claims["session"]
    assert claims["exp"] - claims["iat"] == 86400


async def test_cookie_mode_claims_have_no_session(client: httpx.AsyncClient) -> None:
    """Cookie mode returns a plain access token, like json mode."""
    tokens = await login(client, mode="cookie")
    assert "session" not in claims_of(tokens["access_token"])
