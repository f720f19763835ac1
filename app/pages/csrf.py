"""CSRF protection for the pages' forms: a per-browser secret in a cookie, and in each form a
token derived from it with the server's SECRET (an attacker's page can neither read the cookie
nor compute the token). Posts whose Origin names another site are refused before that."""

from __future__ import annotations

import hashlib
import hmac
import secrets

from starlette.requests import Request
from starlette.responses import Response

from app.config import Settings

COOKIE = "dauth_csrf"
FIELD = "csrf_token"
# The pages' forms all live under it; a page elsewhere must not set (and so replace) it.
COOKIE_PATH = "/admin"
_MAX_AGE = 60 * 60 * 24


def browser_secret(request: Request) -> str | None:
    value = request.cookies.get(COOKIE)
    return value if value and 20 <= len(value) <= 128 else None


def form_token(settings: Settings, secret: str) -> str:
    key = settings.secret.encode("utf-8")
    return hmac.new(key, b"pages-csrf:" + secret.encode("utf-8"), hashlib.sha256).hexdigest()


def ensure_secret(request: Request) -> tuple[str, bool]:
    """The browser's secret, and whether it is new (then the page must set the cookie)."""
    existing = browser_secret(request)
    if existing is not None:
        return existing, False
    return secrets.token_urlsafe(32), True


def set_cookie(response: Response, settings: Settings, secret: str) -> None:
    response.set_cookie(
        COOKIE,
        secret,
        max_age=_MAX_AGE,
        path=COOKIE_PATH,
        httponly=True,
        samesite="strict",
        secure=settings.public_url.startswith("https://"),
    )


def _same_site_origin(request: Request, settings: Settings) -> bool:
    """A browser names the page that posted (Origin, else Referer). When it does, it has to
    be this server, as the browser reached it or as PUBLIC_URL names it.

    Under the pages' own Referrer-Policy (no-referrer) a browser posts a form with
    `Origin: null` and no Referer: that names no page, so the token alone decides (the
    cookie it is checked against is SameSite=Strict: another site's post never carries it)."""
    origin = request.headers.get("origin")
    if origin == "null":
        origin = None
    origin = origin or request.headers.get("referer")
    if origin is None:
        return True
    own = {f"{request.url.scheme}://{request.url.netloc}", settings.public_url.rstrip("/")}
    trimmed = origin.rstrip("/")
    return any(trimmed == base or trimmed.startswith(base + "/") for base in own)


def valid(request: Request, settings: Settings, posted: str | None) -> bool:
    secret = browser_secret(request)
    if secret is None or not posted or not _same_site_origin(request, settings):
        return False
    return hmac.compare_digest(posted, form_token(settings, secret))
