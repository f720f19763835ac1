"""Two-factor forms, on /admin/account and /admin/tfa-setup alike: generate (the password
proves the owner, as users_me_tfa_generate), enable with a code of the new secret, disable
with a current code, and a new set of recovery codes for a current code. Each calls
TfaService as the GraphQL mutations do: the same permission check on the caller's own
`tfa_secret`, rate limits, lockout and audit.

Enabling and regenerating answer with the account page itself rather than a redirect: it
shows the recovery codes, which are kept nowhere to show again."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from starlette.requests import Request
from starlette.responses import Response

from app.errors import DirectusError, ForbiddenError
from app.pages.account import render_account, to_login
from app.pages.account_view import account_view
from app.pages.context import PageRequest, page, see_other
from app.pages.redirects import ACCOUNT
from app.pages.tfa_state import TfaSetup

# Renders the page a TFA form belongs to: the secret being set up, the error, the status.
Surface = Callable[[PageRequest, TfaSetup | None, str | None, int], Awaitable[Response]]
Handler = Callable[[Request], Awaitable[Response]]


def generate(surface: Surface, path: str) -> Handler:
    @page
    async def run(context: PageRequest) -> Response:
        user = context.accountability.user
        if user is None:
            return to_login(path)
        password = context.form.get("password") or None
        client = context.accountability.client
        try:
            secret, url = await context.services.tfa.generate(user, password, client)
        except DirectusError as error:
            return await surface(context, None, error.message, error.status)
        return await surface(context, TfaSetup.of(secret, url), None, 200)

    return run


def enable(surface: Surface, path: str) -> Handler:
    @page
    async def run(context: PageRequest) -> Response:
        user = context.accountability.user
        if user is None:
            return to_login(path)
        services = context.services
        secret = context.form.get("secret", "")
        otp = context.form.get("otp", "").strip()
        try:
            # Shown again beside a wrong code; a secret that is not one of ours is refused.
            setup = TfaSetup.of(secret, await services.tfa.otpauth_url(user, secret))
        except DirectusError as error:
            return await surface(context, None, error.message, error.status)
        try:
            access = await services.users.access_for(context.accountability)
            codes = await services.tfa.enable(access, otp, secret, context.accountability.client)
        except ForbiddenError as error:
            return await surface(context, None, error.message, error.status)
        except DirectusError as error:
            return await surface(context, setup, error.message, error.status)
        view = await account_view(services, context.accountability)
        return await render_account(
            context, view=view.with_tfa_on(len(codes)), recovery_codes=codes, done="tfa-on"
        )

    return run


def disable(surface: Surface, path: str) -> Handler:
    @page
    async def run(context: PageRequest) -> Response:
        if context.accountability.user is None:
            return to_login(path)
        services = context.services
        otp = context.form.get("otp", "").strip()
        try:
            access = await services.users.access_for(context.accountability)
            await services.tfa.disable(access, otp, context.accountability.client)
        except DirectusError as error:
            return await surface(context, None, error.message, error.status)
        return see_other(ACCOUNT + "?done=tfa-off")

    return run


@page
async def regenerate_recovery_codes(context: PageRequest) -> Response:
    user = context.accountability.user
    if user is None:
        return to_login(ACCOUNT)
    otp = context.form.get("otp", "").strip()
    tfa = context.services.tfa
    try:
        codes = await tfa.regenerate_recovery_codes(user, otp, context.accountability.client)
    except DirectusError as error:
        errors = {"recovery": error.message}
        return await render_account(context, status=error.status, errors=errors)
    return await render_account(context, recovery_codes=codes, done="recovery")


async def on_account(
    context: PageRequest, setup: TfaSetup | None, error: str | None, status: int
) -> Response:
    return await render_account(
        context, status=status, errors={"tfa": error} if error else None, tfa=setup
    )
