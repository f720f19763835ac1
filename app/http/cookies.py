"""The refresh and session cookies, with the attributes the settings give."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Literal

from starlette.responses import Response

from app.config import Settings
from app.services.sessions import AuthMode, IssuedTokens


@dataclass(frozen=True)
class CookieSpec:
    name: str
    max_age: int
    domain: str | None
    secure: bool
    same_site: Literal["lax", "strict", "none"]

    def set(self, response: Response, value: str) -> None:
        response.set_cookie(
            self.name,
            value,
            max_age=self.max_age,
            path="/",
            domain=self.domain,
            secure=self.secure,
            httponly=True,
            samesite=self.same_site,
        )

    def clear(self, response: Response) -> None:
        response.delete_cookie(
            self.name,
            path="/",
            domain=self.domain,
            secure=self.secure,
            httponly=True,
            samesite=self.same_site,
        )


def refresh_cookie(settings: Settings) -> CookieSpec:
    return CookieSpec(
        name=settings.refresh_token_cookie_name,
        max_age=settings.refresh_token_ttl // 1000,
        domain=settings.refresh_token_cookie_domain,
        secure=settings.refresh_token_cookie_secure,
        same_site=settings.refresh_token_cookie_same_site,
    )


def session_cookie(settings: Settings) -> CookieSpec:
    return CookieSpec(
        name=settings.session_cookie_name,
        max_age=settings.session_cookie_ttl // 1000,
        domain=settings.session_cookie_domain,
        secure=settings.session_cookie_secure,
        same_site=settings.session_cookie_same_site,
    )


def deliver_tokens(response: Response, settings: Settings, issued: IssuedTokens) -> IssuedTokens:
    """Moves tokens into cookies as the mode asks; returns what the body may carry."""
    if issued.mode is AuthMode.COOKIE and issued.refresh_token is not None:
        refresh_cookie(settings).set(response, issued.refresh_token)
        return replace(issued, refresh_token=None)
    if issued.mode is AuthMode.SESSION:
        session_cookie(settings).set(response, issued.access_token)
        return replace(issued, refresh_token=None)
    return issued


def clear_auth_cookies(response: Response, settings: Settings, mode: AuthMode) -> None:
    if mode is AuthMode.COOKIE:
        refresh_cookie(settings).clear(response)
    elif mode is AuthMode.SESSION:
        session_cookie(settings).clear(response)
