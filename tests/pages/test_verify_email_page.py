"""GET /users/register/verify-email?token= (the registration mail's link): a browser is
verified and redirected where Directus redirects it (/admin/users/<id>), and that page says
so; a link that does not work gets a page; API clients keep the API's answers (204, coded
JSON errors). With the pages off, the redirect stays Directus's and failures stay JSON."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx
import pytest

from app.clock import SettableClock
from app.db.models import new_id
from app.security.tokens import password_fingerprint
from app.services.account_flows import REGISTRATION_SCOPE
from app.services.container import Services
from tests.conftest import create_role, create_user, gql, login
from tests.mail_server import Inbox
from tests.pages.mailed_links import BROWSER, last_link, page_settings

VERIFY = "/users/register/verify-email"
NEWCOMER = "newcomer@example.com"
PASSWORD = "newcomer-password-1"
SETTINGS = (
    "mutation S($data: update_directus_settings_input!) "
    "{ update_settings(data: $data) { public_registration } }"
)
REGISTER = (
    "mutation R($email: String!, $password: String!) "
    "{ users_register(email: $email, password: $password) }"
)
USER = "query U($email: String!) { users(filter: {email: {_eq: $email}}) { id status } }"


@pytest.fixture
def settings_overrides(smtp: tuple[int, Inbox]) -> dict[str, Any]:
    return page_settings(smtp[0])


@pytest.fixture
async def mailed(
    client: httpx.AsyncClient, services: Services, inbox: Inbox, admin_token: str
) -> str:
    """The path of the verification link mailed to NEWCOMER."""
    role = new_id()
    await create_role(services, role, "Members")
    data = {"public_registration": True, "public_registration_role": {"id": role}}
    assert "errors" not in (await gql(client, SETTINGS, {"data": data}, token=admin_token)).body
    registered = await gql(client, REGISTER, {"email": NEWCOMER, "password": PASSWORD})
    assert registered.body == {"data": {"users_register": True}}, registered.body
    return await last_link(services, inbox)


async def _user(client: httpx.AsyncClient) -> dict[str, Any]:
    token = (await login(client))["access_token"]
    reply = await gql(client, USER, {"email": NEWCOMER}, token=token)
    row: dict[str, Any] = reply.data["users"][0]
    return row


async def test_a_browser_is_verified_redirected_and_told(
    client: httpx.AsyncClient, mailed: str
) -> None:
    assert mailed.startswith(VERIFY + "?token=")
    user = await _user(client)
    assert user["status"] == "unverified"
    answer = await client.get(mailed, headers=BROWSER)
    assert answer.status_code == 302
    assert answer.headers["location"] == f"/admin/users/{user['id']}"
    assert (await _user(client))["status"] == "active"

    landed = await client.get(answer.headers["location"], headers=BROWSER)
    assert landed.status_code == 200
    assert "Email address verified" in landed.text
    assert 'href="/admin/login"' in landed.text
    assert (await login(client, NEWCOMER, PASSWORD))["access_token"]
    # The note is shown once; after it, Directus's user page sends the browser to sign in.
    later = await client.get(answer.headers["location"], headers=BROWSER)
    assert later.status_code == 303
    assert later.headers["location"] == "/admin/login"


async def test_the_user_page_without_the_verification_says_nothing(
    client: httpx.AsyncClient,
) -> None:
    answer = await client.get(f"/admin/users/{new_id()}", headers=BROWSER)
    assert answer.status_code == 303
    assert answer.headers["location"] == "/admin/login"


async def test_a_used_link_gets_a_page_in_a_browser(client: httpx.AsyncClient, mailed: str) -> None:
    assert (await client.get(mailed, headers=BROWSER)).status_code == 302
    again = await client.get(mailed, headers=BROWSER)
    assert again.status_code == 400
    assert again.headers["content-type"].startswith("text/html")
    assert "verified already" in again.text
    assert 'href="/admin/login"' in again.text


async def test_an_expired_link_gets_a_page(
    client: httpx.AsyncClient, mailed: str, clock: SettableClock
) -> None:
    clock.advance(timedelta(days=7, seconds=1))
    answer = await client.get(mailed, headers=BROWSER)
    assert answer.status_code == 401
    assert "expired" in answer.text
    assert (await _user(client))["status"] == "unverified"


async def test_a_broken_link_gets_a_page_and_no_token_goes_to_the_login(
    client: httpx.AsyncClient,
) -> None:
    broken = await client.get(VERIFY, params={"token": "not.a.token"}, headers=BROWSER)
    assert broken.status_code == 403
    assert "not valid" in broken.text
    assert "<script" not in broken.text
    missing = await client.get(VERIFY, headers=BROWSER)
    assert missing.status_code == 302
    assert missing.headers["location"] == "/admin/login"


@pytest.mark.parametrize("accept", ["application/json", "*/*", None])
async def test_api_clients_keep_the_api_answers(
    client: httpx.AsyncClient, mailed: str, accept: str | None
) -> None:
    headers = {} if accept is None else {"accept": accept}
    if accept is None:
        client.headers.pop("accept", None)
    first = await client.get(mailed, headers=headers)
    assert first.status_code == 204
    assert (await _user(client))["status"] == "active"
    again = await client.get(mailed, headers=headers)
    assert again.status_code == 400
    assert again.json()["errors"][0]["extensions"]["code"] == "INVALID_PAYLOAD"
    broken = await client.get(VERIFY, params={"token": "not.a.token"}, headers=headers)
    assert broken.json()["errors"][0]["extensions"]["code"] == "INVALID_TOKEN"


@pytest.mark.parametrize(
    "settings_overrides", [{"account_pages_enabled": False}], ids=["pages-off"]
)
async def test_with_the_pages_off_the_redirect_stays_directus_and_failures_stay_json(
    client: httpx.AsyncClient, services: Services, admin_token: str
) -> None:
    role = new_id()
    await create_role(services, role, "Members")
    data = {
        "public_registration": True,
        "public_registration_role": {"id": role},
        "public_registration_verify_email": False,
    }
    assert "errors" not in (await gql(client, SETTINGS, {"data": data}, token=admin_token)).body
    broken = await client.get(VERIFY, params={"token": "not.a.token"}, headers=BROWSER)
    assert broken.status_code == 403
    assert broken.json()["errors"][0]["extensions"]["code"] == "INVALID_TOKEN"
    missing = await client.get(VERIFY, headers=BROWSER)
    assert missing.status_code == 302
    assert missing.headers["location"] == "/admin/login"
    page = await client.get(f"/admin/users/{new_id()}", headers=BROWSER)
    assert page.status_code == 404
    assert page.json()["errors"][0]["extensions"]["code"] == "ROUTE_NOT_FOUND"

    # A genuine link (as the registration mail carries it) still verifies and redirects.
    user = await create_user(services, NEWCOMER, PASSWORD, status="unverified")
    token = services.tokens.sign_scoped(
        REGISTRATION_SCOPE,
        {"email": NEWCOMER, "hash": password_fingerprint(user.password)},
        60_000,
    )
    verified = await client.get(VERIFY, params={"token": token}, headers=BROWSER)
    assert verified.status_code == 302
    assert verified.headers["location"] == f"/admin/users/{user.id}"
    assert "dauth_verified" not in verified.headers.get("set-cookie", "")
    assert (await _user(client))["status"] == "active"
