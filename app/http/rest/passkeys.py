"""/auth/passkey/options, /auth/passkey/login and /users/me/passkeys(/options, /:id): the
REST twins of auth_passkey_options, auth_login_passkey and the users_me_passkey* operations
(an addition to Directus's API). The rules are PasskeysService's and PasskeyLogin's."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from starlette.responses import JSONResponse, Response

from app.errors import InvalidCredentialsError, InvalidPayloadError
from app.http.rest.auth import mode_of, tokens_answer
from app.http.rest.context import RestContext, data, endpoint, text_field
from app.permissions.concealed import iso_instant
from app.services.passkeys import PasskeyView


def _shown(view: PasskeyView) -> dict[str, Any]:
    return {
        "id": view.id,
        "name": view.name,
        "date_created": iso_instant(view.date_created),
        "last_used": iso_instant(view.last_used),
        "transports": view.transports,
        "aaguid": view.aaguid,
    }


def _me(ctx: RestContext) -> str:
    """As /users/me: Directus answers INVALID_CREDENTIALS to a caller with no user."""
    user = ctx.accountability.user
    if user is None:
        raise InvalidCredentialsError()
    return user


def _credential(body: Mapping[str, Any]) -> object:
    value = body.get("credential")
    if value is None:
        raise InvalidPayloadError('"credential" is required')
    return value


@endpoint
async def login_options(ctx: RestContext) -> JSONResponse:
    """GET with ?email=, or POST with {"email"}; the email is optional."""
    if ctx.request.method == "GET":
        email = ctx.request.query_params.get("email")
    else:
        email = text_field(await ctx.object_body(), "email", required=False)
    options = await ctx.services.passkey_login.options(email or None, ctx.accountability.client)
    return data(options)


@endpoint
async def login(ctx: RestContext) -> Response:
    body = await ctx.object_body()
    issued = await ctx.services.passkey_login.login(
        _credential(body), mode_of(body), ctx.accountability.client
    )
    return tokens_answer(ctx, issued)


@endpoint
async def register_options(ctx: RestContext) -> JSONResponse:
    """`{"password"}` in the body, or a login within AUTH_FRESH_LOGIN_WINDOW."""
    _me(ctx)
    password = text_field(await ctx.object_body(), "password", required=False)
    return data(await ctx.services.passkeys.register_options(ctx.accountability, password))


@endpoint
async def register(ctx: RestContext) -> JSONResponse:
    user = _me(ctx)
    body = await ctx.object_body()
    view = await ctx.services.passkeys.register(
        user,
        _credential(body),
        text_field(body, "name", required=False),
        ctx.accountability.client,
    )
    return data(_shown(view))


@endpoint
async def my_passkeys(ctx: RestContext) -> JSONResponse:
    views = await ctx.services.passkeys.list(_me(ctx))
    return data([_shown(view) for view in views])


@endpoint
async def rename(ctx: RestContext) -> JSONResponse:
    user = _me(ctx)
    body = await ctx.object_body()
    passkey_id = ctx.request.path_params["id"]
    view = await ctx.services.passkeys.rename(user, passkey_id, text_field(body, "name"))
    return data(_shown(view))


@endpoint
async def delete(ctx: RestContext) -> None:
    """204; `{"password"}` in the body, or a login within AUTH_FRESH_LOGIN_WINDOW."""
    _me(ctx)
    body = await ctx.object_body()
    await ctx.services.passkeys.delete(
        ctx.accountability,
        ctx.request.path_params["id"],
        text_field(body, "password", required=False),
    )
