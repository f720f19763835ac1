"""OpenID Connect logins against a real provider (oidc-provider on loopback, tests/e2e/oidc):
the whole browser flow, played by an HTTP client that follows redirects and submits the
provider's login and consent forms.

Most tests drive the ASGI app (on SQLite and PostgreSQL); the provider is real all the same:
the app discovers it, exchanges the code with the PKCE verifier and checks the ID token against
its JWKS over HTTP. The last tests run real uvicorn processes.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit, urlunsplit

import httpx
import pytest
from sqlmodel import col, select

from app.clock import SystemClock
from app.db.models import Activity, User
from app.security.tokens import TokenService
from app.services.container import Services
from app.services.sso import STATE_SCOPE
from tests.conftest import TEST_SECRET, create_role, create_user
from tests.e2e.oidc_provider import (
    OidcAccount,
    OidcClient,
    RunningOidcProvider,
    StartOidcProvider,
    complete_oidc_login,
    start_oidc_provider,
)
from tests.e2e.server_process import free_port, running_server

pytestmark = pytest.mark.e2e

__all__ = ["start_oidc_provider"]  # the fixture, used by name below

APP = "http://testserver"  # the ASGI app's PUBLIC_URL (httpx's ASGI base URL)
OPEN, CLOSED = "idp", "closed"  # two providers on one issuer: registration on and off
PLAIN = "plain"  # the same provider through the oauth2 driver (configured endpoints, profile URL)
DONE = "https://app.example.com/sso/done"
ROLE_ID = "5e0c1d2a-0000-4000-8000-0000000001dc"


def two_free_ports() -> tuple[int, int]:
    first = free_port()
    second = free_port()
    while second == first:
        second = free_port()
    return first, second


# Known before the provider starts: its client registers the callback on this PUBLIC_URL.
UVICORN_PORTS = two_free_ports()
UVICORN_URL = f"http://127.0.0.1:{UVICORN_PORTS[0]}"  # both instances' PUBLIC_URL


def callback_of(base: str, provider: str) -> str:
    return f"{base}/auth/login/{provider}/callback"


CLIENT = OidcClient(
    "dauth",
    "dauth-client-secret-1",
    tuple(callback_of(base, name) for base in (APP, UVICORN_URL) for name in (OPEN, CLOSED, PLAIN)),
)
ADA = OidcAccount(
    sub="ada-0001",
    email="ada@example.com",
    password="correct horse 1",
    given_name="Ada",
    family_name="Lovelace",
)
GRACE = OidcAccount(sub="grace-0002", email=None, password="no email 2", given_name="Grace")
ALAN = OidcAccount(sub="alan-0003", email="alan@example.com", password="enigma 3")


@pytest.fixture(scope="module")
def provider(start_oidc_provider: StartOidcProvider) -> RunningOidcProvider:
    return start_oidc_provider([CLIENT], [ADA, GRACE, ALAN])


def provider_variables(provider: RunningOidcProvider, name: str, *, open_: bool) -> dict[str, str]:
    prefix = f"AUTH_{name.upper()}_"
    values = {
        "DRIVER": "openid",
        "CLIENT_ID": CLIENT.client_id,
        "CLIENT_SECRET": CLIENT.client_secret,
        "ISSUER_URL": provider.issuer,
        "ALLOW_PUBLIC_REGISTRATION": "true" if open_ else "false",
        "DEFAULT_ROLE_ID": ROLE_ID,
        "REDIRECT_ALLOW_LIST": DONE,
        "ICON": "key",
        "LABEL": "Loopback IdP",
    }
    return {prefix + key: value for key, value in values.items()}


def oauth2_variables(provider: RunningOidcProvider) -> dict[str, str]:
    metadata = httpx.get(provider.discovery_url, timeout=30).json()
    prefix = f"AUTH_{PLAIN.upper()}_"
    values = {
        "DRIVER": "oauth2",
        "CLIENT_ID": CLIENT.client_id,
        "CLIENT_SECRET": CLIENT.client_secret,
        "AUTHORIZE_URL": metadata["authorization_endpoint"],
        "ACCESS_URL": metadata["token_endpoint"],
        "PROFILE_URL": metadata["userinfo_endpoint"],
        "SCOPE": "openid email profile",  # this provider serves profiles to OpenID scopes only
        "IDENTIFIER_KEY": "sub",
        "FIRST_NAME_KEY": "given_name",
        "LAST_NAME_KEY": "family_name",
        "ALLOW_PUBLIC_REGISTRATION": "true",
        "DEFAULT_ROLE_ID": ROLE_ID,
        "REDIRECT_ALLOW_LIST": DONE,
    }
    return {prefix + key: value for key, value in values.items()}


@pytest.fixture
def settings_overrides(provider: RunningOidcProvider) -> dict[str, Any]:
    variables = {
        **provider_variables(provider, OPEN, open_=True),
        **provider_variables(provider, CLOSED, open_=False),
        **oauth2_variables(provider),
    }
    return {
        "public_url": APP,
        "auth_providers": f"{OPEN},{CLOSED},{PLAIN}",
        **{key.lower(): value for key, value in variables.items()},
    }


@pytest.fixture
async def role(services: Services) -> None:
    await create_role(services, ROLE_ID, "Single sign-on users")


@pytest.fixture
async def browser() -> AsyncIterator[httpx.AsyncClient]:
    """The provider's side of the browser: its own cookie jar, real HTTP."""
    async with httpx.AsyncClient(timeout=30) as http:
        yield http


async def start(client: httpx.AsyncClient, provider: str = OPEN, **params: str) -> httpx.Response:
    return await client.get(f"/auth/login/{provider}", params=params)


async def sign_in(
    client: httpx.AsyncClient,
    browser: httpx.AsyncClient,
    account: OidcAccount = ADA,
    *,
    provider: str = OPEN,
    base: str = APP,
    **params: str,
) -> str:
    """From our login URL through the provider's forms; the callback URL, not yet requested."""
    started = await start(client, provider, **params)
    assert started.status_code == 302, started.text
    return await complete_oidc_login(
        browser,
        started.headers["location"],
        login=account.email or account.sub,
        password=account.password,
        callback_prefix=callback_of(base, provider),
    )


def path_of(url: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(("", "", parts.path, parts.query, ""))


async def users_of(services: Services, provider: str = OPEN) -> list[User]:
    async with services.db.read() as session:
        statement = select(User).where(col(User.provider) == provider)
        return list((await session.exec(statement)).all())


def reason(response: httpx.Response) -> str:
    assert response.status_code == 302, response.text
    location = urlsplit(response.headers["location"])
    assert urlunsplit((location.scheme, location.netloc, location.path, "", "")) == DONE
    return parse_qs(location.query)["reason"][0]


def forged_cookie(
    client: httpx.AsyncClient, provider: str, driver: str = "openid", **changes: Any
) -> None:
    """Re-signs the login cookie with some values changed (the test knows SECRET): what an
    attacker who could forge it would try. The signature itself is checked elsewhere."""
    name = f"{driver}.{provider}"
    tokens = TokenService(TEST_SECRET, SystemClock())
    claims = tokens.decode_scoped(client.cookies[name], STATE_SCOPE)
    for key in ("iat", "exp", "iss", "scope"):
        claims.pop(key)
    value = tokens.sign_scoped(STATE_SCOPE, {**claims, **changes}, 60_000)
    client.cookies.delete(name)
    client.cookies.set(name, value, domain="testserver.local", path=f"/auth/login/{provider}")


def refresh_cookie(response: httpx.Response) -> str:
    cookies = response.headers.get_list("set-cookie")
    found = [c for c in cookies if c.startswith("directus_refresh_token=")]
    assert found, cookies
    return found[0].split(";")[0].split("=", 1)[1]


# The flow ------------------------------------------------------------------------------------


async def test_the_provider_is_listed(client: httpx.AsyncClient) -> None:
    response = await client.get("/auth")
    assert response.json() == {
        "data": [
            {"name": OPEN, "driver": "openid", "icon": "key", "label": "Loopback IdP"},
            {"name": CLOSED, "driver": "openid", "icon": "key", "label": "Loopback IdP"},
            {"name": PLAIN, "driver": "oauth2", "icon": None, "label": None},
        ],
        "disableDefault": False,
    }


@pytest.mark.usefixtures("role")
async def test_login_redirects_with_state_nonce_and_pkce_and_a_signed_http_only_cookie(
    client: httpx.AsyncClient, provider: RunningOidcProvider
) -> None:
    response = await start(client, redirect=DONE)
    assert response.status_code == 302
    location = urlsplit(response.headers["location"])
    assert location.netloc == f"127.0.0.1:{provider.port}"
    query = {key: values[0] for key, values in parse_qs(location.query).items()}
    assert query["client_id"] == CLIENT.client_id
    assert query["redirect_uri"] == callback_of(APP, OPEN)
    assert query["response_type"] == "code"
    assert query["code_challenge_method"] == "S256"
    assert len(query["state"]) >= 32
    assert len(query["nonce"]) >= 32
    assert query["state"] != query["nonce"]
    assert "openid" in query["scope"].split()
    cookie = response.headers["set-cookie"]
    assert cookie.startswith(f"openid.{OPEN}=")
    assert "HttpOnly" in cookie
    assert f"Path=/auth/login/{OPEN}" in cookie
    assert "SameSite=Lax" in cookie
    claims = TokenService(TEST_SECRET, SystemClock()).decode_scoped(
        client.cookies[f"openid.{OPEN}"], STATE_SCOPE
    )
    assert claims["state"] == query["state"]
    assert claims["redirect"] == DONE


@pytest.mark.usefixtures("role")
async def test_first_login_creates_the_user_and_sets_the_refresh_cookie(
    client: httpx.AsyncClient, browser: httpx.AsyncClient, services: Services
) -> None:
    callback = await sign_in(client, browser, redirect=DONE)
    response = await client.get(path_of(callback))
    assert response.status_code == 302, response.text
    assert response.headers["location"] == DONE
    token = refresh_cookie(response)
    (user,) = await users_of(services)
    assert user.external_identifier == ADA.sub
    assert (user.email, user.first_name, user.last_name) == (ADA.email, "Ada", "Lovelace")
    assert user.status == "active"
    assert user.role == ROLE_ID
    assert user.password is None
    refreshed = await client.post("/auth/refresh", json={"refresh_token": token})
    assert refreshed.status_code == 200, refreshed.text
    access = refreshed.json()["data"]["access_token"]
    me = await client.get(
        "/users/me", params={"fields": "email"}, headers={"Authorization": f"Bearer {access}"}
    )
    assert me.json()["data"] == {"email": ADA.email}
    async with services.db.read() as session:
        logins = (
            await session.exec(
                select(Activity).where(
                    col(Activity.action) == "login", col(Activity.user) == user.id
                )
            )
        ).all()
    assert [entry.comment for entry in logins] == [f"provider={OPEN}"]


@pytest.mark.usefixtures("role")
async def test_second_login_links_the_same_user(
    client: httpx.AsyncClient, browser: httpx.AsyncClient, services: Services
) -> None:
    for _ in range(2):
        callback = await sign_in(client, browser, redirect=DONE)
        assert (await client.get(path_of(callback))).status_code == 302
    users = await users_of(services)
    assert len(users) == 1
    assert users[0].external_identifier == ADA.sub


@pytest.mark.usefixtures("role")
async def test_without_a_redirect_the_tokens_come_back_as_json(
    client: httpx.AsyncClient, browser: httpx.AsyncClient
) -> None:
    callback = await sign_in(client, browser)
    response = await client.get(path_of(callback))
    assert response.status_code == 200, response.text
    data = response.json()["data"]
    assert set(data) == {"access_token", "refresh_token", "expires"}
    assert data["expires"] == 900_000


@pytest.mark.usefixtures("role")
async def test_session_mode_sets_the_session_cookie(
    client: httpx.AsyncClient, browser: httpx.AsyncClient
) -> None:
    callback = await sign_in(client, browser, redirect=DONE, mode="session")
    response = await client.get(path_of(callback))
    assert response.status_code == 302
    cookies = response.headers.get_list("set-cookie")
    session = [c for c in cookies if c.startswith("directus_session_token=")]
    assert session, cookies
    assert not [c for c in cookies if c.startswith("directus_refresh_token=")]
    me = await client.get("/users/me", params={"fields": "email"})
    assert me.json()["data"] == {"email": ADA.email}


@pytest.mark.usefixtures("role")
async def test_an_account_without_email_is_created_with_none(
    client: httpx.AsyncClient, browser: httpx.AsyncClient, services: Services
) -> None:
    callback = await sign_in(client, browser, GRACE, redirect=DONE)
    assert (await client.get(path_of(callback))).headers["location"] == DONE
    (user,) = await users_of(services)
    assert (user.external_identifier, user.email, user.first_name) == (GRACE.sub, None, "Grace")


# What is refused ---------------------------------------------------------------------------


@pytest.mark.usefixtures("role")
async def test_a_wrong_state_is_refused(
    client: httpx.AsyncClient, browser: httpx.AsyncClient, services: Services
) -> None:
    callback = urlsplit(await sign_in(client, browser, redirect=DONE))
    query = parse_qs(callback.query)
    query["state"] = ["not-the-state-we-sent"]
    tampered = urlunsplit(("", "", callback.path, urlencode(query, doseq=True), ""))
    assert reason(await client.get(tampered)) == "INVALID_CREDENTIALS"
    assert await users_of(services) == []


@pytest.mark.usefixtures("role")
async def test_a_wrong_nonce_is_refused(
    client: httpx.AsyncClient, browser: httpx.AsyncClient, services: Services
) -> None:
    callback = await sign_in(client, browser, redirect=DONE)
    forged_cookie(client, OPEN, nonce="a-nonce-the-provider-never-saw")
    assert reason(await client.get(path_of(callback))) == "INVALID_CREDENTIALS"
    assert await users_of(services) == []


@pytest.mark.usefixtures("role")
async def test_a_wrong_pkce_verifier_is_refused_by_the_provider(
    client: httpx.AsyncClient, browser: httpx.AsyncClient, services: Services
) -> None:
    callback = await sign_in(client, browser, redirect=DONE)
    forged_cookie(client, OPEN, verifier="v" * 64)
    assert reason(await client.get(path_of(callback))) == "INVALID_TOKEN"
    assert await users_of(services) == []


@pytest.mark.usefixtures("role")
async def test_a_login_cookie_signed_with_another_secret_or_missing_is_refused(
    client: httpx.AsyncClient, browser: httpx.AsyncClient, services: Services
) -> None:
    callback = await sign_in(client, browser, redirect=DONE)
    name = f"openid.{OPEN}"
    claims = TokenService(TEST_SECRET, SystemClock()).decode_scoped(
        client.cookies[name], STATE_SCOPE
    )
    for key in ("iat", "exp", "iss", "scope"):
        claims.pop(key)
    other = TokenService("another-secret-entirely-0123456789abcdef", SystemClock())
    client.cookies.delete(name)
    client.cookies.set(
        name,
        other.sign_scoped(STATE_SCOPE, claims, 60_000),
        domain="testserver.local",
        path=f"/auth/login/{OPEN}",
    )
    forged = await client.get(path_of(callback))
    # Without a trustworthy cookie the redirect is unknown: a coded JSON error.
    assert forged.status_code == 401
    assert forged.json()["errors"][0]["extensions"]["code"] == "INVALID_CREDENTIALS"
    client.cookies.delete(name)
    missing = await client.get(path_of(callback))
    assert missing.status_code == 401
    assert missing.json()["errors"][0]["extensions"]["code"] == "INVALID_CREDENTIALS"
    assert await users_of(services) == []


@pytest.mark.parametrize(
    "redirect",
    [
        "https://evil.example.com/sso/done",
        "https://app.example.com/elsewhere",
        "//evil.example.com/x",
        "/\\evil.example.com",
        "javascript:alert(1)",
    ],
)
async def test_a_redirect_off_the_allow_list_is_refused_before_the_provider(
    client: httpx.AsyncClient, redirect: str
) -> None:
    response = await start(client, redirect=redirect)
    assert response.status_code == 400
    assert response.json()["errors"][0]["extensions"]["code"] == "INVALID_PAYLOAD"
    assert "set-cookie" not in response.headers


@pytest.mark.usefixtures("role")
async def test_a_redirect_smuggled_into_the_cookie_is_refused_at_the_callback(
    client: httpx.AsyncClient, browser: httpx.AsyncClient, services: Services
) -> None:
    callback = await sign_in(client, browser, redirect=DONE)
    forged_cookie(client, OPEN, redirect="https://evil.example.com/steal")
    response = await client.get(path_of(callback))
    assert response.status_code == 400
    assert "location" not in response.headers
    assert response.json()["errors"][0]["extensions"]["code"] == "INVALID_PAYLOAD"
    assert await users_of(services) == []


async def test_redirects_on_this_server_are_allowed(client: httpx.AsyncClient) -> None:
    for redirect in ("/admin/content", f"{APP}/admin/login"):
        assert (await start(client, redirect=redirect)).status_code == 302


@pytest.mark.usefixtures("role")
async def test_public_registration_off_gives_a_reason_and_creates_nobody(
    client: httpx.AsyncClient, browser: httpx.AsyncClient, services: Services
) -> None:
    callback = await sign_in(client, browser, ALAN, provider=CLOSED, redirect=DONE)
    assert reason(await client.get(path_of(callback))) == "INVALID_CREDENTIALS"
    assert await users_of(services, CLOSED) == []
    async with services.db.read() as session:
        failed = (
            await session.exec(select(Activity).where(col(Activity.action) == "login.failed"))
        ).all()
    assert [(entry.item, entry.comment) for entry in failed] == [
        (f"provider:{CLOSED}", "INVALID_CREDENTIALS")
    ]


@pytest.mark.usefixtures("role")
async def test_a_cancelled_consent_gives_a_reason(
    client: httpx.AsyncClient, browser: httpx.AsyncClient, services: Services
) -> None:
    started = await start(client, redirect=DONE)
    callback = await complete_oidc_login(
        browser,
        started.headers["location"],
        login=ALAN.email or "",
        password=ALAN.password,
        callback_prefix=callback_of(APP, OPEN),
        consent=False,
    )
    assert reason(await client.get(path_of(callback))) == "INVALID_CREDENTIALS"
    assert await users_of(services) == []


@pytest.mark.usefixtures("role")
async def test_a_local_account_with_the_same_email_is_not_taken_over(
    client: httpx.AsyncClient, browser: httpx.AsyncClient, services: Services
) -> None:
    local = await create_user(services, ADA.email or "")
    callback = await sign_in(client, browser, redirect=DONE)
    assert reason(await client.get(path_of(callback))) == "RECORD_NOT_UNIQUE"
    async with services.db.read() as session:
        row = await session.get(User, local.id)
    assert row is not None
    assert (row.provider, row.external_identifier) == ("default", None)


@pytest.mark.usefixtures("role")
async def test_a_suspended_user_is_refused(
    client: httpx.AsyncClient, browser: httpx.AsyncClient, services: Services
) -> None:
    callback = await sign_in(client, browser, redirect=DONE)
    assert (await client.get(path_of(callback))).headers["location"] == DONE
    (user,) = await users_of(services)
    async with services.db.write() as session:
        row = await session.get(User, user.id)
        assert row is not None
        row.status = "suspended"
    callback = await sign_in(client, browser, redirect=DONE)
    assert reason(await client.get(path_of(callback))) == "INVALID_CREDENTIALS"


@pytest.mark.usefixtures("role")
async def test_a_code_cannot_be_used_twice(
    client: httpx.AsyncClient, browser: httpx.AsyncClient
) -> None:
    callback = await sign_in(client, browser, redirect=DONE)
    cookie = client.cookies[f"openid.{OPEN}"]
    assert (await client.get(path_of(callback))).headers["location"] == DONE
    # Replayed with the login cookie it came with (the answer above cleared it).
    client.cookies.set(
        f"openid.{OPEN}", cookie, domain="testserver.local", path=f"/auth/login/{OPEN}"
    )
    assert reason(await client.get(path_of(callback))) == "INVALID_TOKEN"


@pytest.mark.usefixtures("role")
async def test_the_oauth2_driver_logs_in_through_the_profile_url(
    client: httpx.AsyncClient, browser: httpx.AsyncClient, services: Services
) -> None:
    started = await start(client, PLAIN, redirect=DONE)
    assert started.headers["set-cookie"].startswith(f"oauth2.{PLAIN}=")
    assert "code_challenge=" in started.headers["location"]
    for _ in range(2):
        callback = await sign_in(client, browser, provider=PLAIN, redirect=DONE)
        finished = await client.get(path_of(callback))
        assert finished.headers["location"] == DONE, finished.text
        assert refresh_cookie(finished)
    (user,) = await users_of(services, PLAIN)
    assert (user.external_identifier, user.email) == (ADA.sub, ADA.email)
    assert (user.first_name, user.last_name, user.role) == ("Ada", "Lovelace", ROLE_ID)


@pytest.mark.usefixtures("role")
async def test_the_oauth2_driver_sends_the_pkce_verifier_too(
    client: httpx.AsyncClient, browser: httpx.AsyncClient, services: Services
) -> None:
    callback = await sign_in(client, browser, provider=PLAIN, redirect=DONE)
    forged_cookie(client, PLAIN, "oauth2", verifier="w" * 64)
    assert reason(await client.get(path_of(callback))) == "INVALID_TOKEN"
    assert await users_of(services, PLAIN) == []


async def test_an_unknown_provider_is_invalid_provider(client: httpx.AsyncClient) -> None:
    for path in ("/auth/login/nosuch", "/auth/login/nosuch/callback"):
        response = await client.get(path)
        assert response.status_code == 403
        assert response.json()["errors"][0]["extensions"]["code"] == "INVALID_PROVIDER"


# A real server ---------------------------------------------------------------------------


def server_env(provider: RunningOidcProvider, port: int) -> dict[str, str]:
    return {
        "SECRET": "e2e-secret-long-enough-for-hs256-0123456789",
        "ADMIN_EMAIL": "owner@example.com",
        "ADMIN_PASSWORD": "e2e-password-1",
        "PUBLIC_URL": f"http://127.0.0.1:{port}",
        "AUTH_PROVIDERS": OPEN,
        **provider_variables(provider, OPEN, open_=True),
        "AUTH_IDP_DEFAULT_ROLE_ID": "",
        "HASH_MEMORY_COST": "1024",
        "HASH_TIME_COST": "1",
        "HASH_PARALLELISM": "1",
    }


async def test_over_http_first_login_creates_and_second_links_on_another_instance(
    provider: RunningOidcProvider, tmp_path: Path
) -> None:
    """Two uvicorn processes on one database: a login started on one finishes on the other
    (the attempt lives in the signed cookie, not in a process)."""
    first_port, second_port = UVICORN_PORTS
    public_url = f"http://127.0.0.1:{first_port}"  # one PUBLIC_URL, as behind a load balancer
    env = server_env(provider, first_port)
    seen: list[str] = []
    with (
        running_server(tmp_path, env, port=first_port) as first,
        running_server(tmp_path, env, bootstrap=False, port=second_port) as second,
    ):
        for starts, finishes in ((first, second), (second, first)):
            async with httpx.AsyncClient(timeout=30) as idp_browser:
                seen.append(await login_across(starts.url, finishes.url, public_url, idp_browser))
        assert len(seen) == 2
        assert seen[0] == seen[1]  # the second login linked the user the first one created
        admin = await login_admin(second.url)
        async with httpx.AsyncClient(base_url=first.url, timeout=30) as http:
            listed = await http.get(
                "/users",
                params={
                    "fields": "id,email,provider,external_identifier",
                    "filter[provider][_eq]": OPEN,
                },
                headers={"Authorization": f"Bearer {admin}"},
            )
    assert listed.json()["data"] == [
        {"id": seen[0], "email": ADA.email, "provider": OPEN, "external_identifier": ADA.sub}
    ]


async def login_across(
    starts: str, finishes: str, public_url: str, idp_browser: httpx.AsyncClient
) -> str:
    """Starts a login on one instance and finishes it on another; the user id it logged in."""
    async with httpx.AsyncClient(timeout=30) as http:
        started = await http.get(f"{starts}/auth/login/{OPEN}", params={"redirect": "/admin/done"})
        assert started.status_code == 302, started.text
        cookie = started.cookies[f"openid.{OPEN}"]
        callback = await complete_oidc_login(
            idp_browser,
            started.headers["location"],
            login=ADA.email or "",
            password=ADA.password,
            callback_prefix=callback_of(public_url, OPEN),
        )
        finished = await http.get(
            finishes + path_of(callback), headers={"Cookie": f"openid.{OPEN}={cookie}"}
        )
        assert finished.status_code == 302, finished.text
        assert finished.headers["location"] == "/admin/done"
        token = refresh_cookie(finished)
        refreshed = await http.post(f"{starts}/auth/refresh", json={"refresh_token": token})
        assert refreshed.status_code == 200, refreshed.text
        access = refreshed.json()["data"]["access_token"]
        me = await http.get(
            f"{finishes}/users/me",
            params={"fields": "id"},
            headers={"Authorization": f"Bearer {access}"},
        )
        assert me.status_code == 200, me.text
        user_id: str = me.json()["data"]["id"]
        return user_id


async def login_admin(base: str) -> str:
    async with httpx.AsyncClient(base_url=base, timeout=30) as http:
        response = await http.post(
            "/auth/login", json={"email": "owner@example.com", "password": "e2e-password-1"}
        )
    token: str = response.json()["data"]["access_token"]
    return token
