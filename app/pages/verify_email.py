"""The registration's verification link, opened in a browser: it verifies and redirects as
Directus does (to /admin/users/<id>), where a page says the address is verified; a link that
does not work gets a page saying so. An API client (one that asks for JSON, or takes
anything, as fetch and the SDK do) keeps the API's answer: the REST handler's 204 or coded
error."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from app.errors import DirectusError
from app.http.media import prefers_html
from app.http.rest.users import verify_registration as verify_for_api_clients
from app.pages.context import PageRequest, message, page, see_other
from app.services.flow_links import LOGIN_PATH, verified_user_path

# A one-time note from the verification to the page it redirects to: the page's words then
# do not depend on anything a link could carry (no "verified" flag anyone could forge).
NOTICE = "dauth_verified"
_NOTICE_SECONDS = 120


async def verify_email(request: Request) -> Response:
    if not prefers_html(request.headers.get("accept", "")):
        return await verify_for_api_clients(request)
    return await _verify_in_browser(request)


@page
async def _verify_in_browser(context: PageRequest) -> Response:
    token = context.query("token")
    if token is None:
        return RedirectResponse(LOGIN_PATH, status_code=302)
    try:
        user_id = await context.services.flows.verify_registration(
            token, context.accountability.client
        )
    except DirectusError as error:
        return await message(
            context.request,
            "Email address not verified",
            _failure(error),
            status=error.status,
            link=(LOGIN_PATH, "Sign in"),
        )
    response = RedirectResponse(verified_user_path(user_id), status_code=302)
    response.set_cookie(
        NOTICE,
        "1",
        max_age=_NOTICE_SECONDS,
        path="/admin/users",
        httponly=True,
        samesite="lax",
        secure=context.services.settings.public_url.startswith("https://"),
    )
    return response


def _failure(error: DirectusError) -> str:
    if error.code == "TOKEN_EXPIRED":
        return "This verification link has expired. Register again to get a new one."
    if error.code in ("INVALID_TOKEN", "FORBIDDEN"):
        return "This verification link is not valid: it may have been cut off or mistyped."
    if error.code == "INVALID_PAYLOAD":
        return (
            "This link cannot verify a registration: the address may be verified already "
            "(then sign in), or a newer registration replaced this one (use the newest mail)."
        )
    return error.message


@page
async def user_page(context: PageRequest) -> Response:
    """Directus's user page path, where the verification link lands: with the note, the
    page says the address is verified; otherwise it sends the browser to sign in (which
    goes on to the account page)."""
    if context.request.cookies.get(NOTICE) != "1":
        return see_other(LOGIN_PATH)
    response = await message(
        context.request,
        "Email address verified",
        "Your email address is verified and your account is active. You can sign in now.",
        link=(LOGIN_PATH, "Sign in"),
    )
    response.delete_cookie(NOTICE, path="/admin/users")
    return response
