"""/admin/login: email and password, then the one-time password when the account has TFA; or
a passkey, at the start (no email: any passkey of this site) or instead of the code.

Each submit is one login through AuthService (PasskeyLogin for a passkey), as an API
client's: the same stall, rate limit, lockout and audit. The OTP step posts the email and
password again with the code (as Directus's Data Studio does from memory), so no
half-signed-in state exists on the server. A passkey is two factors: its login needs no code."""

from __future__ import annotations

from typing import Any

from starlette.responses import Response

from app.errors import DirectusError, InvalidOtpError
from app.http.cookies import deliver_tokens
from app.pages.context import PageRequest, page, see_other
from app.pages.redirects import TFA_SETUP, local_path
from app.pages.rendering import render
from app.services.sessions import AuthMode, IssuedTokens


def _form(context: PageRequest, **values: Any) -> dict[str, Any]:
    return {
        "redirect": local_path(context.query("redirect") or context.form.get("redirect")),
        "email": "",
        "error": None,
        "otp_step": False,
        "password": "",
        **values,
    }


@page
async def login_page(context: PageRequest) -> Response:
    target = local_path(context.query("redirect"))
    if context.signed_in:
        return see_other(target)
    return await render(context.request, "login.html", _form(context))


@page
async def login_submit(context: PageRequest) -> Response:
    form = context.form
    email = form.get("email", "").strip()
    password = form.get("password", "")
    otp = form.get("otp", "").strip() or None
    services = context.services
    try:
        issued = await services.auth.login(
            email=email,
            password=password,
            mode=AuthMode.SESSION,
            otp=otp,
            client=context.accountability.client,
        )
    except InvalidOtpError as error:
        # The password was right: ask for the code (again, when the one sent was wrong).
        values = _form(
            context,
            email=email,
            password=password,
            otp_step=True,
            error=error.message if otp else None,
        )
        return await render(context.request, "login.html", values, status=401 if otp else 200)
    except DirectusError as error:
        values = _form(context, email=email, error=error.message)
        return await render(context.request, "login.html", values, status=error.status)
    return await _signed_in(context, issued)


@page
async def passkey_submit(context: PageRequest) -> Response:
    """The browser's PublicKeyCredential.toJSON() (passkeys.js) for the options
    /auth/passkey/options gave, as `credential`; a session like a password login's."""
    form = context.form
    services = context.services
    try:
        issued = await services.passkey_login.login(
            form.get("credential", ""), AuthMode.SESSION, context.accountability.client
        )
    except DirectusError as error:
        values = _form(context, email=form.get("email", "").strip(), error=error.message)
        return await render(context.request, "login.html", values, status=error.status)
    return await _signed_in(context, issued)


async def _signed_in(context: PageRequest, issued: IssuedTokens) -> Response:
    """Where a login lands: the TFA set-up when a policy enforces TFA and the user has none
    yet, else the page asked for; the session cookie set."""
    services = context.services
    signed_in = await services.authenticator.authenticate(
        issued.access_token, context.accountability.client
    )
    target = local_path(context.form.get("redirect"))
    response = see_other(TFA_SETUP if signed_in.enforce_tfa else target)
    deliver_tokens(response, services.settings, issued, services.clock.now())
    return response
