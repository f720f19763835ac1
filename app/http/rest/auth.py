"""/auth: login, refresh, logout, password reset (the SSO routes are in sso.py)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from starlette.responses import JSONResponse, Response

from app.errors import InvalidPayloadError
from app.http.cookies import clear_auth_cookies, deliver_tokens
from app.http.request_tokens import presented_session
from app.http.rest.context import RestContext, data, endpoint, text_field
from app.services.sessions import AuthMode, IssuedTokens, LogoutScope, PresentedSession


def mode_of(body: dict[str, Any] | Any) -> AuthMode:
    raw = body.get("mode") or "json"
    try:
        return AuthMode(raw)
    except ValueError:
        raise InvalidPayloadError('"mode" has to be json, cookie or session') from None


def scope_of(body: Mapping[str, Any]) -> LogoutScope:
    raw = body.get("scope") or "local"
    try:
        return LogoutScope(raw)
    except ValueError:
        raise InvalidPayloadError('"scope" has to be local, others or global') from None


def tokens_answer(ctx: RestContext, issued: IssuedTokens) -> JSONResponse:
    shown = deliver_tokens(ctx.response, ctx.services.settings, issued, ctx.services.clock.now())
    payload: dict[str, Any] = {"expires": shown.expires_ms}
    if shown.mode is not AuthMode.SESSION:
        payload["access_token"] = shown.access_token
    if shown.refresh_token is not None:
        payload["refresh_token"] = shown.refresh_token
    return data(payload)


@endpoint
async def login(ctx: RestContext) -> Response:
    body = await ctx.object_body()
    issued = await ctx.services.auth.login(
        email=text_field(body, "email") or "",
        password=text_field(body, "password") or "",
        mode=mode_of(body),
        otp=text_field(body, "otp", required=False),
        client=ctx.accountability.client,
    )
    return tokens_answer(ctx, issued)


def _presented(ctx: RestContext, body: Mapping[str, Any], mode: AuthMode) -> PresentedSession:
    """The session a refresh or logout names: the body's refresh_token, else the mode's cookie."""
    refresh_token = text_field(body, "refresh_token", required=False)
    return presented_session(
        ctx.request, ctx.services.settings, ctx.services.sessions, mode, refresh_token
    )


@endpoint
async def refresh(ctx: RestContext) -> Response:
    body = await ctx.object_body()
    mode = mode_of(body)
    presented = _presented(ctx, body, mode)
    issued = await ctx.services.sessions.refresh(
        presented=presented, mode=mode, client=ctx.accountability.client
    )
    return tokens_answer(ctx, issued)


@endpoint
async def logout(ctx: RestContext) -> None:
    body = await ctx.object_body()
    mode = mode_of(body)
    presented = _presented(ctx, body, mode)
    await ctx.services.sessions.logout(
        presented=presented, scope=scope_of(body), client=ctx.accountability.client
    )
    clear_auth_cookies(ctx.response, ctx.services.settings, mode)


@endpoint
async def password_request(ctx: RestContext) -> None:
    body = await ctx.object_body()
    await ctx.services.flows.request_password_reset(
        text_field(body, "email") or "",
        text_field(body, "reset_url", required=False),
        ctx.accountability.client,
    )


@endpoint
async def password_reset(ctx: RestContext) -> None:
    body = await ctx.object_body()
    await ctx.services.flows.reset_password(
        text_field(body, "token") or "",
        text_field(body, "password") or "",
        ctx.accountability.client,
    )
