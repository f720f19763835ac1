"""POST /admin/logout: ends this browser's session as auth_logout in session mode does (the
whole login: its refresh chain and its session-mode JWT), clears the cookie, then the login
page. A post (CSRF-checked) and never a GET, so no link or image on another site signs a
user out."""

from __future__ import annotations

from starlette.responses import Response

from app.http.cookies import session_cookie
from app.http.request_tokens import presented_session
from app.pages.context import PageRequest, page, see_other
from app.pages.redirects import LOGIN
from app.services.sessions import AuthMode


@page
async def logout_submit(context: PageRequest) -> Response:
    services = context.services
    presented = presented_session(
        context.request, services.settings, services.sessions, AuthMode.SESSION, None
    )
    if presented.session_id is not None:
        await services.sessions.logout(presented=presented, client=context.accountability.client)
    response = see_other(LOGIN)
    if not context.dead_cookie:  # else the page wrapper clears it already
        session_cookie(services.settings).clear(response)
    return response
