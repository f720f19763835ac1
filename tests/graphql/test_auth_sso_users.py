"""Users of single sign-on providers alongside the default login: GET /auth, AUTH_DISABLE_DEFAULT,
no password login for provider users, TFA without a local password, the admin-only sign-in
fields, and the SSO endpoints' rate limit and coded errors."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from app.accountability import ClientInfo
from app.db.models import User
from app.services.container import Services
from app.services.sessions import AuthMode
from tests.conftest import ADMIN_EMAIL, ADMIN_PASSWORD, LOGIN, create_user, gql, login
from tests.graphql.seed import assert_validation_error

UNREACHABLE = "http://127.0.0.1:9"  # nothing listens on the discard port
PROVIDERS = {
    "auth_providers": "Idp,github,corp",
    "auth_idp_driver": "openid",
    "auth_idp_client_id": "client-1",
    "auth_idp_client_secret": "secret-1",
    "auth_idp_issuer_url": UNREACHABLE,
    "auth_idp_icon": "key",
    "auth_github_driver": "oauth2",
    "auth_github_client_id": "gh",
    "auth_github_client_secret": "gh-secret",
    "auth_github_authorize_url": f"{UNREACHABLE}/authorize",
    "auth_github_access_url": f"{UNREACHABLE}/token",
    "auth_github_profile_url": f"{UNREACHABLE}/user",
    "auth_github_label": "GitHub",
    "auth_corp_driver": "ldap",
    "auth_corp_client_url": "ldap://127.0.0.1:9",
    "auth_corp_bind_dn": "cn=reader,dc=example,dc=org",
    "auth_corp_bind_password": "reader",
    "auth_corp_user_dn": "ou=people,dc=example,dc=org",
}
SSO_EMAIL = "sso.user@example.com"
ME_SIGN_IN = "{ users_me { id provider external_identifier } }"
ME_SIGN_IN_DATA = "{ users_me { id auth_data } }"
UPDATE_ME = """
mutation U($data: update_directus_users_input!) { update_users_me(data: $data) { id } }
"""
GENERATE = """
mutation Generate($password: String!) {
  users_me_tfa_generate(password: $password) { secret otpauth_url }
}
"""


@pytest.fixture
def settings_overrides(request: pytest.FixtureRequest) -> dict[str, Any]:
    extra: dict[str, Any] = getattr(request, "param", {})
    return {**PROVIDERS, **extra}


async def sso_user(services: Services, *, password: str | None = None) -> User:
    """A user an OpenID provider created: provider idp, no password (unless given)."""
    user = await create_user(services, SSO_EMAIL, password)
    async with services.db.write() as session:
        row = await session.get(User, user.id)
        assert row is not None
        row.provider, row.external_identifier = "idp", "idp-subject-1"
        row.auth_data = {"refreshToken": "from-the-provider"}
    return user


async def sso_token(services: Services, user: User) -> str:
    """A login as the SSO callback opens it (the flow itself is tested against a real IdP)."""
    issued = await services.sessions.open_session(user, AuthMode.JSON, ClientInfo(ip="127.0.0.1"))
    return issued.access_token


def codes(response: httpx.Response) -> list[str]:
    return [error["extensions"]["code"] for error in response.json()["errors"]]


async def test_get_auth_lists_exactly_the_configured_providers(client: httpx.AsyncClient) -> None:
    response = await client.get("/auth")
    assert response.status_code == 200
    assert response.json() == {
        "data": [
            {"name": "idp", "driver": "openid", "icon": "key", "label": None},
            {"name": "github", "driver": "oauth2", "icon": None, "label": "GitHub"},
            {"name": "corp", "driver": "ldap", "icon": None, "label": None},
        ],
        "disableDefault": False,
    }


@pytest.mark.parametrize("settings_overrides", [{"auth_disable_default": True}], indirect=True)
async def test_disable_default_turns_the_password_login_off_for_local_users(
    client: httpx.AsyncClient,
) -> None:
    listed = await client.get("/auth")
    assert listed.json()["disableDefault"] is True
    reply = await gql(client, LOGIN, {"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD})
    assert reply.codes == ["INVALID_CREDENTIALS"]
    assert "data" not in reply.body
    rest = await client.post("/auth/login", json={"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD})
    assert rest.status_code == 401
    assert codes(rest) == ["INVALID_CREDENTIALS"]


async def test_with_the_default_login_on_local_users_still_log_in(
    client: httpx.AsyncClient,
) -> None:
    assert (await login(client))["access_token"]


async def test_a_provider_user_cannot_use_the_password_login_even_with_a_password(
    client: httpx.AsyncClient, services: Services
) -> None:
    await sso_user(services, password="a-password-someone-set-1")
    reply = await gql(client, LOGIN, {"email": SSO_EMAIL, "password": "a-password-someone-set-1"})
    assert reply.codes == ["INVALID_CREDENTIALS"]


async def test_tfa_generate_works_for_a_provider_user_without_a_password(
    client: httpx.AsyncClient, services: Services
) -> None:
    token = await sso_token(services, await sso_user(services))
    reply = await gql(client, GENERATE, {"password": ""}, token=token)
    assert reply.codes == [], reply.body
    generated = reply.data["users_me_tfa_generate"]
    assert generated["secret"]
    assert generated["otpauth_url"].startswith("otpauth://totp/")


async def test_tfa_generate_still_checks_a_local_users_password(
    client: httpx.AsyncClient, services: Services
) -> None:
    await create_user(services, "local@example.com", "local-password-1")
    token = (await login(client, "local@example.com", "local-password-1"))["access_token"]
    reply = await gql(client, GENERATE, {"password": ""}, token=token)
    assert reply.codes == ["INVALID_CREDENTIALS"]


async def test_a_non_admin_cannot_read_its_sign_in_fields(
    client: httpx.AsyncClient, services: Services
) -> None:
    token = await sso_token(services, await sso_user(services))
    for query in (ME_SIGN_IN, ME_SIGN_IN_DATA):
        # The sign-in fields are not in a non-admin's schema.
        assert_validation_error(await gql(client, query, token=token))
    everything = await client.get(
        "/users/me", params={"fields": "*"}, headers={"Authorization": f"Bearer {token}"}
    )
    assert everything.status_code == 200
    shown = everything.json()["data"]
    assert shown.get("email") == SSO_EMAIL, shown
    assert not {"provider", "external_identifier", "auth_data"} & set(shown)


async def test_a_non_admin_cannot_write_its_sign_in_fields(
    client: httpx.AsyncClient, services: Services
) -> None:
    user = await sso_user(services)
    token = await sso_token(services, user)
    for field, value in (("provider", "default"), ("external_identifier", "someone-else")):
        reply = await gql(
            client,
            UPDATE_ME,
            {"data": {field: value}},
            token=token,
        )
        # Not in the caller's input type: refused when the variable is coerced.
        assert reply.status == 400, reply.body
        assert reply.codes == ["GRAPHQL_VALIDATION"], reply.body
        rest = await client.patch(
            "/users/me", json={field: value}, headers={"Authorization": f"Bearer {token}"}
        )
        assert rest.status_code == 403, rest.text
        assert rest.json()["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    async with services.db.read() as session:
        row = await session.get(User, user.id)
    assert row is not None
    assert (row.provider, row.external_identifier) == ("idp", "idp-subject-1")


async def test_an_admin_reads_the_sign_in_fields(
    client: httpx.AsyncClient, services: Services
) -> None:
    user = await sso_user(services)
    admin = (await login(client))["access_token"]
    reply = await gql(
        client,
        "query U($id: ID!) { users_by_id(id: $id) { provider external_identifier auth_data } }",
        {"id": user.id},
        token=admin,
    )
    assert reply.data["users_by_id"] == {
        "provider": "idp",
        "external_identifier": "idp-subject-1",
        "auth_data": {"refreshToken": "from-the-provider"},
    }


@pytest.mark.parametrize("path", ["/auth/login/idp", "/auth/login/github"])
async def test_a_provider_that_cannot_be_reached_is_service_unavailable_without_details(
    client: httpx.AsyncClient, path: str
) -> None:
    """openid needs discovery before it can redirect; oauth2 fails at the token exchange."""
    response = await client.get(path, params={"redirect": "/admin"})
    if path.endswith("github"):
        assert response.status_code == 302
        assert response.headers["location"].startswith(f"{UNREACHABLE}/authorize?")
        return
    assert response.status_code == 503
    assert response.json() == {
        "errors": [
            {"message": "Service unavailable.", "extensions": {"code": "SERVICE_UNAVAILABLE"}}
        ]
    }


async def test_a_token_endpoint_that_cannot_be_reached_returns_to_the_redirect_with_a_reason(
    client: httpx.AsyncClient,
) -> None:
    started = await client.get("/auth/login/github", params={"redirect": "/admin/login#top"})
    assert started.status_code == 302
    state = parse_qs(urlsplit(started.headers["location"]).query)["state"][0]
    callback = await client.get(
        "/auth/login/github/callback", params={"code": "a-code", "state": state}
    )
    assert callback.status_code == 302
    assert callback.headers["location"] == "/admin/login?reason=SERVICE_UNAVAILABLE"
    cleared = [c for c in callback.headers.get_list("set-cookie") if c.startswith("oauth2.github=")]
    assert cleared, callback.headers
    assert "Max-Age=0" in cleared[0]


async def test_ldap_and_oauth_routes_do_not_mix(client: httpx.AsyncClient) -> None:
    browser_leg = await client.get("/auth/login/corp")
    assert browser_leg.status_code == 403
    assert codes(browser_leg) == ["INVALID_PROVIDER"]
    password_leg = await client.post("/auth/login/idp", json={"identifier": "x", "password": "y"})
    assert password_leg.status_code == 403
    assert codes(password_leg) == ["INVALID_PROVIDER"]


@pytest.mark.parametrize(
    "settings_overrides",
    [{"rate_limiter_enabled": True, "rate_limiter_auth_points": 2, "rate_limiter_points": 100}],
    indirect=True,
)
async def test_the_sso_endpoints_spend_the_auth_rate_limit(client: httpx.AsyncClient) -> None:
    for _ in range(2):
        assert (await client.get("/auth/login/github")).status_code == 302
    limited = await client.get("/auth/login/github")
    assert limited.status_code == 429
    assert codes(limited) == ["REQUESTS_EXCEEDED"]
    assert int(limited.headers["retry-after"]) >= 1
    callback = await client.get("/auth/login/github/callback", params={"code": "c", "state": "s"})
    assert callback.status_code == 429
    ldap = await client.post("/auth/login/corp", json={"identifier": "x", "password": "y"})
    assert ldap.status_code == 429
