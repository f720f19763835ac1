"""/admin/accept-invite?token= (Directus's Data Studio path): the invited person chooses a
password, through the service users_invite_accept calls; the account becomes active."""

from __future__ import annotations

from starlette.responses import Response

from app.errors import DirectusError
from app.pages.context import PageRequest, message, page
from app.pages.passwords import new_password, set_password_form
from app.pages.token_links import INVITE_LINK, bad_link, is_link_error
from app.services.flow_links import INVITE_PATH, LOGIN_PATH

_NO_TOKEN = "Open the link of your invitation mail: it carries what this page needs."


@page
async def invite_page(context: PageRequest) -> Response:
    token = context.query("token")
    if token is None:
        return await message(
            context.request,
            "Invitation link needed",
            _NO_TOKEN,
            status=400,
            link=(LOGIN_PATH, "Sign in"),
        )
    return await _checked(context, token, None)


@page
async def invite_submit(context: PageRequest) -> Response:
    token = context.form.get("token", "")
    password, problem = new_password(context.form)
    if problem is not None:
        return await _checked(context, token, problem)
    try:
        await context.services.flows.accept_invite(token, password, context.accountability.client)
    except DirectusError as error:
        if is_link_error(error):
            return await bad_link(context, INVITE_LINK, error)
        return await _checked(context, token, error.message, status=error.status)
    return await message(
        context.request,
        "Your account is ready",
        "Your password is set and your account is active. Sign in to continue.",
        link=(LOGIN_PATH, "Sign in"),
    )


async def _checked(
    context: PageRequest, token: str, error: str | None, *, status: int = 400
) -> Response:
    """The password form when the invitation still works, else the page saying why not."""
    try:
        email = await context.services.flows.check_invite(token)
    except DirectusError as failure:
        if is_link_error(failure):
            return await bad_link(context, INVITE_LINK, failure)
        raise
    return await set_password_form(
        context,
        heading="Accept your invitation",
        help=f"Choose the password for {email}. You sign in with it from now on.",
        action=INVITE_PATH,
        submit="Set the password",
        token=token,
        email=email,
        error=error,
        status=status if error else 200,
    )
