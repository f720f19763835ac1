"""/admin/login with a passkey: options from the API (no email, or the OTP step's email), the
browser's answer posted to /admin/login/passkey, a session-mode login through PasskeyLogin
that lands where a password login lands. The browser's part is a software authenticator."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pyotp
import pytest

from app.accountability import Accountability, ClientInfo
from app.db.models import Role, User
from app.repositories import policies as policies_repo
from app.services.container import Services
from tests.conftest import create_user, gql
from tests.pages.account_helpers import ACCOUNT, next_page
from tests.pages.page_forms import csrf_token, hidden, inputs, post_form
from tests.passkey_authenticator import SoftAuthenticator

LOGIN = "/admin/login"
PASSKEY = "/admin/login/passkey"
ORIGIN = "http://testserver"
PASSWORD = "user-password-1"
SESSION = "directus_session_token"


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    return {"webauthn_rp_id": "testserver", "webauthn_origins": [ORIGIN]}


async def _with_passkey(services: Services, user: User) -> SoftAuthenticator:
    """A passkey registered for `user` through the service (the account page's own path is
    tested in test_account_passkeys)."""
    device = SoftAuthenticator(origin=ORIGIN, rp_id="testserver")
    options = await services.passkeys.register_options(Accountability(user=user.id), PASSWORD)
    await services.passkeys.register(user.id, device.create(options), "Laptop", ClientInfo())
    return device


async def _request_options(client: httpx.AsyncClient, email: str | None = None) -> dict[str, Any]:
    """What passkeys.js fetches before navigator.credentials.get."""
    body = {} if email is None else {"email": email}
    answer = await client.post("/auth/passkey/options", json=body)
    assert answer.status_code == 200, answer.text
    options: dict[str, Any] = answer.json()["data"]
    return options


async def _post_assertion(
    client: httpx.AsyncClient, credential: dict[str, Any], **fields: str
) -> httpx.Response:
    token = await csrf_token(client, LOGIN)
    body = {"csrf_token": token, "credential": json.dumps(credential), **fields}
    return await post_form(client, PASSKEY, body)


async def test_the_page_offers_a_passkey_sign_in_without_an_email(
    client: httpx.AsyncClient,
) -> None:
    page = await client.get(LOGIN + "?redirect=/users/me")
    assert (
        '<form method="post" action="/admin/login/passkey" class="stack passkey" '
        'data-passkey="login"\n      data-options-url="/auth/passkey/options" hidden>'
    ) in page.text
    passkey_form = page.text.split('action="/admin/login/passkey"')[1].split("</form>")[0]
    names = {field.get("name") for field in inputs(passkey_form)}
    assert names == {"csrf_token", "redirect", "credential"}
    assert hidden(passkey_form, "redirect") == "/users/me"
    assert ">Sign in with a passkey</button>" in passkey_form


async def test_a_passkey_signs_in_with_no_email_and_lands_on_the_redirect(
    client: httpx.AsyncClient, services: Services
) -> None:
    user = await create_user(services, "keyed@example.com", PASSWORD)
    device = await _with_passkey(services, user)
    credential = device.get(await _request_options(client))
    answer = await _post_assertion(client, credential, redirect="/users/me?fields=email")
    assert next_page(answer) == "/users/me?fields=email"
    assert client.cookies.get(SESSION)
    me = await client.get("/users/me?fields=email")
    assert me.json() == {"data": {"email": "keyed@example.com"}}
    page = await client.get(ACCOUNT)
    assert '<dd id="account-email">keyed@example.com</dd>' in page.text
    passkeys = page.text.split('id="passkeys"')[1].split("</section>")[0]
    assert passkeys.count(" UTC</td>") == 2  # the passkey's "added" and "last used"
    # The same answer again is a replay: its challenge is gone.
    client.cookies.delete(SESSION)
    again = await _post_assertion(client, credential)
    assert again.status_code == 401
    assert SESSION not in again.headers.get("set-cookie", "")


async def test_a_tfa_user_uses_a_passkey_instead_of_the_code(
    client: httpx.AsyncClient, services: Services
) -> None:
    secret = pyotp.random_base32()
    user = await create_user(services, "tfa-key@example.com", PASSWORD, tfa_secret=secret)
    device = await _with_passkey(services, user)
    token = await csrf_token(client, LOGIN)
    step = await post_form(
        client, LOGIN, {"csrf_token": token, "email": user.email, "password": PASSWORD}
    )
    assert step.status_code == 200
    assert '<label for="otp">' in step.text
    passkey_form = step.text.split('action="/admin/login/passkey"')[1].split("</form>")[0]
    assert hidden(passkey_form, "email") == "tfa-key@example.com"
    assert ">Use a passkey instead</button>" in passkey_form
    assert "password" not in {field.get("name") for field in inputs(passkey_form)}

    credential = device.get(await _request_options(client, hidden(passkey_form, "email")))
    fields = {"email": hidden(passkey_form, "email"), "redirect": hidden(passkey_form, "redirect")}
    answer = await _post_assertion(client, credential, **fields)
    assert next_page(answer) == ACCOUNT
    assert client.cookies.get(SESSION)
    me = await gql(client, "{ users_me { email } }")
    assert me.data == {"users_me": {"email": "tfa-key@example.com"}}


async def test_a_passkey_satisfies_a_role_that_enforces_tfa(
    client: httpx.AsyncClient, services: Services
) -> None:
    user = await create_user(services, "enforced-key@example.com", PASSWORD)
    async with services.db.write() as session:
        role = await policies_repo.add_role(
            session, Role(name="Enforcing"), {"app_access": True, "enforce_tfa": True}
        )
        stored = await session.get(User, user.id)
        assert stored is not None
        stored.role = role.id
    device = await _with_passkey(services, user)
    answer = await _post_assertion(client, device.get(await _request_options(client)))
    # Not sent to /admin/tfa-setup: the passkey is the second factor.
    assert next_page(answer) == ACCOUNT


async def test_a_credential_of_another_account_is_refused_on_the_otp_step(
    client: httpx.AsyncClient, services: Services
) -> None:
    await create_user(services, "a@example.com", PASSWORD, tfa_secret=pyotp.random_base32())
    other = await create_user(services, "b@example.com", PASSWORD)
    device = await _with_passkey(services, other)
    credential = device.get(await _request_options(client, "a@example.com"))
    answer = await _post_assertion(client, credential, email="a@example.com")
    assert answer.status_code == 401
    assert '<p class="error" role="alert" id="form-error">Invalid user credentials.</p>' in (
        answer.text
    )
    # The login form again, the email kept; no session.
    assert 'value="a@example.com"' in answer.text
    assert SESSION not in answer.headers.get("set-cookie", "")
    assert not client.cookies.get(SESSION)


async def test_an_unknown_or_broken_credential_is_refused_on_the_page(
    client: httpx.AsyncClient,
) -> None:
    stranger = SoftAuthenticator(origin=ORIGIN, rp_id="testserver")
    unknown = await _post_assertion(client, stranger.get(await _request_options(client)))
    assert unknown.status_code == 401
    assert "Invalid user credentials." in unknown.text
    token = await csrf_token(client, LOGIN)
    broken = await post_form(client, PASSKEY, {"csrf_token": token, "credential": "{"})
    assert broken.status_code == 400
    assert 'id="form-error"' in broken.text
    assert not client.cookies.get(SESSION)


async def test_a_passkey_post_needs_the_form_token(
    client: httpx.AsyncClient, services: Services
) -> None:
    user = await create_user(services, "csrf-key@example.com", PASSWORD)
    device = await _with_passkey(services, user)
    credential = device.get(await _request_options(client))
    forged = await post_form(client, PASSKEY, {"credential": json.dumps(credential)})
    assert forged.status_code == 403
    assert not client.cookies.get(SESSION)
