"""The authorization-code flow with PKCE for the openid and oauth2 drivers (authlib builds the
requests, httpx sends them): the URL to send the browser to, then code → tokens → identity.

OpenID: endpoints from discovery, an ID token checked against the issuer's keys and our nonce,
then the userinfo claims on top (same `sub` required). OAuth2: the configured endpoints and the
profile URL. Errors are coded: a code the provider refuses (`invalid_grant`: used, expired, or a
wrong PKCE verifier) is INVALID_TOKEN, a provider that cannot be reached or answers nonsense is
SERVICE_UNAVAILABLE; the details go to the log, never to the client.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import httpx
from authlib.oauth2.rfc6749.parameters import (  # type: ignore[import-untyped]
    prepare_grant_uri,
    prepare_token_request,
)
from authlib.oauth2.rfc7636 import create_s256_code_challenge  # type: ignore[import-untyped]

from app.errors import InvalidCredentialsError, InvalidTokenError, ServiceUnavailableError
from app.sso.config import Driver, OAuthSettings, ProviderConfig
from app.sso.openid import OpenIdProvider

logger = logging.getLogger("app.sso.oauth")


@dataclass(frozen=True)
class ProviderIdentity:
    """Who the provider says logged in, and the refresh token it gave us, if any."""

    claims: dict[str, Any]
    refresh_token: str | None


class OAuthClient:
    def __init__(
        self, provider: ProviderConfig, redirect_uri: str, http: httpx.AsyncClient
    ) -> None:
        assert provider.oauth is not None
        self.provider = provider
        self._settings: OAuthSettings = provider.oauth
        self._redirect_uri = redirect_uri
        self._http = http
        self._openid = (
            OpenIdProvider(provider.oauth.issuer_url or "", http)
            if provider.driver is Driver.OPENID
            else None
        )

    @property
    def is_openid(self) -> bool:
        return self._openid is not None

    async def authorization_url(self, *, state: str, nonce: str, code_verifier: str) -> str:
        extra: dict[str, str] = {
            "code_challenge": create_s256_code_challenge(code_verifier),
            "code_challenge_method": "S256",
        }
        if self._openid is not None:
            endpoint = (await self._openid.metadata()).authorization_endpoint
            extra["nonce"] = nonce
        else:
            endpoint = self._settings.authorize_url or ""
        url: str = prepare_grant_uri(
            endpoint,
            self._settings.client_id,
            "code",
            redirect_uri=self._redirect_uri,
            scope=self._settings.scope,
            state=state,
            **extra,
        )
        return url

    async def identity(
        self, *, code: str, code_verifier: str, nonce: str, now: float
    ) -> ProviderIdentity:
        tokens = await self._exchange(code, code_verifier)
        access_token = tokens.get("access_token")
        refresh_token = tokens.get("refresh_token")
        refresh = refresh_token if isinstance(refresh_token, str) and refresh_token else None
        if self._openid is not None:
            id_token = tokens.get("id_token")
            if not isinstance(id_token, str):
                logger.warning("Provider %s sent no ID token", self.provider.name)
                raise InvalidCredentialsError()
            claims = await self._openid.verify_id_token(
                id_token, client_id=self._settings.client_id, nonce=nonce, now=now
            )
            userinfo = (await self._openid.metadata()).userinfo_endpoint
            if userinfo and isinstance(access_token, str):
                extra = await self._profile(userinfo, access_token)
                if extra.get("sub") != claims.get("sub"):
                    logger.warning(
                        "Provider %s: userinfo is about someone else", self.provider.name
                    )
                    raise InvalidCredentialsError()
                claims = {**claims, **extra}
            return ProviderIdentity(claims, refresh)
        if not isinstance(access_token, str):
            logger.warning("Provider %s sent no access token", self.provider.name)
            raise ServiceUnavailableError()
        profile = await self._profile(self._settings.profile_url or "", access_token)
        return ProviderIdentity(profile, refresh)

    async def _token_endpoint(self) -> tuple[str, bool]:
        """The token URL, and whether the client secret goes in the body (else Basic)."""
        if self._openid is None:
            return self._settings.access_url or "", False
        metadata = await self._openid.metadata()
        methods = metadata.token_auth_methods
        post_only = "client_secret_post" in methods and "client_secret_basic" not in methods
        return metadata.token_endpoint, post_only

    async def _exchange(self, code: str, code_verifier: str) -> dict[str, Any]:
        url, in_body = await self._token_endpoint()
        settings = self._settings
        extra = (
            {"client_id": settings.client_id, "client_secret": settings.client_secret}
            if in_body
            else {}
        )
        body: str = prepare_token_request(
            "authorization_code",
            code=code,
            redirect_uri=self._redirect_uri,
            code_verifier=code_verifier,
            **extra,
        )
        # RFC 6749 2.3.1: id and secret are form-encoded before they go into Basic.
        auth = (
            None
            if in_body
            else httpx.BasicAuth(
                quote(settings.client_id, safe=""), quote(settings.client_secret, safe="")
            )
        )
        try:
            response = await self._http.post(
                url,
                content=body,
                auth=auth or httpx.USE_CLIENT_DEFAULT,
                headers={
                    "Content-Type": "application/x-www-form-urlencoded",
                    "Accept": "application/json",
                },
            )
            payload = response.json()
        except (httpx.HTTPError, ValueError) as error:
            logger.warning(
                "Token endpoint of %s failed: %s", self.provider.name, type(error).__name__
            )
            raise ServiceUnavailableError() from None
        if not isinstance(payload, dict):
            raise ServiceUnavailableError()
        if response.status_code != httpx.codes.OK or "error" in payload:
            error_code = payload.get("error")
            logger.warning(
                "Token endpoint of %s refused the code: %s", self.provider.name, error_code
            )
            if error_code == "invalid_grant":
                raise InvalidTokenError()
            raise ServiceUnavailableError()
        return payload

    async def _profile(self, url: str, access_token: str) -> dict[str, Any]:
        try:
            response = await self._http.get(
                url,
                headers={"Authorization": f"Bearer {access_token}", "Accept": "application/json"},
            )
        except httpx.HTTPError as error:
            logger.warning("Profile of %s failed: %s", self.provider.name, type(error).__name__)
            raise ServiceUnavailableError() from None
        if response.status_code in (httpx.codes.UNAUTHORIZED, httpx.codes.FORBIDDEN):
            raise InvalidTokenError()
        return _json_object(response, self.provider.name)


def _json_object(response: httpx.Response, provider: str) -> dict[str, Any]:
    try:
        response.raise_for_status()
        document = response.json()
    except (httpx.HTTPError, ValueError) as error:
        logger.warning("Profile of %s unreadable: %s", provider, type(error).__name__)
        raise ServiceUnavailableError() from None
    if not isinstance(document, dict):
        raise ServiceUnavailableError()
    return document
