"""Browser logins through OpenID Connect and OAuth2 providers (Directus's `/auth/login/:provider`).

`start` sends the browser to the provider. What the callback must check later — state, nonce,
PKCE verifier, the redirect, the mode, an OTP — travels in a short-lived HttpOnly cookie holding
a JWT signed with SECRET (Directus keeps its `openid.<provider>` / `oauth2.<provider>` cookie the
same way), so any instance can finish a login another one started. `callback` checks it all,
finds or creates the local user, and opens a session like a password login does.
"""

from __future__ import annotations

import hmac
import logging
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from app.accountability import ClientInfo
from app.clock import Clock
from app.config import Settings
from app.db.engine import Database
from app.errors import (
    DirectusError,
    InvalidCredentialsError,
    InvalidPayloadError,
    InvalidProviderError,
)
from app.observability.auth_events import login_attempt
from app.security.rate_limits import RateLimits
from app.security.tokens import TokenService
from app.services.audit import AuditAction, AuditLog
from app.services.external_users import ExternalUsers
from app.services.flow_links import allowed_url
from app.services.login_drivers import LoginDriver
from app.services.login_drivers.oauth import OAuthLogin, ProviderCallback
from app.services.second_factor import SecondFactor
from app.services.sessions import AuthMode, IssuedTokens, SessionsService
from app.sso.config import Driver, LoginMode, ProviderConfig, SsoConfig

if TYPE_CHECKING:
    import httpx

logger = logging.getLogger("app.sso")

STATE_SCOPE = "sso-login"
STATE_TTL_MS = 5 * 60_000
HTTP_TIMEOUT_S = 10.0


@dataclass(frozen=True)
class ProviderInfo:
    name: str
    driver: str
    icon: str | None
    label: str | None


@dataclass(frozen=True)
class LoginStart:
    """Where to send the browser, and the cookie that remembers the attempt."""

    location: str
    cookie_name: str
    cookie_value: str
    cookie_path: str
    max_age_s: int


@dataclass(frozen=True)
class LoginResult:
    """A finished callback: tokens or an error, and where the browser goes (None: answer JSON)."""

    redirect: str | None
    issued: IssuedTokens | None = None
    error: DirectusError | None = None


def state_cookie_name(provider: ProviderConfig) -> str:
    return f"{provider.driver.value}.{provider.name}"


def login_path(provider: ProviderConfig) -> str:
    return f"/auth/login/{provider.name}"


class SsoService:
    def __init__(
        self,
        config: SsoConfig,
        settings: Settings,
        clock: Clock,
        db: Database,
        tokens: TokenService,
        audit: AuditLog,
        rate_limits: RateLimits,
        second_factor: SecondFactor,
        sessions: SessionsService,
    ) -> None:
        self.config = config
        self._settings = settings
        self._tokens = tokens
        self._audit = audit
        self._rate_limits = rate_limits
        self._second_factor = second_factor
        self._sessions = sessions
        self._http: httpx.AsyncClient | None = None
        self._logins: dict[str, OAuthLogin] = {}
        browser = [p for p in config.providers if p.driver in (Driver.OPENID, Driver.OAUTH2)]
        if browser:
            # Imported only when configured: the HTTP client, authlib and joserfc (with
            # cryptography) would add ~20 MB to every worker that has no such provider.
            import httpx

            from app.sso.oauth import OAuthClient

            self._http = httpx.AsyncClient(timeout=HTTP_TIMEOUT_S, follow_redirects=False)
            base = settings.public_url.rstrip("/")
            users = ExternalUsers(db)
            self._logins = {
                provider.name: OAuthLogin(
                    provider,
                    OAuthClient(provider, f"{base}{login_path(provider)}/callback", self._http),
                    users,
                    clock,
                )
                for provider in browser
            }

    async def close(self) -> None:
        if self._http is not None:
            await self._http.aclose()

    def providers(self) -> list[ProviderInfo]:
        return [
            ProviderInfo(p.name, p.driver.value, p.icon, p.label) for p in self.config.providers
        ]

    def redirect_allowed(self, provider: ProviderConfig, redirect: str) -> bool:
        """Directus's rule: a path on this server, anything on PUBLIC_URL's origin, or a URL on
        the provider's REDIRECT_ALLOW_LIST (origin and path)."""
        if any(ord(char) < 0x20 or char == "\\" for char in redirect):
            return False
        parts = urlsplit(redirect)
        if not parts.scheme and not parts.netloc:
            return redirect.startswith("/") and not redirect.startswith("//")
        if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
            return False
        if allowed_url(redirect, provider.redirect_allow_list):
            return True
        public = urlsplit(self._settings.public_url)
        return (parts.scheme.lower(), parts.netloc.lower()) == (
            public.scheme.lower(),
            public.netloc.lower(),
        )

    def _browser_provider(self, name: str) -> tuple[ProviderConfig, OAuthLogin]:
        provider = self.config.get(name)
        login = self._logins.get(name.lower())
        if provider is None or login is None:
            raise InvalidProviderError()
        return provider, login

    async def start(
        self,
        name: str,
        *,
        redirect: str | None,
        mode: str | None,
        otp: str | None,
        client: ClientInfo,
    ) -> LoginStart:
        await self._rate_limits.hit_auth(client.ip)
        provider, login = self._browser_provider(name)
        if redirect is not None and not self.redirect_allowed(provider, redirect):
            raise InvalidPayloadError(f'URL "{redirect}" can\'t be used to redirect after login')
        chosen = provider.mode
        if mode is not None:
            try:
                chosen = LoginMode(mode)
            except ValueError:
                raise InvalidPayloadError('"mode" has to be cookie or session') from None
        state, nonce = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
        verifier = secrets.token_urlsafe(48)  # 64 characters: RFC 7636 asks for 43 to 128
        location = await login.oauth.authorization_url(
            state=state, nonce=nonce, code_verifier=verifier
        )
        claims: dict[str, Any] = {
            "provider": provider.name,
            "state": state,
            "nonce": nonce,
            "verifier": verifier,
            "redirect": redirect,
            "mode": chosen.value,
        }
        if otp:
            claims["otp"] = otp
        return LoginStart(
            location=location,
            cookie_name=state_cookie_name(provider),
            cookie_value=self._tokens.sign_scoped(STATE_SCOPE, claims, STATE_TTL_MS),
            cookie_path=login_path(provider),
            max_age_s=STATE_TTL_MS // 1000,
        )

    async def callback(
        self,
        name: str,
        *,
        params: Mapping[str, str],
        state_cookie: str | None,
        client: ClientInfo,
    ) -> LoginResult:
        """Never raises a coded error once the redirect is known: it comes back in the result."""
        await self._rate_limits.hit_auth(client.ip)
        provider, login = self._browser_provider(name)
        flow = self._flow(provider, state_cookie)
        redirect = flow.get("redirect")
        redirect = redirect if isinstance(redirect, str) and redirect else None
        if redirect is not None and not self.redirect_allowed(provider, redirect):
            raise InvalidPayloadError(f'URL "{redirect}" can\'t be used to redirect after login')
        try:
            # A refusal with no reason class of ours is the provider's (an error, a bad state).
            with login_attempt(unexplained="provider"):
                issued = await self._finish(provider, login, flow, params, client, redirect is None)
        except DirectusError as error:
            await self._audit.record(
                self._audit.entry(
                    AuditAction.LOGIN_FAILED,
                    client,
                    item=f"provider:{provider.name}",
                    comment=error.code,
                )
            )
            return LoginResult(redirect=redirect, error=error)
        return LoginResult(redirect=redirect, issued=issued)

    def _flow(self, provider: ProviderConfig, state_cookie: str | None) -> dict[str, Any]:
        """The attempt the cookie remembers; without a valid one nothing can be checked."""
        if not state_cookie:
            logger.info("SSO callback for %s without its cookie", provider.name)
            raise InvalidCredentialsError()
        try:
            flow = self._tokens.decode_scoped(state_cookie, STATE_SCOPE)
        except DirectusError:
            logger.info("SSO callback for %s with an invalid or expired cookie", provider.name)
            raise InvalidCredentialsError() from None
        if flow.get("provider") != provider.name:
            raise InvalidCredentialsError()
        return flow

    async def _finish(
        self,
        provider: ProviderConfig,
        driver: LoginDriver[ProviderCallback],
        flow: Mapping[str, Any],
        params: Mapping[str, str],
        client: ClientInfo,
        as_json: bool,
    ) -> IssuedTokens:
        if params.get("error"):
            logger.info("Provider %s answered %r", provider.name, str(params.get("error"))[:100])
            raise InvalidCredentialsError()
        state, expected = params.get("state") or "", str(flow.get("state") or "")
        if not expected or not hmac.compare_digest(state.encode(), expected.encode()):
            logger.warning("SSO callback for %s with a state that is not ours", provider.name)
            raise InvalidCredentialsError()
        code = params.get("code")
        if not code:
            raise InvalidCredentialsError()
        callback = ProviderCallback(
            code=code,
            code_verifier=str(flow.get("verifier") or ""),
            nonce=str(flow.get("nonce") or ""),
        )
        proof = await driver.prove(callback, client)
        otp = flow.get("otp")
        tfa, claim = await self._second_factor.claimed(
            proof.user, otp if isinstance(otp, str) else None, client
        )
        try:
            mode = AuthMode.JSON if as_json else AuthMode(str(flow.get("mode") or "cookie"))
        except BaseException:
            await self._second_factor.release(claim)
            raise
        return await self._sessions.open_session(
            proof.user, mode, client, tfa=tfa, comment=proof.comment, claim=claim
        )
