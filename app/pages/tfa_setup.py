"""/admin/tfa-setup (Directus's path): where the login page sends a user whose policy
enforces TFA and who has none; the account page's TFA set-up on a page of its own, then on
to the account. The API refuses such a user nothing (its token only carries
`enforce_tfa: true` for the app to act on), so neither does the account page: this page
asks first, and the account page keeps saying so until TFA is on."""

from __future__ import annotations

from starlette.responses import Response

from app.pages.account import to_login
from app.pages.account_view import account_view
from app.pages.context import PageRequest, page, see_other
from app.pages.redirects import ACCOUNT, TFA_SETUP
from app.pages.rendering import render
from app.pages.tfa_state import TfaSetup


async def on_setup_page(
    context: PageRequest, setup: TfaSetup | None, error: str | None, status: int
) -> Response:
    view = await account_view(context.services, context.accountability)
    if view.tfa_enabled:
        return see_other(ACCOUNT)
    values = {
        "view": view,
        "tfa": setup,
        "tfa_base": TFA_SETUP,
        "recovery_codes": None,
        "errors": {"tfa": error} if error else {},
        "focus": "tfa",
    }
    return await render(context.request, "tfa_setup.html", values, status=status)


@page
async def setup_page(context: PageRequest) -> Response:
    if not context.signed_in:
        return to_login(TFA_SETUP)
    return await on_setup_page(context, None, None, 200)
