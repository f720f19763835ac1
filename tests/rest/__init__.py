"""The REST endpoints @directus/sdk's rest() composable calls, driven over HTTP.

Shared pieces for the REST test modules: error bodies as Directus writes them, logging in
through POST /auth/login, and the Authorization header.
"""

from __future__ import annotations

from typing import Any

import httpx

from tests.conftest import ADMIN_EMAIL, ADMIN_PASSWORD

ACCESS_TOKEN_TTL_MS = 900_000
SESSION_TTL_MS = 86_400_000

# Every field of directus_users a `*` reads (Directus's user object).
USER_FIELDS = {
    "id",
    "first_name",
    "last_name",
    "email",
    "password",
    "location",
    "title",
    "description",
    "tags",
    "avatar",
    "language",
    "tfa_secret",
    "status",
    "role",
    "token",
    "last_access",
    "last_page",
    "provider",
    "external_identifier",
    "auth_data",
    "email_notifications",
    "appearance",
    "theme_dark",
    "theme_light",
    "theme_light_overrides",
    "theme_dark_overrides",
    "text_direction",
}
# What `*` reads for a non-admin: the sign-in fields are the administrators' alone.
SELF_FIELDS = USER_FIELDS - {"provider", "external_identifier", "auth_data"}

REFRESH_COOKIE = "directus_refresh_token"
SESSION_COOKIE = "directus_session_token"


# Codes whose message is "<prefix> <reason>.": Directus sends the reason beside the code.
_REASONED = {
    "INVALID_PAYLOAD": "Invalid payload. ",
    "INVALID_QUERY": "Invalid query. ",
    "UNPROCESSABLE_CONTENT": "Can't process content. ",
}


def error(code: str, message: str, **extensions: Any) -> dict[str, Any]:
    """A REST error body: {"errors": [{message, extensions: {code, …}}]}, with the
    `reason` Directus sends for a reasoned code, and any other `extensions`."""
    prefix = _REASONED.get(code)
    if prefix is not None and message.startswith(prefix):
        extensions = {"reason": message.removeprefix(prefix).rstrip("."), **extensions}
    if code == "FORBIDDEN" and message != "You don't have permission to access this.":
        extensions = {"reason": message, **extensions}
    return {"errors": [{"message": message, "extensions": {"code": code, **extensions}}]}


def not_unique(value: str, field: str = "email") -> dict[str, Any]:
    """RECORD_NOT_UNIQUE for `value` of directus_users.`field`."""
    collection = "directus_users"
    return error(
        "RECORD_NOT_UNIQUE",
        f'Value "{value}" for field "{field}" in collection "{collection}" has to be unique.',
        collection=collection,
        field=field,
        value=value,
    )


FORBIDDEN = error("FORBIDDEN", "You don't have permission to access this.")
INVALID_CREDENTIALS = error("INVALID_CREDENTIALS", "Invalid user credentials.")
INVALID_OTP = error("INVALID_OTP", "Invalid user OTP.")
TOKEN_EXPIRED = error("TOKEN_EXPIRED", "Token expired.")
INVALID_TOKEN = error("INVALID_TOKEN", "Invalid token.")
INVALID_EMAIL = error(
    "FAILED_VALIDATION",
    'Validation failed for field "email". Value has to be a valid email address.',
    field="email",
    type="email",
    path=[],
)
INVALID_INVITE = error("INVALID_INVITE", "This invite is no longer valid.")
MISSING_REFRESH_TOKEN = error(
    "INVALID_PAYLOAD",
    "Invalid payload. The refresh token is required in either the payload or cookie.",
)
TWO_TOKEN_SOURCES = error(
    "INVALID_PAYLOAD",
    "Invalid payload. The request uses more than one method for including an access token.",
)
LAST_ADMIN = error(
    "UNPROCESSABLE_CONTENT",
    "Can't process content. Cannot remove the last admin user from the system.",
)


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def codes(response: httpx.Response) -> list[str]:
    """The error codes of a REST error answer (empty when it is not one)."""
    body = response.json()
    if not isinstance(body, dict):
        return []
    return [item["extensions"]["code"] for item in body.get("errors", [])]


def assert_error(response: httpx.Response, status: int, code: str) -> None:
    """A REST error of one code, whatever its reason text; the reason has Directus's prefix."""
    assert response.status_code == status, response.text
    body = response.json()
    assert list(body) == ["errors"], body
    [item] = body["errors"]
    assert item["extensions"]["code"] == code, body
    assert isinstance(item["message"], str), body
    # What Directus sends beside the code: for a reasoned code, the message's own reason.
    prefix = _REASONED.get(code)
    if prefix is not None:
        reason = item["message"].removeprefix(prefix).rstrip(".")
        assert item["extensions"] == {"code": code, "reason": reason}, body


def assert_no_content(response: httpx.Response) -> None:
    """Directus answers 204 with an empty body for actions that return nothing."""
    assert response.status_code == 204, response.text
    assert response.content == b""


async def rest_login(
    client: httpx.AsyncClient,
    email: str = ADMIN_EMAIL,
    password: str = ADMIN_PASSWORD,
    mode: str = "json",
    otp: str | None = None,
) -> dict[str, Any]:
    """POST /auth/login and the `data` of its answer."""
    body: dict[str, Any] = {"email": email, "password": password, "mode": mode}
    if otp is not None:
        body["otp"] = otp
    response = await client.post("/auth/login", json=body)
    assert response.status_code == 200, response.text
    data: dict[str, Any] = response.json()["data"]
    return data


async def admin_token(client: httpx.AsyncClient) -> str:
    token: str = (await rest_login(client))["access_token"]
    return token
