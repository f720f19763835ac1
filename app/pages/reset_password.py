"""/admin/reset-password (Directus's Data Studio path): without a token, the form that asks
for a reset link; with `?token=`, the form that sets the new password.

Both call the services the API's auth_password_request / auth_password_reset call, so the
answer to a request never tells whether the address has an account, and the password
policy, rate limits, the token's single use and the audit trail all apply."""

from __future__ import annotations

from starlette.responses import Response

from app.errors import DirectusError
from app.pages.context import PageRequest, message, page
from app.pages.passwords import new_password, set_password_form
from app.pages.rendering import render
from app.pages.token_links import RESET_LINK, bad_link, is_link_error
from app.services.flow_links import LOGIN_PATH, RESET_PATH

_SENT = (
    "If {email} belongs to an account here, a link to choose a new password is on its way. "
    "Check your inbox (and the spam folder); the link works once."
)


@page
async def reset_page(context: PageRequest) -> Response:
    token = context.query("token")
    if token is None:
        return await render(context.request, "reset_request.html", {"email": ""})
    try:
        email = await context.services.flows.check_reset_token(token)
    except DirectusError as error:
        if is_link_error(error):
            return await bad_link(context, RESET_LINK, error)
        raise
    return await _password_form(context, token, email)


@page
async def reset_submit(context: PageRequest) -> Response:
    if "token" in context.form:
        return await _reset(context, context.form["token"])
    email = context.form.get("email", "").strip()
    if not email:
        values = {"email": "", "error": "Enter the email address of your account."}
        return await render(context.request, "reset_request.html", values, status=400)
    try:
        await context.services.flows.request_password_reset(
            email, None, context.accountability.client
        )
    except DirectusError as error:  # a rate limit: says nothing about the address
        values = {"email": email, "error": error.message}
        return await render(context.request, "reset_request.html", values, status=error.status)
    return await message(
        context.request, "Check your inbox", _SENT.format(email=email), link=(LOGIN_PATH, "Sign in")
    )


async def _reset(context: PageRequest, token: str) -> Response:
    flows = context.services.flows
    try:
        email = await flows.check_reset_token(token)
    except DirectusError as error:
        if is_link_error(error):
            return await bad_link(context, RESET_LINK, error)
        raise
    password, problem = new_password(context.form)
    if problem is not None:
        return await _password_form(context, token, email, problem, status=400)
    try:
        await flows.reset_password(token, password, context.accountability.client)
    except DirectusError as error:
        if is_link_error(error):  # used by another tab meanwhile
            return await bad_link(context, RESET_LINK, error)
        return await _password_form(context, token, email, error.message, status=error.status)
    return await message(
        context.request,
        "Password changed",
        "Your password has been changed, and every session of your account has been ended. "
        "Sign in with the new password.",
        link=(LOGIN_PATH, "Sign in"),
    )


async def _password_form(
    context: PageRequest, token: str, email: str, error: str | None = None, *, status: int = 200
) -> Response:
    return await set_password_form(
        context,
        heading="Choose a new password",
        help=f"Choose a new password for {email}.",
        action=RESET_PATH,
        submit="Change the password",
        token=token,
        email=email,
        error=error,
        status=status,
    )
