"""/users/me/tfa/recovery-codes, additions to Directus's API: GET how many of the caller's
TFA recovery codes are unused, POST (a current TOTP `otp`) a new set, shown once. The REST
twins of users_me_tfa_recovery_codes_left and users_me_tfa_recovery_codes_regenerate."""

from __future__ import annotations

from starlette.responses import JSONResponse

from app.errors import InvalidCredentialsError
from app.http.rest.context import RestContext, data, endpoint, text_field


def _me(ctx: RestContext) -> str:
    """As /users/me: Directus answers INVALID_CREDENTIALS to a caller with no user."""
    if ctx.accountability.user is None:
        raise InvalidCredentialsError()
    return ctx.accountability.user


@endpoint
async def recovery_codes_left(ctx: RestContext) -> JSONResponse:
    remaining = await ctx.services.tfa.recovery_codes_left(_me(ctx))
    return data({"remaining": remaining})


@endpoint
async def regenerate_recovery_codes(ctx: RestContext) -> JSONResponse:
    user_id = _me(ctx)
    body = await ctx.object_body()
    codes = await ctx.services.tfa.regenerate_recovery_codes(
        user_id, text_field(body, "otp") or "", ctx.accountability.client
    )
    return data({"recovery_codes": codes})
