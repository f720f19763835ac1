"""/admin/account: the signed-in user's profile, password, two-factor, passkeys and sessions.

Each form posts to its own path and calls the service the API calls for the same change
(update_users_me, users_me_tfa_*, users_me_passkey_*), with the caller's permissions: the page
offers what they allow and the service refuses the rest, whatever a crafted form sends. A
change that worked redirects back with a fixed notice (reloading the page never posts again);
one that failed renders the page with the service's message beside the form."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from starlette.responses import Response

from app.errors import DirectusError, InvalidPayloadError
from app.pages.account_view import PROFILE_NAMES, AccountView, account_view
from app.pages.context import PageRequest, page, see_other
from app.pages.csrf import FIELD as CSRF_FIELD
from app.pages.passkey_list import passkey_rows
from app.pages.redirects import ACCOUNT, LOGIN
from app.pages.rendering import render
from app.pages.session_list import session_rows
from app.pages.tfa_state import TfaSetup
from app.services.passkeys import NAME_LENGTH as PASSKEY_NAME_LENGTH

NOTICES = {
    "profile": "Your profile was saved.",
    "nothing": "Nothing was changed.",
    "password": "Your password was changed. Every other session of yours was signed out.",
    "tfa-on": "Two-factor authentication is on. You will need a code at every sign-in.",
    "recovery": "You have new recovery codes. The old ones no longer work.",
    "tfa-off": "Two-factor authentication is off.",
    "session": "That session was signed out.",
    "others": "Every other session of yours was signed out.",
    "passkey-added": "Your passkey was added. You can sign in with it now.",
    "passkey-renamed": "Your passkey was renamed.",
    "passkey-deleted": "That passkey was deleted: it no longer signs you in.",
}
MISMATCH = "The new passwords do not match."
NO_CURRENT = "Enter your current password."


def to_login(path: str) -> Response:
    return see_other(f"{LOGIN}?redirect={quote(path, safe='/')}")


async def render_account(
    context: PageRequest,
    *,
    status: int = 200,
    errors: dict[str, str] | None = None,
    tfa: TfaSetup | None = None,
    posted: dict[str, str] | None = None,
    view: AccountView | None = None,
    recovery_codes: list[str] | None = None,
    done: str | None = None,
    passkey_confirm: str | None = None,
) -> Response:
    """The page; `errors` by form ("profile", "password", "tfa", "passkeys", "sessions"),
    `posted` the profile form's values to show again after a refusal. `recovery_codes`: a
    set just made, shown by this answer only (with `done`, the notice of the change that made
    it); `passkey_confirm` the passkey whose delete asks for the password."""
    view = view or await account_view(context.services, context.accountability)
    profile = [
        (shown.field, (posted or {}).get(shown.field.name, shown.value)) for shown in view.editable
    ]
    notice = NOTICES.get(done or context.query("done") or "")
    values: dict[str, Any] = {
        "view": view,
        "profile": profile,
        "notice": notice,
        "errors": errors or {},
        "tfa": tfa,
        "tfa_base": ACCOUNT + "/tfa",
        "recovery_codes": recovery_codes,
        "passkeys": await passkey_rows(context),
        "passkey_confirm": passkey_confirm,
        "passkey_name_max": PASSKEY_NAME_LENGTH,
        "sessions": await session_rows(context),
        # Where the keyboard starts: the form that needs the user next.
        "focus": "tfa" if tfa is not None else next(iter(errors or {}), None),
    }
    return await render(context.request, "account.html", values, status=status)


@page
async def account_page(context: PageRequest) -> Response:
    if not context.signed_in:
        return to_login(ACCOUNT)
    return await render_account(context)


@page
async def admin_root(context: PageRequest) -> Response:
    """/admin, where Directus's Data Studio starts: the account page."""
    return see_other(ACCOUNT)


@page
async def profile_submit(context: PageRequest) -> Response:
    if not context.signed_in:
        return to_login(ACCOUNT)
    posted = {k: v for k, v in context.form.items() if k != CSRF_FIELD}
    view = await account_view(context.services, context.accountability)
    try:
        unexpected = sorted(set(posted) - PROFILE_NAMES)
        if unexpected:
            raise InvalidPayloadError(f'"{unexpected[0]}" is not a field of this form')
        # Only what changed is sent, so an untouched field needs no grant to write it.
        changes = {
            name: value.strip() or None
            for name, value in posted.items()
            if (value.strip() or None) != view.values.get(name)
        }
        if not changes:
            return see_other(ACCOUNT + "?done=nothing")
        services = context.services
        access = await services.users.access_for(context.accountability)
        await services.users.update_me(access, changes)
    except DirectusError as error:
        return await render_account(
            context,
            status=error.status,
            errors={"profile": error.message},
            posted=posted,
            view=view,
        )
    return see_other(ACCOUNT + "?done=profile")


@page
async def password_submit(context: PageRequest) -> Response:
    """As update_users_me with `current_password`: the reauthentication rule, the password
    policy, the audit entry, and the user's other sessions ended."""
    if not context.signed_in:
        return to_login(ACCOUNT)
    form = context.form
    current = form.get("current_password", "")
    new = form.get("password", "")
    view = await account_view(context.services, context.accountability)
    try:
        if new != form.get("password_repeat", ""):
            raise InvalidPayloadError(MISMATCH)
        if not current and view.has_password:
            raise InvalidPayloadError(NO_CURRENT)
        services = context.services
        access = await services.users.access_for(context.accountability)
        await services.users.update_me(access, {"password": new}, current or None)
    except DirectusError as error:
        return await render_account(
            context, status=error.status, errors={"password": error.message}, view=view
        )
    return see_other(ACCOUNT + "?done=password")
