"""The refresh and session cookies, with the attributes the settings give, written as
Directus (express) writes them: `Max-Age` with `Expires` beside it, `SameSite=Lax`."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from typing import Literal
from urllib.parse import quote

from starlette.responses import Response

from app.config import Settings
from app.services.sessions import AuthMode, IssuedTokens

# How express spells SameSite (Starlette would write `lax`).
_SAME_SITE = {"lax": "Lax", "strict": "Strict", "none": "None"}
# What encodeURIComponent leaves as it is, besides letters and digits.
_URI_COMPONENT_SAFE = "-_.!~*'()"
# What express's clearCookie sends: a date long past.
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class CookieSpec:
    name: str
    max_age: int
    domain: str | None
    secure: bool
    same_site: Literal["lax", "strict", "none"]
    path: str = "/"

    def set(self, response: Response, value: str, now: datetime) -> None:
        """The cookie for `max_age` seconds from `now` (the server's clock)."""
        self._write(response, value, self.max_age, now + timedelta(seconds=self.max_age))

    def clear(self, response: Response) -> None:
        """Tells the browser to drop the cookie at once."""
        self._write(response, "", 0, _EPOCH)

    def _write(self, response: Response, value: str, max_age: int, expires: datetime) -> None:
        # In the order and spelling of express's `cookie` module; the value encoded as its
        # encodeURIComponent does (tokens pass through unchanged).
        parts = [f"{self.name}={quote(value, safe=_URI_COMPONENT_SAFE)}", f"Max-Age={max_age}"]
        if self.domain is not None:
            parts.append(f"Domain={self.domain}")
        parts += [f"Path={self.path}", f"Expires={format_datetime(expires, usegmt=True)}"]
        parts.append("HttpOnly")
        if self.secure:
            parts.append("Secure")
        parts.append(f"SameSite={_SAME_SITE[self.same_site]}")
        response.raw_headers.append((b"set-cookie", "; ".join(parts).encode("latin-1")))


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


def deliver_tokens(
    response: Response, settings: Settings, issued: IssuedTokens, now: datetime
) -> IssuedTokens:
    """Moves tokens into cookies as the mode asks; returns what the body may carry."""
    if issued.mode is AuthMode.COOKIE and issued.refresh_token is not None:
        refresh_cookie(settings).set(response, issued.refresh_token, now)
        return replace(issued, refresh_token=None)
    if issued.mode is AuthMode.SESSION:
        session_cookie(settings).set(response, issued.access_token, now)
        return replace(issued, refresh_token=None)
    return issued


def clear_auth_cookies(response: Response, settings: Settings, mode: AuthMode) -> None:
    if mode is AuthMode.COOKIE:
        refresh_cookie(settings).clear(response)
    elif mode is AuthMode.SESSION:
        session_cookie(settings).clear(response)
