"""The account page's session forms: "sign out" per session and "sign out everywhere
else", through SessionsService as users_me_sessions_revoke and auth_logout(scope: others)
call it (its rules: only the caller's own sessions; its audit entries)."""

from __future__ import annotations

from starlette.responses import Response

from app.errors import DirectusError
from app.http.request_tokens import request_session
from app.pages.account import render_account, to_login
from app.pages.context import PageRequest, page, see_other
from app.pages.redirects import ACCOUNT
from app.services.sessions import LogoutScope

NO_SESSION = "This browser is not signed in with a session: sign in on the login page first."


@page
async def revoke_submit(context: PageRequest) -> Response:
    """Ends one login (the user's own only; any other id is FORBIDDEN, as for the API).
    Ending this browser's own sends it to the login on its next page."""
    if not context.signed_in:
        return to_login(ACCOUNT)
    session_id = context.form.get("session", "")
    try:
        await context.services.sessions.revoke_session(context.accountability, session_id)
    except DirectusError as error:
        return await render_account(
            context, status=error.status, errors={"sessions": error.message}
        )
    return see_other(ACCOUNT + "?done=session")


@page
async def others_submit(context: PageRequest) -> Response:
    """auth_logout(scope: others) for this browser's session: every other login ends."""
    if not context.signed_in:
        return to_login(ACCOUNT)
    services = context.services
    current = request_session(context.request, services.settings, context.accountability)
    if current is None:  # signed in with a static token: no session is "this one"
        return await render_account(context, status=400, errors={"sessions": NO_SESSION})
    try:
        await services.sessions.logout(
            presented=current, scope=LogoutScope.OTHERS, client=context.accountability.client
        )
    except DirectusError as error:
        return await render_account(
            context, status=error.status, errors={"sessions": error.message}
        )
    return see_other(ACCOUNT + "?done=others")
