"""The account page's passkeys: the list, and the forms that add (the browser's answer that
passkeys.js posts), rename and delete one, through PasskeysService as users_me_passkey_*
call it (its rules: only the caller's own passkeys; a delete needs the password or a fresh
login; its audit entries).

A delete is first posted without a password: when the service asks for one (the login is not
fresh), the page shows its message and a password field on that passkey's row."""

from __future__ import annotations

from starlette.responses import Response

from app.errors import DirectusError
from app.pages.account import render_account, to_login
from app.pages.context import PageRequest, page, see_other
from app.pages.redirects import ACCOUNT


async def _refused(
    context: PageRequest, error: DirectusError, confirm: str | None = None
) -> Response:
    return await render_account(
        context, status=error.status, errors={"passkeys": error.message}, passkey_confirm=confirm
    )


@page
async def add_submit(context: PageRequest) -> Response:
    """The browser's PublicKeyCredential.toJSON() for the options POST
    /users/me/passkeys/options gave this user, as `credential`, and the name."""
    user = context.accountability.user
    if user is None:
        return to_login(ACCOUNT)
    form = context.form
    try:
        await context.services.passkeys.register(
            user, form.get("credential", ""), form.get("name"), context.accountability.client
        )
    except DirectusError as error:
        return await _refused(context, error)
    return see_other(ACCOUNT + "?done=passkey-added")


@page
async def rename_submit(context: PageRequest) -> Response:
    user = context.accountability.user
    if user is None:
        return to_login(ACCOUNT)
    form = context.form
    try:
        await context.services.passkeys.rename(user, form.get("passkey", ""), form.get("name"))
    except DirectusError as error:
        return await _refused(context, error)
    return see_other(ACCOUNT + "?done=passkey-renamed")


@page
async def delete_submit(context: PageRequest) -> Response:
    if not context.signed_in:
        return to_login(ACCOUNT)
    passkey = context.form.get("passkey", "")
    password = context.form.get("password") or None
    try:
        await context.services.passkeys.delete(context.accountability, passkey, password)
    except DirectusError as error:
        # Asked again with a password field on that row (a wrong one is refused the same way).
        return await _refused(context, error, confirm=passkey)
    return see_other(ACCOUNT + "?done=passkey-deleted")
