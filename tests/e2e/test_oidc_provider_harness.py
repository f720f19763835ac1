"""The SSO tests' OpenID provider behaves like a real one, so the app's SSO tests can trust it.

A minimal relying party written here (plain httpx, PKCE challenge from authlib, the app's OAuth
library; ID token checked with joserfc, authlib's JOSE backend) runs the authorization-code
flow against tests/e2e/oidc/server.mjs: discovery, login through the form helper, code for
tokens with the code_verifier, ID token signature against the JWKS, nonce and profile claims,
userinfo. Then what has to fail does: a wrong password, a wrong code_verifier, a wrong client
secret, no PKCE, an unregistered redirect_uri, a cancelled consent.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
import socket
from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx
import pytest
from authlib.oauth2.rfc7636 import create_s256_code_challenge  # type: ignore[import-untyped]
from joserfc import jwt
from joserfc.errors import BadSignatureError
from joserfc.jwk import KeySet

from tests.e2e.oidc_provider import (
    OidcAccount,
    OidcClient,
    OidcFlowError,
    OidcLoginRejectedError,
    RunningOidcProvider,
    StartOidcProvider,
    complete_oidc_login,
    start_oidc_provider,
)

pytestmark = pytest.mark.e2e

__all__ = ["start_oidc_provider"]  # the fixture, used by name below

CALLBACK = "http://127.0.0.1:9/auth/login/sso/callback"  # never requested: nothing listens
BASIC = OidcClient("app-basic", "basic-secret-1", (CALLBACK,), "client_secret_basic")
POST = OidcClient("app-post", "post-secret-1", (CALLBACK,), "client_secret_post")
ADA_EMAIL = "ada@example.com"
ADA = OidcAccount(
    sub="ada-0001",
    email=ADA_EMAIL,
    password="correct horse 1",
    given_name="Ada",
    family_name="Lovelace",
)
GRACE = OidcAccount(sub="grace-0002", email=None, password="no email 2", given_name="Grace")
SCOPE = "openid email profile"


@pytest.fixture(scope="module")
def provider(start_oidc_provider: StartOidcProvider) -> RunningOidcProvider:
    return start_oidc_provider([BASIC, POST], [ADA, GRACE])


@pytest.fixture
async def browser() -> AsyncIterator[httpx.AsyncClient]:
    """A fresh cookie jar per test, as a new browser profile would have."""
    async with httpx.AsyncClient(timeout=30) as client:
        yield client


async def discovery(provider: RunningOidcProvider) -> dict[str, Any]:
    async with httpx.AsyncClient(timeout=30) as client:
        reply = await client.get(provider.discovery_url)
    reply.raise_for_status()
    document: dict[str, Any] = reply.json()
    return document


def authorization_url(
    metadata: dict[str, Any],
    client: OidcClient,
    *,
    state: str,
    nonce: str,
    verifier: str | None,
    redirect_uri: str = CALLBACK,
) -> str:
    params = {
        "response_type": "code",
        "client_id": client.client_id,
        "redirect_uri": redirect_uri,
        "scope": SCOPE,
        "state": state,
        "nonce": nonce,
    }
    if verifier is not None:
        params["code_challenge"] = create_s256_code_challenge(verifier)
        params["code_challenge_method"] = "S256"
    return f"{metadata['authorization_endpoint']}?{urlencode(params)}"


def callback_params(url: str) -> dict[str, str]:
    assert url.startswith(CALLBACK), url
    return {key: values[0] for key, values in parse_qs(urlsplit(url).query).items()}


async def exchange(
    metadata: dict[str, Any], client: OidcClient, code: str, verifier: str
) -> httpx.Response:
    """The token request, authenticated the way `client` registered."""
    form = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": CALLBACK,
        "code_verifier": verifier,
    }
    async with httpx.AsyncClient(timeout=30) as http:
        if client.token_endpoint_auth_method == "client_secret_post":
            form |= {"client_id": client.client_id, "client_secret": client.client_secret}
            return await http.post(metadata["token_endpoint"], data=form)
        basic = httpx.BasicAuth(client.client_id, client.client_secret)
        return await http.post(metadata["token_endpoint"], data=form, auth=basic)


async def signed_in_code(
    browser: httpx.AsyncClient,
    metadata: dict[str, Any],
    client: OidcClient,
    *,
    verifier: str,
    nonce: str = "nonce-0",
) -> str:
    state = secrets.token_urlsafe(16)
    url = authorization_url(metadata, client, state=state, nonce=nonce, verifier=verifier)
    callback = await complete_oidc_login(
        browser, url, login=ADA_EMAIL, password=ADA.password, callback_prefix=CALLBACK
    )
    params = callback_params(callback)
    assert params["state"] == state
    return params["code"]


async def test_discovery_publishes_the_endpoints_and_keys(provider: RunningOidcProvider) -> None:
    metadata = await discovery(provider)
    assert provider.issuer == f"http://127.0.0.1:{provider.port}"
    assert metadata["issuer"] == provider.issuer
    for endpoint in ("authorization_endpoint", "token_endpoint", "userinfo_endpoint", "jwks_uri"):
        assert metadata[endpoint].startswith(provider.issuer + "/"), endpoint
    assert metadata["code_challenge_methods_supported"] == ["S256"]
    assert {"openid", "email", "profile"} <= set(metadata["scopes_supported"])
    assert {"client_secret_basic", "client_secret_post"} <= set(
        metadata["token_endpoint_auth_methods_supported"]
    )
    assert "RS256" in metadata["id_token_signing_alg_values_supported"]
    async with httpx.AsyncClient(timeout=30) as client:
        keys = (await client.get(metadata["jwks_uri"])).json()["keys"]
    assert [(key["kty"], key["use"], key["alg"]) for key in keys] == [("RSA", "sig", "RS256")]
    assert keys[0]["kid"]
    assert "d" not in keys[0]  # the public half only


@pytest.mark.parametrize(
    ("client", "login"),
    [
        pytest.param(BASIC, ADA_EMAIL, id="secret-basic-login-by-email"),
        pytest.param(POST, ADA.sub, id="secret-post-login-by-sub"),
    ],
)
async def test_code_flow_with_pkce_and_nonce(
    provider: RunningOidcProvider, browser: httpx.AsyncClient, client: OidcClient, login: str
) -> None:
    metadata = await discovery(provider)
    verifier, nonce, state = (secrets.token_urlsafe(48) for _ in range(3))
    url = authorization_url(metadata, client, state=state, nonce=nonce, verifier=verifier)

    callback = await complete_oidc_login(
        browser, url, login=login, password=ADA.password, callback_prefix=CALLBACK
    )

    params = callback_params(callback)
    assert params["state"] == state
    assert params["iss"] == provider.issuer  # RFC 9207
    reply = await exchange(metadata, client, params["code"], verifier)
    assert reply.status_code == 200, reply.text
    tokens = reply.json()
    assert tokens["token_type"].lower() == "bearer"

    async with httpx.AsyncClient(timeout=30) as http:
        jwks = (await http.get(metadata["jwks_uri"])).json()
        userinfo = await http.get(
            metadata["userinfo_endpoint"],
            headers={"Authorization": f"Bearer {tokens['access_token']}"},
        )
    id_token = jwt.decode(tokens["id_token"], KeySet.import_key_set(jwks), algorithms=["RS256"])
    jwt.JWTClaimsRegistry(
        iss={"essential": True, "value": provider.issuer},
        aud={"essential": True, "value": client.client_id},
        nonce={"essential": True, "value": nonce},
        sub={"essential": True, "value": ADA.sub},
        exp={"essential": True},
        iat={"essential": True},
    ).validate(id_token.claims)
    assert id_token.claims["email"] == ADA_EMAIL
    assert id_token.claims["email_verified"] is True
    assert id_token.claims["given_name"] == ADA.given_name
    assert id_token.claims["family_name"] == ADA.family_name
    assert userinfo.status_code == 200, userinfo.text
    assert userinfo.json()["email"] == ADA_EMAIL
    assert userinfo.json()["sub"] == ADA.sub

    header, payload, signature = tokens["id_token"].split(".")
    forged = base64.urlsafe_b64encode(
        base64.urlsafe_b64decode(payload + "==").replace(ADA_EMAIL.encode(), b"eve@example.com")
    )
    with pytest.raises(BadSignatureError):
        jwt.decode(
            f"{header}.{forged.rstrip(b'=').decode()}.{signature}",
            KeySet.import_key_set(jwks),
            algorithms=["RS256"],
        )


async def test_an_account_without_email_gets_no_email_claim(
    provider: RunningOidcProvider, browser: httpx.AsyncClient
) -> None:
    metadata = await discovery(provider)
    verifier = secrets.token_urlsafe(48)
    url = authorization_url(metadata, BASIC, state="st", nonce="n-grace", verifier=verifier)
    callback = await complete_oidc_login(
        browser, url, login=GRACE.sub, password=GRACE.password, callback_prefix=CALLBACK
    )
    reply = await exchange(metadata, BASIC, callback_params(callback)["code"], verifier)
    assert reply.status_code == 200, reply.text
    async with httpx.AsyncClient(timeout=30) as http:
        jwks = (await http.get(metadata["jwks_uri"])).json()

    keys = KeySet.import_key_set(jwks)
    claims = jwt.decode(reply.json()["id_token"], keys, algorithms=["RS256"]).claims

    assert claims["sub"] == GRACE.sub
    assert claims["nonce"] == "n-grace"
    assert claims["given_name"] == "Grace"
    assert "email" not in claims
    assert "family_name" not in claims


async def test_s256_challenge_matches_rfc7636(provider: RunningOidcProvider) -> None:
    """authlib (the app's library) and the provider agree on S256: BASE64URL(SHA256(verifier))."""
    verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"  # RFC 7636, appendix B
    assert create_s256_code_challenge(verifier) == "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
    digest = hashlib.sha256(verifier.encode()).digest()
    assert base64.urlsafe_b64encode(digest).rstrip(b"=").decode() == create_s256_code_challenge(
        verifier
    )


@pytest.mark.parametrize("login", [ADA_EMAIL, ADA.sub, "nobody@example.com"])
async def test_a_wrong_password_yields_no_code(
    provider: RunningOidcProvider, browser: httpx.AsyncClient, login: str
) -> None:
    metadata = await discovery(provider)
    url = authorization_url(
        metadata, BASIC, state="s", nonce="n", verifier=secrets.token_urlsafe(48)
    )
    with pytest.raises(OidcLoginRejectedError) as rejected:
        await complete_oidc_login(
            browser, url, login=login, password=ADA.password + "x", callback_prefix=CALLBACK
        )
    assert rejected.value.error == "Invalid email or password."
    assert rejected.value.url.startswith(provider.issuer + "/interaction/")


async def test_a_wrong_code_verifier_is_refused(
    provider: RunningOidcProvider, browser: httpx.AsyncClient
) -> None:
    metadata = await discovery(provider)
    verifier = secrets.token_urlsafe(48)
    code = await signed_in_code(browser, metadata, BASIC, verifier=verifier)

    reply = await exchange(metadata, BASIC, code, secrets.token_urlsafe(48))

    assert reply.status_code == 400, reply.text
    assert reply.json()["error"] == "invalid_grant"
    assert "id_token" not in reply.json()


async def test_a_wrong_client_secret_is_refused(
    provider: RunningOidcProvider, browser: httpx.AsyncClient
) -> None:
    metadata = await discovery(provider)
    verifier = secrets.token_urlsafe(48)
    code = await signed_in_code(browser, metadata, POST, verifier=verifier)
    impostor = OidcClient(
        POST.client_id, "not-the-secret", POST.redirect_uris, "client_secret_post"
    )

    reply = await exchange(metadata, impostor, code, verifier)

    assert reply.status_code == 401, reply.text
    assert reply.json()["error"] == "invalid_client"


async def test_pkce_is_required(provider: RunningOidcProvider, browser: httpx.AsyncClient) -> None:
    metadata = await discovery(provider)
    url = authorization_url(metadata, BASIC, state="st", nonce="n", verifier=None)

    callback = await complete_oidc_login(
        browser, url, login=ADA_EMAIL, password=ADA.password, callback_prefix=CALLBACK
    )

    params = callback_params(callback)
    assert params["error"] == "invalid_request"
    assert "PKCE" in params["error_description"]
    assert params["state"] == "st"
    assert "code" not in params


async def test_an_unregistered_redirect_uri_stays_at_the_provider(
    provider: RunningOidcProvider, browser: httpx.AsyncClient
) -> None:
    metadata = await discovery(provider)
    elsewhere = "http://127.0.0.1:9/elsewhere"
    url = authorization_url(
        metadata, BASIC, state="s", nonce="n", verifier="v" * 43, redirect_uri=elsewhere
    )

    with pytest.raises(OidcFlowError) as failed:
        await complete_oidc_login(
            browser, url, login=ADA_EMAIL, password=ADA.password, callback_prefix=elsewhere
        )

    assert failed.value.status == 400
    assert "redirect_uri" in str(failed.value)


async def test_cancelling_consent_reports_access_denied(
    provider: RunningOidcProvider, browser: httpx.AsyncClient
) -> None:
    metadata = await discovery(provider)
    url = authorization_url(metadata, BASIC, state="st", nonce="n", verifier="v" * 43)

    callback = await complete_oidc_login(
        browser,
        url,
        login=ADA_EMAIL,
        password=ADA.password,
        callback_prefix=CALLBACK,
        consent=False,
    )

    params = callback_params(callback)
    assert params["error"] == "access_denied"
    assert "code" not in params


async def test_a_second_sign_in_reuses_the_session(
    provider: RunningOidcProvider, browser: httpx.AsyncClient
) -> None:
    """Like a browser, the client's cookies carry the provider session: no form the second time."""
    metadata = await discovery(provider)
    await signed_in_code(browser, metadata, BASIC, verifier="v" * 43)
    url = authorization_url(metadata, BASIC, state="again", nonce="n", verifier="w" * 43)

    callback = await complete_oidc_login(
        browser, url, login="unused", password="unused", callback_prefix=CALLBACK
    )

    assert callback_params(callback)["state"] == "again"
    assert "code" in callback_params(callback)


async def test_auto_consent_optional_pkce_and_a_clean_stop(
    start_oidc_provider: StartOidcProvider, browser: httpx.AsyncClient
) -> None:
    """The options work: no consent page (Cancel is never offered), no PKCE; SIGTERM exits 0."""
    own = start_oidc_provider([BASIC], [ADA], auto_consent=True, pkce_required=False)
    metadata = await discovery(own)
    url = authorization_url(metadata, BASIC, state="st", nonce="n", verifier=None)

    callback = await complete_oidc_login(
        browser,
        url,
        login=ADA_EMAIL,
        password=ADA.password,
        callback_prefix=CALLBACK,
        consent=False,
    )

    assert "code" in callback_params(callback)
    assert own.stop() == 0
    assert own.stop() == 0  # idempotent
    with pytest.raises(ConnectionRefusedError), socket.create_connection(("127.0.0.1", own.port)):
        pass
