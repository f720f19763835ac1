"""/users/me, invitations, registration and two-factor over REST, with mail through SMTP."""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from urllib.parse import parse_qs, quote, urlsplit

import httpx
import pyotp
import pytest

from app.clock import SettableClock
from app.db.models import User, new_id
from app.services.container import Services
from tests.conftest import ADMIN_EMAIL, create_role, create_user, gql
from tests.graphql.mutation_seed import write_refused
from tests.mail_links import (
    PUBLIC_URL,
    delivered,
    smtp_settings,
    token_in,
)
from tests.mail_server import Inbox
from tests.rest import (
    FORBIDDEN,
    INVALID_CREDENTIALS,
    INVALID_EMAIL,
    INVALID_INVITE,
    INVALID_OTP,
    INVALID_TOKEN,
    SELF_FIELDS,
    TOKEN_EXPIRED,
    admin_token,
    assert_error,
    assert_no_content,
    bearer,
    error,
    not_unique,
    rest_login,
)

ALLOWED_INVITE_URL = "https://app.example.com/join"
ALLOWED_VERIFY_URL = "https://app.example.com/verify"

ALICE = "alice@example.com"
ALICE_PASSWORD = "alice-password-1"
GUEST = "guest@example.com"
GUEST_PASSWORD = "guest-password-1"
NEWCOMER = "newcomer@example.com"
NEWCOMER_PASSWORD = "newcomer-password-1"

WINDOW = timedelta(seconds=30)

UPDATE_SETTINGS = """
mutation Settings($data: update_directus_settings_input!) {
  update_settings(data: $data) { public_registration }
}
"""


@pytest.fixture
def settings_overrides(smtp: tuple[int, Inbox]) -> dict[str, Any]:
    return smtp_settings(
        smtp[0],
        user_invite_url_allow_list=[ALLOWED_INVITE_URL],
        user_register_url_allow_list=[ALLOWED_VERIFY_URL],
    )


@pytest.fixture
async def alice(services: Services) -> User:
    return await create_user(services, ALICE, ALICE_PASSWORD, first_name="Alice")


@pytest.fixture
async def alice_token(client: httpx.AsyncClient, alice: User) -> str:
    token: str = (await rest_login(client, ALICE, ALICE_PASSWORD))["access_token"]
    return token


@pytest.fixture
async def admin(client: httpx.AsyncClient) -> str:
    return await admin_token(client)


@pytest.fixture
async def role(services: Services) -> str:
    role_id = new_id()
    await create_role(services, role_id, "Editors")
    return role_id


async def user_row(client: httpx.AsyncClient, admin: str, email: str) -> list[dict[str, Any]]:
    response = await client.get(
        "/users",
        params={"filter[email][_eq]": email, "fields": "email,status,role,password"},
        headers=bearer(admin),
    )
    assert response.status_code == 200, response.text
    rows: list[dict[str, Any]] = response.json()["data"]
    return rows


# /users/me ----------------------------------------------------------------------------------


async def test_me_reads_the_caller_with_nested_role_fields(
    client: httpx.AsyncClient, admin: str
) -> None:
    response = await client.get(
        "/users/me",
        params={"fields": "email,first_name,role.name,role.admin_access"},
        headers=bearer(admin),
    )
    assert response.status_code == 200
    assert response.json() == {
        "data": {
            "email": ADMIN_EMAIL,
            "first_name": "Admin",
            "role": {"name": "Administrator", "admin_access": True},
        }
    }


async def test_me_reads_every_field_by_default(
    client: httpx.AsyncClient, alice: User, alice_token: str
) -> None:
    response = await client.get("/users/me", headers=bearer(alice_token))
    assert response.status_code == 200
    data = response.json()["data"]
    assert set(data) == SELF_FIELDS
    assert data["id"] == alice.id
    assert data["email"] == ALICE
    assert data["password"] == "**********"
    assert data["role"] == alice.role
    assert data["last_access"] is not None


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("GET", "/users/me", None),
        ("PATCH", "/users/me", {"first_name": "Nobody"}),
        ("POST", "/users/me/tfa/generate", {"password": "x"}),
        ("POST", "/users/me/tfa/enable", {"otp": "123456", "secret": "JBSWY3DPEHPK3PXP"}),
        ("POST", "/users/me/tfa/disable", {"otp": "123456"}),
    ],
)
async def test_me_endpoints_without_a_user_are_401_invalid_credentials(
    client: httpx.AsyncClient, method: str, path: str, body: Any
) -> None:
    """Directus's users controller: no accountability.user → InvalidCredentialsError (401)."""
    response = await client.request(method, path, json=body)
    assert response.status_code == 401, response.text
    assert response.json() == INVALID_CREDENTIALS


async def test_me_for_a_user_who_may_not_read_users_answers_its_id(
    client: httpx.AsyncClient, services: Services
) -> None:
    """Directus's GET /users/me falls back to {"id"} when reading the record is forbidden."""
    static = "no-app-access-static-token-0123"
    user = await create_user(
        services, "kiosk@example.com", None, app_access=False, static_token=static
    )
    response = await client.get("/users/me", headers=bearer(static))
    assert response.status_code == 200, response.text
    assert response.json() == {"data": {"id": user.id}}


async def test_update_me_answers_the_updated_record(
    client: httpx.AsyncClient, alice: User, alice_token: str
) -> None:
    response = await client.patch(
        "/users/me",
        params={"fields": "id,first_name,title,appearance"},
        json={"first_name": "Alicia", "title": "Editor", "appearance": "dark"},
        headers=bearer(alice_token),
    )
    assert response.status_code == 200, response.text
    assert response.json() == {
        "data": {"id": alice.id, "first_name": "Alicia", "title": "Editor", "appearance": "dark"}
    }
    whole = await client.patch("/users/me", json={"location": "Paris"}, headers=bearer(alice_token))
    assert set(whole.json()["data"]) == SELF_FIELDS
    assert whole.json()["data"]["location"] == "Paris"
    assert whole.json()["data"]["first_name"] == "Alicia"


@pytest.mark.parametrize(
    "change", [{"role": None}, {"status": "suspended"}, {"tags": ["x"]}, {"provider": "github"}]
)
async def test_update_me_outside_the_profile_fields_is_forbidden(
    client: httpx.AsyncClient, alice_token: str, change: dict[str, Any]
) -> None:
    response = await client.patch("/users/me", json=change, headers=bearer(alice_token))
    assert response.status_code == 403
    assert response.json() == error("FORBIDDEN", write_refused("update", *change))


async def test_update_me_with_a_taken_or_bad_email(
    client: httpx.AsyncClient, alice_token: str
) -> None:
    taken = await client.patch(
        "/users/me", json={"email": ADMIN_EMAIL}, headers=bearer(alice_token)
    )
    assert taken.status_code == 400
    assert taken.json() == not_unique(ADMIN_EMAIL)
    bad = await client.patch("/users/me", json={"email": "alice"}, headers=bearer(alice_token))
    assert bad.status_code == 400
    assert bad.json() == INVALID_EMAIL


@pytest.mark.parametrize("body", [b"[]", b'"x"', b"{"])
async def test_update_me_with_a_body_that_is_not_an_object_is_invalid_payload(
    client: httpx.AsyncClient, alice_token: str, body: bytes
) -> None:
    response = await client.patch(
        "/users/me",
        content=body,
        headers={**bearer(alice_token), "Content-Type": "application/json"},
    )
    assert_error(response, 400, "INVALID_PAYLOAD")


@pytest.mark.parametrize("body", [None, b"", b"{}"], ids=["no-body", "empty", "empty-object"])
async def test_update_me_without_data_is_invalid_payload(
    client: httpx.AsyncClient, alice: User, alice_token: str, body: bytes | None
) -> None:
    """Not a silent no-op (as on GraphQL's update_users_me without data)."""
    headers = bearer(alice_token)
    if body is not None:
        headers["Content-Type"] = "application/json"
    response = await client.patch("/users/me", content=body, headers=headers)
    assert response.status_code == 400, response.text
    assert response.json() == {
        "errors": [
            {
                "message": "Invalid payload. No data was included in the body.",
                "extensions": {
                    "code": "INVALID_PAYLOAD",
                    "reason": "No data was included in the body",
                },
            }
        ]
    }


async def test_update_me_password_ends_the_other_sessions(
    client: httpx.AsyncClient, alice: User
) -> None:
    tokens = await rest_login(client, ALICE, ALICE_PASSWORD)
    response = await client.patch(
        "/users/me",
        params={"fields": "password"},
        json={"password": "alice-password-2"},
        headers=bearer(tokens["access_token"]),
    )
    assert response.json() == {"data": {"password": "**********"}}
    stale = await client.post(
        "/auth/refresh", json={"refresh_token": tokens["refresh_token"], "mode": "json"}
    )
    assert stale.status_code == 401
    assert stale.json() == INVALID_CREDENTIALS
    assert (await rest_login(client, ALICE, "alice-password-2"))["access_token"]


# Invitations --------------------------------------------------------------------------------


async def test_invite_mails_a_link_and_accept_activates_the_user(
    client: httpx.AsyncClient, services: Services, inbox: Inbox, admin: str, role: str
) -> None:
    response = await client.post(
        "/users/invite", json={"email": GUEST, "role": role}, headers=bearer(admin)
    )
    assert_no_content(response)
    assert await user_row(client, admin, GUEST) == [
        {"email": GUEST, "status": "invited", "role": role, "password": None}
    ]
    [message] = await delivered(services, inbox)
    assert message["To"] == GUEST
    assert message["Subject"] == "You've been invited"
    token = token_in(message, f"{PUBLIC_URL}/admin/accept-invite?token=")

    accepted = await client.post(
        "/users/invite/accept", json={"token": token, "password": GUEST_PASSWORD}
    )
    assert_no_content(accepted)
    assert await user_row(client, admin, GUEST) == [
        {"email": GUEST, "status": "active", "role": role, "password": "**********"}
    ]
    assert (await rest_login(client, GUEST, GUEST_PASSWORD))["access_token"]

    again = await client.post(
        "/users/invite/accept", json={"token": token, "password": "guest-password-2"}
    )
    assert again.status_code == 400
    assert again.json() == INVALID_INVITE


async def test_invite_with_an_allowed_url_links_there(
    client: httpx.AsyncClient, services: Services, inbox: Inbox, admin: str, role: str
) -> None:
    response = await client.post(
        "/users/invite",
        json={"email": GUEST, "role": role, "invite_url": ALLOWED_INVITE_URL},
        headers=bearer(admin),
    )
    assert_no_content(response)
    [message] = await delivered(services, inbox)
    assert token_in(message, f"{ALLOWED_INVITE_URL}?token=")


async def test_invite_with_a_url_off_the_allow_list_is_invalid_payload(
    client: httpx.AsyncClient, services: Services, inbox: Inbox, admin: str, role: str
) -> None:
    response = await client.post(
        "/users/invite",
        json={"email": GUEST, "role": role, "invite_url": "https://evil.example.com/join"},
        headers=bearer(admin),
    )
    assert_error(response, 400, "INVALID_PAYLOAD")
    assert await delivered(services, inbox) == []
    assert await user_row(client, admin, GUEST) == []


async def test_invite_by_an_app_user_is_forbidden(
    client: httpx.AsyncClient, services: Services, inbox: Inbox, alice_token: str, role: str
) -> None:
    response = await client.post(
        "/users/invite", json={"email": GUEST, "role": role}, headers=bearer(alice_token)
    )
    assert response.status_code == 403
    assert response.json() == FORBIDDEN
    assert await delivered(services, inbox) == []


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"email": GUEST}, 'Invalid payload. "role" is required.'),
        ({"role": "x"}, 'Invalid payload. "email" is required.'),
    ],
)
async def test_invite_without_email_or_role_is_invalid_payload(
    client: httpx.AsyncClient, admin: str, body: dict[str, Any], message: str
) -> None:
    response = await client.post("/users/invite", json=body, headers=bearer(admin))
    assert response.status_code == 400
    assert response.json() == error("INVALID_PAYLOAD", message)


async def test_an_expired_invite_is_401_token_expired(
    client: httpx.AsyncClient,
    services: Services,
    inbox: Inbox,
    clock: SettableClock,
    admin: str,
    role: str,
) -> None:
    await client.post("/users/invite", json={"email": GUEST, "role": role}, headers=bearer(admin))
    [message] = await delivered(services, inbox)
    token = token_in(message, PUBLIC_URL)
    clock.advance(timedelta(days=7, seconds=1))
    response = await client.post(
        "/users/invite/accept", json={"token": token, "password": GUEST_PASSWORD}
    )
    assert response.status_code == 401
    assert response.json() == TOKEN_EXPIRED


async def test_an_invite_token_is_neither_an_access_token_nor_a_reset_token(
    client: httpx.AsyncClient, services: Services, inbox: Inbox, admin: str, role: str
) -> None:
    await client.post("/users/invite", json={"email": GUEST, "role": role}, headers=bearer(admin))
    [message] = await delivered(services, inbox)
    token = token_in(message, PUBLIC_URL)
    as_access = await client.get("/users/me", headers=bearer(token))
    assert as_access.status_code == 403
    assert as_access.json() == INVALID_TOKEN
    as_reset = await client.post(
        "/auth/password/reset", json={"token": token, "password": GUEST_PASSWORD}
    )
    assert as_reset.status_code == 403
    assert as_reset.json() == INVALID_TOKEN


# Registration --------------------------------------------------------------------------------


async def enable_registration(
    client: httpx.AsyncClient, admin: str, role: str, *, verify_email: bool = True
) -> None:
    data = {
        "public_registration": True,
        "public_registration_role": {"id": role},
        "public_registration_verify_email": verify_email,
    }
    reply = await gql(client, UPDATE_SETTINGS, {"data": data}, token=admin)
    assert reply.body == {"data": {"update_settings": {"public_registration": True}}}


async def test_registration_is_forbidden_while_switched_off(
    client: httpx.AsyncClient, services: Services, inbox: Inbox
) -> None:
    response = await client.post(
        "/users/register", json={"email": NEWCOMER, "password": NEWCOMER_PASSWORD}
    )
    assert response.status_code == 403
    assert response.json() == FORBIDDEN
    assert await delivered(services, inbox) == []


async def test_register_then_verify_through_the_mailed_link(
    client: httpx.AsyncClient, services: Services, inbox: Inbox, admin: str, role: str
) -> None:
    await enable_registration(client, admin, role)
    response = await client.post(
        "/users/register",
        json={
            "email": NEWCOMER,
            "password": NEWCOMER_PASSWORD,
            "first_name": "New",
            "last_name": "Comer",
        },
    )
    assert_no_content(response)
    assert await user_row(client, admin, NEWCOMER) == [
        {"email": NEWCOMER, "status": "unverified", "role": role, "password": "**********"}
    ]
    [message] = await delivered(services, inbox)
    assert message["Subject"] == "Verify your email address"
    link_prefix = f"{PUBLIC_URL}/users/register/verify-email?token="
    token = token_in(message, link_prefix)
    unverified = await client.post(
        "/auth/login", json={"email": NEWCOMER, "password": NEWCOMER_PASSWORD}
    )
    assert unverified.status_code == 401

    # The mailed link is a GET on this server.
    verified = await client.get("/users/register/verify-email", params={"token": token})
    assert_no_content(verified)
    assert (await user_row(client, admin, NEWCOMER))[0]["status"] == "active"
    assert (await rest_login(client, NEWCOMER, NEWCOMER_PASSWORD))["access_token"]

    again = await client.get("/users/register/verify-email", params={"token": token})
    assert_error(again, 400, "INVALID_PAYLOAD")


async def test_register_with_a_custom_url_then_verify_by_post(
    client: httpx.AsyncClient, services: Services, inbox: Inbox, admin: str, role: str
) -> None:
    await enable_registration(client, admin, role)
    response = await client.post(
        "/users/register",
        json={
            "email": NEWCOMER,
            "password": NEWCOMER_PASSWORD,
            "verification_url": ALLOWED_VERIFY_URL,
        },
    )
    assert_no_content(response)
    [message] = await delivered(services, inbox)
    token = token_in(message, f"{ALLOWED_VERIFY_URL}?token=")
    verified = await client.post("/users/register/verify", json={"token": token})
    assert_no_content(verified)
    assert (await user_row(client, admin, NEWCOMER))[0]["status"] == "active"
    again = await client.post("/users/register/verify", json={"token": token})
    assert_error(again, 400, "INVALID_PAYLOAD")


async def test_register_without_verification_activates_at_once(
    client: httpx.AsyncClient, services: Services, inbox: Inbox, admin: str, role: str
) -> None:
    await enable_registration(client, admin, role, verify_email=False)
    response = await client.post(
        "/users/register", json={"email": NEWCOMER, "password": NEWCOMER_PASSWORD}
    )
    assert_no_content(response)
    assert await delivered(services, inbox) == []
    assert (await rest_login(client, NEWCOMER, NEWCOMER_PASSWORD))["access_token"]


async def test_register_an_existing_email_is_silent(
    client: httpx.AsyncClient, services: Services, inbox: Inbox, admin: str, role: str, alice: User
) -> None:
    await enable_registration(client, admin, role)
    response = await client.post(
        "/users/register", json={"email": ALICE, "password": NEWCOMER_PASSWORD}
    )
    assert_no_content(response)
    assert await delivered(services, inbox) == []
    assert (await rest_login(client, ALICE, ALICE_PASSWORD))["access_token"]


async def test_register_with_a_bad_email_or_url(
    client: httpx.AsyncClient, admin: str, role: str
) -> None:
    await enable_registration(client, admin, role)
    bad_email = await client.post(
        "/users/register", json={"email": "newcomer", "password": NEWCOMER_PASSWORD}
    )
    assert bad_email.status_code == 400
    assert bad_email.json() == INVALID_EMAIL
    bad_url = await client.post(
        "/users/register",
        json={
            "email": NEWCOMER,
            "password": NEWCOMER_PASSWORD,
            "verification_url": "https://evil.example.com/verify",
        },
    )
    assert_error(bad_url, 400, "INVALID_PAYLOAD")


async def test_verify_with_a_forged_or_missing_token(client: httpx.AsyncClient) -> None:
    forged = await client.post("/users/register/verify", json={"token": "not.a.token"})
    assert forged.status_code == 403
    assert forged.json() == INVALID_TOKEN
    missing = await client.post("/users/register/verify", json={})
    assert missing.status_code == 400
    assert missing.json() == error("INVALID_PAYLOAD", 'Invalid payload. "token" is required.')


# Two-factor ---------------------------------------------------------------------------------


def code(secret: str, clock: SettableClock) -> str:
    value: str = pyotp.TOTP(secret).at(clock.now())
    return value


async def generate(client: httpx.AsyncClient, token: str) -> dict[str, Any]:
    response = await client.post(
        "/users/me/tfa/generate", json={"password": ALICE_PASSWORD}, headers=bearer(token)
    )
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    assert list(body) == ["data"]
    data: dict[str, Any] = body["data"]
    return data


async def test_tfa_generate_enable_login_and_disable(
    client: httpx.AsyncClient, clock: SettableClock, alice_token: str
) -> None:
    data = await generate(client, alice_token)
    # recovery_codes: an addition to Directus's answer (tests/rest/test_rest_recovery_codes.py).
    assert set(data) == {"secret", "otpauth_url", "recovery_codes"}
    secret = data["secret"]
    url = urlsplit(data["otpauth_url"])
    assert (url.scheme, url.netloc) == ("otpauth", "totp")
    assert url.path == f"/Directus:{quote(ALICE, safe='')}"
    assert parse_qs(url.query) == {"secret": [secret], "issuer": ["Directus"]}

    enabled = await client.post(
        "/users/me/tfa/enable",
        json={"otp": code(secret, clock), "secret": secret},
        headers=bearer(alice_token),
    )
    assert_no_content(enabled)
    tfa = await client.get(
        "/users/me", params={"fields": "tfa_secret"}, headers=bearer(alice_token)
    )
    assert tfa.json() == {"data": {"tfa_secret": "**********"}}

    clock.advance(WINDOW)
    no_otp = await client.post("/auth/login", json={"email": ALICE, "password": ALICE_PASSWORD})
    assert no_otp.status_code == 401
    assert no_otp.json() == INVALID_OTP
    with_otp = await rest_login(client, ALICE, ALICE_PASSWORD, otp=code(secret, clock))
    assert with_otp["access_token"]

    again = await client.post(
        "/users/me/tfa/generate", json={"password": ALICE_PASSWORD}, headers=bearer(alice_token)
    )
    assert_error(again, 400, "INVALID_PAYLOAD")

    clock.advance(WINDOW)
    disabled = await client.post(
        "/users/me/tfa/disable", json={"otp": code(secret, clock)}, headers=bearer(alice_token)
    )
    assert_no_content(disabled)
    assert (await rest_login(client, ALICE, ALICE_PASSWORD))["access_token"]


async def test_tfa_generate_with_a_wrong_password_is_401(
    client: httpx.AsyncClient, alice_token: str
) -> None:
    response = await client.post(
        "/users/me/tfa/generate", json={"password": "wrong-password"}, headers=bearer(alice_token)
    )
    assert response.status_code == 401
    assert response.json() == INVALID_CREDENTIALS


async def test_tfa_enable_with_a_wrong_otp_is_invalid_payload(
    client: httpx.AsyncClient, clock: SettableClock, alice_token: str
) -> None:
    secret = (await generate(client, alice_token))["secret"]
    wrong = f"{(int(code(secret, clock)) + 1) % 1_000_000:06d}"
    response = await client.post(
        "/users/me/tfa/enable", json={"otp": wrong, "secret": secret}, headers=bearer(alice_token)
    )
    assert response.status_code == 400
    assert response.json() == error("INVALID_PAYLOAD", 'Invalid payload. "otp" is invalid.')


async def test_tfa_enable_without_secret_or_otp_is_invalid_payload(
    client: httpx.AsyncClient, alice_token: str
) -> None:
    for body in ({"otp": "123456"}, {"secret": "JBSWY3DPEHPK3PXP"}):
        response = await client.post("/users/me/tfa/enable", json=body, headers=bearer(alice_token))
        assert_error(response, 400, "INVALID_PAYLOAD")


async def test_tfa_disable_with_a_wrong_otp_keeps_tfa(
    client: httpx.AsyncClient, clock: SettableClock, alice_token: str
) -> None:
    secret = (await generate(client, alice_token))["secret"]
    enabled = await client.post(
        "/users/me/tfa/enable",
        json={"otp": code(secret, clock), "secret": secret},
        headers=bearer(alice_token),
    )
    assert_no_content(enabled)
    clock.advance(WINDOW)
    wrong = f"{(int(code(secret, clock)) + 1) % 1_000_000:06d}"
    response = await client.post(
        "/users/me/tfa/disable", json={"otp": wrong}, headers=bearer(alice_token)
    )
    # As Directus (and users_me_tfa_disable over GraphQL).
    assert response.status_code == 400
    assert response.json() == error("INVALID_PAYLOAD", 'Invalid payload. "otp" is invalid.')
    tfa = await client.get(
        "/users/me", params={"fields": "tfa_secret"}, headers=bearer(alice_token)
    )
    assert tfa.json() == {"data": {"tfa_secret": "**********"}}
