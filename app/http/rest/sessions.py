"""/users/me/sessions and /users/:id/sessions (GET, DELETE /:session): the REST twins of
users_me_sessions, users_me_sessions_revoke, `users_by_id { sessions }` and
users_sessions_revoke. The rules are SessionsService's."""

from __future__ import annotations

from typing import Any

from starlette.responses import JSONResponse

from app.errors import InvalidCredentialsError
from app.http.request_tokens import request_session
from app.http.rest.context import RestContext, data, endpoint
from app.permissions.concealed import iso_instant
from app.services.session_views import UserSession


def _shown(view: UserSession) -> dict[str, Any]:
    iso = iso_instant
    return {
        "id": view.id,
        "created": iso(view.created),
        "last_used": iso(view.last_used),
        "expires": iso(view.expires),
        "ip": view.ip,
        "user_agent": view.user_agent,
        "browser": view.browser,
        "os": view.os,
        "device": view.device,
        "current": view.current,
    }


def _me(ctx: RestContext) -> None:
    """As /users/me: Directus answers INVALID_CREDENTIALS to a caller with no user."""
    if ctx.accountability.user is None:
        raise InvalidCredentialsError()


async def _list(ctx: RestContext, user_id: str | None) -> JSONResponse:
    views = await ctx.services.sessions.list_sessions(
        ctx.accountability,
        user_id,
        current=request_session(ctx.request, ctx.services.settings, ctx.accountability),
    )
    return data([_shown(view) for view in views])


@endpoint
async def my_sessions(ctx: RestContext) -> JSONResponse:
    _me(ctx)
    return await _list(ctx, None)


@endpoint
async def revoke_my_session(ctx: RestContext) -> None:
    _me(ctx)
    session_id = str(ctx.request.path_params["session"])
    await ctx.services.sessions.revoke_session(ctx.accountability, session_id)


@endpoint
async def user_sessions(ctx: RestContext) -> JSONResponse:
    return await _list(ctx, str(ctx.request.path_params["id"]))


@endpoint
async def revoke_user_session(ctx: RestContext) -> None:
    params = ctx.request.path_params
    await ctx.services.sessions.revoke_session(
        ctx.accountability, str(params["session"]), str(params["id"])
    )
