"""Authenticating an HTTP request, GraphQL and REST alike, and the answer when that fails:
a session cookie that no longer authenticates is cleared with the refusal, as Directus's
authenticate middleware does, so the browser stops presenting it."""

from __future__ import annotations

from starlette.requests import HTTPConnection
from starlette.responses import Response

from app.accountability import Accountability
from app.config import Settings
from app.errors import DirectusError, InvalidTokenError
from app.http.cookies import session_cookie
from app.http.errors import error_response
from app.http.request_tokens import client_of, token_and_source
from app.services.authenticator import Authenticator

# Set on request.state when the session cookie was refused: its refusal clears it.
_DEAD_COOKIE = "dead_session_cookie"


async def authenticate_request(
    request: HTTPConnection, settings: Settings, authenticator: Authenticator
) -> tuple[str | None, Accountability]:
    """The request's token (header, query parameter, else session cookie) and who it is.
    A session cookie refused as dead (ended, rotated past its grace, expired: 401) or
    unreadable (INVALID_TOKEN) marks the request so that the refusal clears it."""
    token, from_cookie = token_and_source(request, settings.session_cookie_name)
    client = client_of(request, settings.ip_trust_proxy)
    try:
        return token, await authenticator.authenticate(token, client)
    except DirectusError as error:
        if from_cookie and (error.status == 401 or isinstance(error, InvalidTokenError)):
            setattr(request.state, _DEAD_COOKIE, True)
        raise


def cookie_refused(request: HTTPConnection) -> bool:
    """Whether the request's session cookie was what failed to authenticate (not a token
    from the header or the URL, which must never cost the browser its cookie)."""
    return bool(getattr(request.state, _DEAD_COOKIE, False))


def refusal_response(request: HTTPConnection, error: DirectusError, settings: Settings) -> Response:
    """The coded error, with a clearing session cookie when the cookie was what failed."""
    response = error_response(error)
    if cookie_refused(request):
        session_cookie(settings).clear(response)
    return response
