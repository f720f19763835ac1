"""The account page's passkeys: the list, adding one (options from the API with the page's
session cookie, as passkeys.js fetches them, the browser's answer posted in the page's form),
renaming and deleting (the password asked for when the login is not fresh), through
PasskeysService as users_me_passkey_* call it. The browser's part is a software authenticator."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import httpx
import pytest

from app.clock import SettableClock
from app.db.models import Role, User
from app.repositories import policies as policies_repo
from app.services.container import Services
from tests.conftest import app_client, create_user, gql
from tests.pages.account_helpers import ACCOUNT, next_page, sign_in, submit
from tests.pages.page_forms import inputs, script_sources
from tests.passkey_authenticator import SoftAuthenticator

PASSWORD = "user-password-1"
ORIGIN = "http://testserver"
ADD = ACCOUNT + "/passkeys/add"
RENAME = ACCOUNT + "/passkeys/rename"
DELETE = ACCOUNT + "/passkeys/delete"


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    return {"webauthn_rp_id": "testserver", "webauthn_origins": [ORIGIN]}


def _device() -> SoftAuthenticator:
    return SoftAuthenticator(origin=ORIGIN, rp_id="testserver")


async def _creation_options(client: httpx.AsyncClient) -> dict[str, Any]:
    """What passkeys.js fetches: the API's options, authenticated by the session cookie."""
    answer = await client.post("/users/me/passkeys/options", json={}, headers={"origin": ORIGIN})
    assert answer.status_code == 200, answer.text
    options: dict[str, Any] = answer.json()["data"]
    return options


async def _add(
    client: httpx.AsyncClient, name: str, device: SoftAuthenticator | None = None
) -> httpx.Response:
    device = device or _device()
    credential = device.create(await _creation_options(client))
    return await submit(client, ADD, {"credential": json.dumps(credential), "name": name})


def _passkey_ids(html: str) -> list[str]:
    """The passkeys' ids in the order listed (each row's rename and delete forms carry it)."""
    ids = [
        field.get("value") or ""
        for field in inputs(html)
        if field.get("type") == "hidden" and field.get("name") == "passkey"
    ]
    return list(dict.fromkeys(ids))


def _names(html: str) -> list[str]:
    return [
        field.get("value") or ""
        for field in inputs(html)
        if field.get("name") == "name" and (field.get("id") or "").startswith("passkey-name-")
    ]


async def _api_names(client: httpx.AsyncClient) -> list[str]:
    reply = await gql(client, "{ users_me_passkeys { name } }")
    return [row["name"] for row in reply.data["users_me_passkeys"]]


async def test_the_section_offers_adding_a_passkey_with_the_script(
    client: httpx.AsyncClient, services: Services
) -> None:
    await create_user(services, "none@example.com", PASSWORD)
    await sign_in(client, "none@example.com", PASSWORD)
    page = await client.get(ACCOUNT)
    assert page.status_code == 200
    assert 'id="passkeys-none">You have no passkeys yet.' in page.text
    # The add form is hidden until passkeys.js finds WebAuthn; it knows where to fetch options.
    assert (
        '<form method="post" action="/admin/account/passkeys/add" class="stack" '
        'data-passkey="register"\n      data-options-url="/users/me/passkeys/options" hidden>'
    ) in page.text
    assert script_sources(page.text) == ["/admin/assets/passkeys.js"]
    script = await client.get("/admin/assets/passkeys.js")
    assert script.status_code == 200
    assert "javascript" in script.headers["content-type"]
    assert "parseCreationOptionsFromJSON" in script.text


async def test_add_two_list_and_rename(
    client: httpx.AsyncClient, services: Services, clock: SettableClock
) -> None:
    await create_user(services, "keys@example.com", PASSWORD)
    await sign_in(client, "keys@example.com", PASSWORD)
    answer = await _add(client, "Laptop")
    assert next_page(answer) == ACCOUNT + "?done=passkey-added"
    clock.advance(timedelta(seconds=1))
    assert next_page(await _add(client, "  Phone  ")) == ACCOUNT + "?done=passkey-added"
    page = await client.get(answer.headers["location"])
    assert "Your passkey was added. You can sign in with it now." in page.text
    assert _names(page.text) == ["Laptop", "Phone"]
    assert await _api_names(client) == ["Laptop", "Phone"]
    assert page.text.count("<td>—</td>") == 2  # never used yet
    laptop = _passkey_ids(page.text)[0]

    renamed = await submit(client, RENAME, {"passkey": laptop, "name": "Work laptop"})
    assert next_page(renamed) == ACCOUNT + "?done=passkey-renamed"
    assert await _api_names(client) == ["Work laptop", "Phone"]
    empty = await submit(client, RENAME, {"passkey": laptop, "name": "   "})
    assert empty.status_code == 400
    assert 'id="passkeys-error">Invalid payload. &#34;name&#34; is required.</p>' in empty.text
    assert await _api_names(client) == ["Work laptop", "Phone"]


async def test_adding_after_an_old_login_needs_the_password(
    client: httpx.AsyncClient, services: Services, clock: SettableClock
) -> None:
    await create_user(services, "old@example.com", PASSWORD)
    await sign_in(client, "old@example.com", PASSWORD)
    page = await client.get(ACCOUNT)
    # The password box passkeys.js shows when asked: it has no name, so the page's own post
    # never carries the password (only the options request does).
    box = page.text.split("data-passkey-password hidden>")[1].split("</div>")[0]
    assert 'id="passkey-add-password"' in box
    assert "name=" not in box
    clock.advance(timedelta(milliseconds=services.settings.auth_fresh_login_window + 1000))

    refused = await client.post("/users/me/passkeys/options", json={})
    assert refused.status_code == 400
    [error] = refused.json()["errors"]
    assert error["extensions"]["code"] == "INVALID_PAYLOAD"
    assert 'needs your current password in "password"' in error["message"]
    wrong = await client.post("/users/me/passkeys/options", json={"password": "wrong-one-1"})
    assert wrong.status_code == 401
    answer = await client.post("/users/me/passkeys/options", json={"password": PASSWORD})
    assert answer.status_code == 200, answer.text
    credential = _device().create(answer.json()["data"])
    added = await submit(client, ADD, {"credential": json.dumps(credential), "name": "Late"})
    assert next_page(added) == ACCOUNT + "?done=passkey-added"
    assert await _api_names(client) == ["Late"]


async def test_a_credential_that_does_not_verify_is_refused_on_the_page(
    client: httpx.AsyncClient, services: Services
) -> None:
    await create_user(services, "bad@example.com", PASSWORD)
    await sign_in(client, "bad@example.com", PASSWORD)
    options = await _creation_options(client)
    wrong_origin = _device().create(options, origin="https://evil.example")
    refused = await submit(client, ADD, {"credential": json.dumps(wrong_origin), "name": "Evil"})
    assert refused.status_code == 400
    assert 'id="passkeys-error">' in refused.text
    # The challenge was used up by the refusal: the same options cannot be answered again.
    again = await submit(client, ADD, {"credential": json.dumps(_device().create(options))})
    assert again.status_code == 400
    garbage = await submit(client, ADD, {"credential": "not json", "name": "x"})
    assert garbage.status_code == 400
    assert await _api_names(client) == []


async def test_another_users_passkey_cannot_be_renamed_or_deleted(
    app: Any, services: Services
) -> None:
    await create_user(services, "owner@example.com", PASSWORD)
    await create_user(services, "other@example.com", PASSWORD)
    async with app_client(app) as owner, app_client(app) as other:
        await sign_in(owner, "owner@example.com", PASSWORD)
        await sign_in(other, "other@example.com", PASSWORD)
        await _add(owner, "Mine")
        [mine] = _passkey_ids((await owner.get(ACCOUNT)).text)
        renamed = await submit(other, RENAME, {"passkey": mine, "name": "Stolen"})
        assert renamed.status_code == 403
        deleted = await submit(other, DELETE, {"passkey": mine, "password": PASSWORD})
        assert deleted.status_code == 403
        assert await _api_names(owner) == ["Mine"]


async def test_delete_after_a_fresh_login_needs_no_password(
    client: httpx.AsyncClient, services: Services
) -> None:
    await create_user(services, "fresh@example.com", PASSWORD)
    await sign_in(client, "fresh@example.com", PASSWORD)
    await _add(client, "Laptop")
    [passkey] = _passkey_ids((await client.get(ACCOUNT)).text)
    answer = await submit(client, DELETE, {"passkey": passkey})
    assert next_page(answer) == ACCOUNT + "?done=passkey-deleted"
    page = await client.get(answer.headers["location"])
    assert "That passkey was deleted: it no longer signs you in." in page.text
    assert _passkey_ids(page.text) == []


async def test_delete_after_an_old_login_asks_for_the_password(
    client: httpx.AsyncClient, services: Services, clock: SettableClock
) -> None:
    await create_user(services, "stale@example.com", PASSWORD)
    await sign_in(client, "stale@example.com", PASSWORD)
    await _add(client, "Laptop")
    clock.advance(timedelta(seconds=1))
    await _add(client, "Phone")
    laptop, phone = _passkey_ids((await client.get(ACCOUNT)).text)
    clock.advance(timedelta(milliseconds=services.settings.auth_fresh_login_window + 1000))

    asked = await submit(client, DELETE, {"passkey": phone})
    assert asked.status_code == 400
    assert "needs your current password" in asked.text
    # A password field on that passkey's row only, focused and described by the message.
    fields = [field for field in inputs(asked.text) if field.get("name") == "password"]
    passkey_fields = [f for f in fields if (f.get("id") or "").startswith("passkey-password-")]
    assert [f.get("id") for f in passkey_fields] == ["passkey-password-2"]
    assert "autofocus" in passkey_fields[0]
    label = "Your password, to delete passkey Phone"
    assert f'<label for="passkey-password-2" class="visually-hidden">{label}</label>' in asked.text

    wrong = await submit(client, DELETE, {"passkey": phone, "password": "wrong-password"})
    assert wrong.status_code == 401
    assert await _api_names(client) == ["Laptop", "Phone"]
    right = await submit(client, DELETE, {"passkey": phone, "password": PASSWORD})
    assert next_page(right) == ACCOUNT + "?done=passkey-deleted"
    assert await _api_names(client) == ["Laptop"]
    assert _passkey_ids((await client.get(ACCOUNT)).text) == [laptop]


async def test_the_forms_need_a_signed_in_browser_and_the_form_token(
    client: httpx.AsyncClient, services: Services
) -> None:
    for path in (ADD, RENAME, DELETE):
        answer = await submit(client, path, {"passkey": "x", "name": "y"}, page="/admin/login")
        assert next_page(answer) == "/admin/login?redirect=/admin/account"
    await create_user(services, "csrf@example.com", PASSWORD)
    await sign_in(client, "csrf@example.com", PASSWORD)
    await _add(client, "Laptop")
    [passkey] = _passkey_ids((await client.get(ACCOUNT)).text)
    forged = await client.post(
        DELETE,
        data={"passkey": passkey},
        headers={"content-type": "application/x-www-form-urlencoded"},
    )
    assert forged.status_code == 403
    assert await _api_names(client) == ["Laptop"]


async def test_a_passkey_satisfies_a_role_that_enforces_tfa_on_the_account_page(
    client: httpx.AsyncClient, services: Services
) -> None:
    user = await create_user(services, "enforced@example.com", PASSWORD)
    async with services.db.write() as session:
        role = await policies_repo.add_role(
            session, Role(name="Enforcing"), {"app_access": True, "enforce_tfa": True}
        )
        stored = await session.get(User, user.id)
        assert stored is not None
        stored.role = role.id
    await sign_in(client, "enforced@example.com", PASSWORD)
    setup = await client.get("/admin/tfa-setup")
    assert '<a href="/admin/account#passkeys">your account page</a>' in setup.text
    before = await client.get(ACCOUNT)
    assert 'or <a href="#passkeys">add a passkey</a>.</p>' in before.text
    assert next_page(await _add(client, "Laptop")) == ACCOUNT + "?done=passkey-added"
    after = await client.get(ACCOUNT)
    assert "Your role requires two-factor authentication" not in after.text
