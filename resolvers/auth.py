"""auth_login, auth_refresh, auth_logout."""

from __future__ import annotations

import strawberry

from app.http.cookies import clear_auth_cookies, deliver_tokens
from app.http.request_tokens import presented_session
from app.services.sessions import AuthMode, PresentedSession
from resolvers.context import Context, Info
from resolvers.types.auth import AuthModeEnum, AuthTokens
from resolvers.types.sessions import LogoutScopeEnum


def _mode(mode: AuthModeEnum | None) -> AuthModeEnum:
    return mode or AuthModeEnum.json


def _presented(ctx: Context, mode: AuthMode, refresh_token: str | None) -> PresentedSession:
    """The session a refresh or logout names: the argument, else the mode's cookie."""
    return presented_session(
        ctx.request, ctx.services.settings, ctx.services.sessions, mode, refresh_token or None
    )


@strawberry.type
class AuthMutation:
    @strawberry.mutation
    async def auth_login(
        self,
        info: Info,
        email: str,
        password: str,
        mode: AuthModeEnum | None = strawberry.UNSET,
        otp: str | None = strawberry.UNSET,
    ) -> AuthTokens | None:
        ctx = info.context
        issued = await ctx.services.auth.login(
            email=email,
            password=password,
            mode=_mode(mode).to_app(),
            otp=otp or None,
            client=ctx.accountability.client,
        )
        return AuthTokens.from_issued(
            deliver_tokens(
                ctx.http_response, ctx.services.settings, issued, ctx.services.clock.now()
            )
        )

    @strawberry.mutation
    async def auth_refresh(
        self,
        info: Info,
        refresh_token: str | None = strawberry.UNSET,
        mode: AuthModeEnum | None = strawberry.UNSET,
    ) -> AuthTokens | None:
        ctx = info.context
        app_mode = _mode(mode).to_app()
        presented = _presented(ctx, app_mode, refresh_token)
        issued = await ctx.services.sessions.refresh(
            presented=presented, mode=app_mode, client=ctx.accountability.client
        )
        return AuthTokens.from_issued(
            deliver_tokens(
                ctx.http_response, ctx.services.settings, issued, ctx.services.clock.now()
            )
        )

    @strawberry.mutation
    async def auth_logout(
        self,
        info: Info,
        refresh_token: str | None = strawberry.UNSET,
        mode: AuthModeEnum | None = strawberry.UNSET,
        scope: LogoutScopeEnum | None = strawberry.UNSET,
    ) -> bool | None:
        """`scope`: this login (local, the default), every other one (others) or all."""
        ctx = info.context
        app_mode = _mode(mode).to_app()
        presented = _presented(ctx, app_mode, refresh_token)
        await ctx.services.sessions.logout(
            presented=presented,
            scope=(scope or LogoutScopeEnum.local).to_app(),
            client=ctx.accountability.client,
        )
        clear_auth_cookies(ctx.http_response, ctx.services.settings, app_mode)
        return True
