"""/auth (the providers), /auth/login/:provider (start, callback) and its LDAP POST."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from urllib.parse import quote, urlsplit, urlunsplit

from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response

from app.errors import DirectusError
from app.http.cookies import CookieSpec, deliver_tokens
from app.http.errors import error_response
from app.http.request_tokens import client_of
from app.http.rest.auth import mode_of, tokens_answer
from app.http.rest.context import RestContext, data, endpoint, text_field
from app.services.container import Services
from app.services.sso import LoginResult, login_path, state_cookie_name


@endpoint
async def providers(ctx: RestContext) -> JSONResponse:
    sso = ctx.services.sso
    listed = [
        {"name": p.name, "driver": p.driver, "icon": p.icon, "label": p.label}
        for p in sso.providers()
    ]
    return data(listed, {"disableDefault": sso.config.disable_default})


@endpoint
async def login_with_provider(ctx: RestContext) -> Response:
    """POST /auth/login/:provider — Directus's LDAP login (identifier, password, otp, mode)."""
    body = await ctx.object_body()
    issued = await ctx.services.auth.login_ldap(
        provider=str(ctx.request.path_params["provider"]),
        identifier=text_field(body, "identifier") or "",
        password=text_field(body, "password") or "",
        mode=mode_of(body),
        otp=text_field(body, "otp", required=False),
        client=ctx.accountability.client,
    )
    return tokens_answer(ctx, issued)


def _browser(
    handler: Callable[[Request, Services], Awaitable[Response]],
) -> Callable[[Request], Awaitable[Response]]:
    """The browser's legs of a login: no token is read (a stale one must not stop a login),
    and a coded error that cannot go back to a redirect is answered as JSON."""

    async def run(request: Request) -> Response:
        services: Services = request.app.state.services
        try:
            return await handler(request, services)
        except DirectusError as error:
            return error_response(error)

    return run


def _query(request: Request, name: str) -> str | None:
    value = request.query_params.get(name)
    return value if value else None


@_browser
async def login_start(request: Request, services: Services) -> Response:
    """GET /auth/login/:provider?redirect=… — off to the provider."""
    start = await services.sso.start(
        str(request.path_params["provider"]),
        redirect=_query(request, "redirect"),
        mode=_query(request, "mode"),
        otp=_query(request, "otp"),
        client=client_of(request, services.settings.ip_trust_proxy),
    )
    response = RedirectResponse(start.location, status_code=302)
    _state_cookie(services, start.cookie_name, start.cookie_path, start.max_age_s).set(
        response, start.cookie_value, services.clock.now()
    )
    return response


def _state_cookie(services: Services, name: str, path: str, max_age: int = 0) -> CookieSpec:
    """The cookie that carries a login attempt's state from its start to its callback."""
    secure = services.settings.public_url.startswith("https://")
    return CookieSpec(name, max_age, domain=None, secure=secure, same_site="lax", path=path)


@_browser
async def login_callback(request: Request, services: Services) -> Response:
    """GET /auth/login/:provider/callback — back from the provider."""
    name = str(request.path_params["provider"])
    provider = services.sso.config.get(name)
    cookie_name = state_cookie_name(provider) if provider else None
    result = await services.sso.callback(
        name,
        params=dict(request.query_params),
        state_cookie=request.cookies.get(cookie_name) if cookie_name else None,
        client=client_of(request, services.settings.ip_trust_proxy),
    )
    response = _answer(result, services)
    if provider is not None and cookie_name is not None:
        # The attempt is over either way: its cookie is spent.
        _state_cookie(services, cookie_name, login_path(provider)).clear(response)
    return response


def _answer(result: LoginResult, services: Services) -> Response:
    if result.error is not None:
        if result.redirect is None:
            return error_response(result.error)
        # As Directus: the redirect without its query (nor fragment), and the reason.
        parts = urlsplit(result.redirect)
        target = urlunsplit((parts.scheme, parts.netloc, parts.path, "", ""))
        return RedirectResponse(f"{target}?reason={quote(result.error.code)}", status_code=302)
    assert result.issued is not None
    if result.redirect is None:
        issued = result.issued
        payload = {
            "access_token": issued.access_token,
            "refresh_token": issued.refresh_token,
            "expires": issued.expires_ms,
        }
        return JSONResponse({"data": payload})
    response = RedirectResponse(result.redirect, status_code=302)
    deliver_tokens(response, services.settings, result.issued, services.clock.now())
    return response
