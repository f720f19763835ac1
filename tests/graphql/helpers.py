"""Shared pieces for the HTTP tests: documents, JWT forging and direct database edits."""

from __future__ import annotations

import base64
import json
from typing import Any

import httpx
import pyotp
from jose import jwt
from sqlalchemy import delete, update
from sqlmodel import col

from app.clock import SettableClock
from app.db.models import Role, User
from app.repositories import policies as policies_repo
from app.services.container import Services

ME_ID = "{ users_me { id email } }"
ME_LAST_ACCESS = "{ users_me { id last_access } }"
ME_ADMIN = "{ users_me { id role { admin_access app_access } } }"

REFRESH = """
mutation Refresh($refresh_token: String, $mode: auth_mode) {
  auth_refresh(refresh_token: $refresh_token, mode: $mode) {
    access_token refresh_token expires
  }
}
"""

LOGOUT = """
mutation Logout($refresh_token: String, $mode: auth_mode) {
  auth_logout(refresh_token: $refresh_token, mode: $mode)
}
"""

REFRESH_COOKIE = "directus_refresh_token"
SESSION_COOKIE = "directus_session_token"

MISSING_REFRESH_MESSAGE = (
    "Invalid payload. The refresh token is required in either the payload or cookie."
)


def totp(secret: str, clock: SettableClock) -> str:
    """The authenticator app's code for `secret` at the test clock's now."""
    value: str = pyotp.TOTP(secret).at(clock.now())
    return value


class ShortSecretTOTP(pyotp.TOTP):
    """An authenticator app holding an 80-bit secret, as Directus and older tools write them
    (pyotp itself refuses short ones)."""

    def byte_secret(self) -> bytes:
        return base64.b32decode(self.secret + "=" * (-len(self.secret) % 8), casefold=True)


def claims_of(token: str) -> dict[str, Any]:
    """The payload of a JWT, read without checking anything."""
    claims: dict[str, Any] = jwt.get_unverified_claims(token)
    return claims


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def unsigned_jwt(payload: dict[str, Any]) -> str:
    """An alg=none JWT built by hand: header, payload, empty signature."""
    header = _b64url(json.dumps({"alg": "none", "typ": "JWT"}).encode())
    body = _b64url(json.dumps(payload).encode())
    return f"{header}.{body}."


def signed_jwt(payload: dict[str, Any], secret: str, algorithm: str = "HS256") -> str:
    return str(jwt.encode(payload, secret, algorithm=algorithm))


async def set_status(services: Services, user_id: str, status: str) -> None:
    """Changes a user's status behind the server's back, as an admin in the database would."""
    async with services.db.write() as session:
        await session.exec(update(User).where(col(User.id) == user_id).values(status=status))


async def delete_user(services: Services, user_id: str) -> None:
    async with services.db.write() as session:
        await session.exec(delete(User).where(col(User.id) == user_id))


async def set_admin_access(services: Services, role_id: str, admin_access: bool) -> None:
    """On the role's own policy, behind the server's back."""
    async with services.db.write() as session:
        role = await session.get(Role, role_id)
        assert role is not None
        flags = {"admin_access": admin_access}
        await policies_repo.set_own_flags(session, role_id, role.name, flags)


def set_cookie_headers(headers: httpx.Headers) -> list[str]:
    """Every Set-Cookie header of a response, in order."""
    values: list[str] = headers.get_list("set-cookie")
    return values


def cookie_header_for(headers: httpx.Headers, name: str) -> str:
    """The one Set-Cookie header that sets `name`."""
    found = [value for value in set_cookie_headers(headers) if value.startswith(f"{name}=")]
    assert len(found) == 1, set_cookie_headers(headers)
    return found[0]
