"""Where a request carries its token: header, query parameter or session cookie."""

from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit

from starlette.requests import HTTPConnection

from app.accountability import Accountability, ClientInfo
from app.config import Settings
from app.errors import InvalidPayloadError
from app.services.sessions import AuthMode, PresentedSession, SessionsService


def access_token_of(
    request: HTTPConnection, session_cookie_name: str, *, cookie: bool = True
) -> str | None:
    return token_and_source(request, session_cookie_name, cookie=cookie)[0]


def token_and_source(
    request: HTTPConnection, session_cookie_name: str, *, cookie: bool = True
) -> tuple[str | None, bool]:
    """The request's token, and whether it is the session cookie's (header and query
    parameter come first)."""
    header_token: str | None = None
    authorization = request.headers.get("authorization")
    if authorization:
        scheme, _, value = authorization.partition(" ")
        if scheme.lower() == "bearer" and value.strip():
            header_token = value.strip()
    query_token = request.query_params.get("access_token")
    if header_token and query_token:
        raise InvalidPayloadError(
            "The request uses more than one method for including an access token"
        )
    explicit = header_token or query_token
    if explicit:
        return explicit, False
    from_cookie = request.cookies.get(session_cookie_name) if cookie else None
    return from_cookie or None, bool(from_cookie)


def socket_may_use_cookies(request: HTTPConnection, settings: Settings) -> bool:
    """Whether a WebSocket handshake may authenticate with the session cookie. Browsers send
    cookies on cross-site socket handshakes and no CORS check stops the page reading the
    answers, so a page of another origin gets the cookie's user only where a credentialed
    fetch from it would be allowed: the same origin, an origin CORS_ORIGIN lists (with
    CORS_CREDENTIALS), or CORS_ORIGIN=true. `*` and `null` never."""
    origin = (request.headers.get("origin") or "").strip().lower().rstrip("/")
    if not origin:
        return True  # not a browser page: nothing to hijack
    scheme = "https" if request.url.scheme in ("wss", "https") else "http"
    own = {f"{scheme}://{request.headers.get('host', '').lower()}", _origin_of(settings.public_url)}
    if origin in own:
        return True
    if origin == "null" or not (settings.cors_enabled and settings.cors_credentials):
        return False
    origins = [entry.strip().lower().rstrip("/") for entry in settings.cors_origin]
    return origins == ["true"] or (origins != ["*"] and origin in origins)


def _origin_of(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}".lower()


def client_ip(request: HTTPConnection, trust_proxy: bool) -> str | None:
    """The peer's address; X-Forwarded-For only when IP_TRUST_PROXY says a proxy sets it."""
    if trust_proxy:
        forwarded = request.headers.get("x-forwarded-for")
        if forwarded:
            # The client's own text: it goes into logs and the audit only as an address.
            address = _address(forwarded.split(",")[0].strip())
            if address:
                return address
    return request.client.host if request.client else None


def _address(text: str) -> str | None:
    """The IP address in an X-Forwarded-For entry (some proxies add the port:
    `192.0.2.1:4711`, `[2001:db8::1]:4711`), or None when it holds none."""
    candidates = [text]
    host, colon, port = text.rpartition(":")
    if colon and port.isdigit():
        candidates.append(host[1:-1] if host.startswith("[") and host.endswith("]") else host)
    for candidate in candidates:
        try:
            return str(ipaddress.ip_address(candidate))
        except ValueError:
            continue
    return None


def client_of(request: HTTPConnection, trust_proxy: bool) -> ClientInfo:
    return ClientInfo(
        ip=client_ip(request, trust_proxy),
        user_agent=request.headers.get("user-agent"),
        origin=request.headers.get("origin"),
    )


def presented_session(
    request: HTTPConnection,
    settings: Settings,
    sessions: SessionsService,
    mode: AuthMode,
    refresh_token: str | None,
) -> PresentedSession:
    """The session a refresh or logout names, read where the mode keeps it."""
    if mode is AuthMode.SESSION:
        cookie = request.cookies.get(settings.session_cookie_name)
        return PresentedSession(session_id=sessions.session_of_cookie(cookie))
    if mode is AuthMode.COOKIE:
        return PresentedSession(
            refresh_token=refresh_token or request.cookies.get(settings.refresh_token_cookie_name)
        )
    return PresentedSession(refresh_token=refresh_token)


def request_session(
    request: HTTPConnection, settings: Settings, accountability: Accountability
) -> PresentedSession | None:
    """The login a request rides on, for the sessions list's `current`: its session JWT's
    session, else its refresh cookie's. A JSON-mode access token names none."""
    if accountability.session:
        return PresentedSession(session_id=accountability.session)
    cookie = request.cookies.get(settings.refresh_token_cookie_name)
    return PresentedSession(refresh_token=cookie) if cookie else None
