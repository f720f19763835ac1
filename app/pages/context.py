"""Per-request state of a page, and the wrapper every page handler runs in: who is signed in
(the API's session cookie), the CSRF check of every post, and errors shown as pages."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from app.accountability import Accountability
from app.errors import DirectusError
from app.http.cookies import session_cookie
from app.http.request_auth import authenticate_request, cookie_refused
from app.http.request_tokens import client_of
from app.pages import csrf
from app.pages.forms import read_form
from app.pages.rendering import render, services_of
from app.services.container import Services

logger = logging.getLogger("app.pages")

STALE_FORM = "This form has expired or was not sent from this site. Reload the page and try again."


@dataclass
class PageRequest:
    request: Request
    services: Services
    accountability: Accountability
    # The posted fields (CSRF already checked); empty for GET.
    form: dict[str, str] = field(default_factory=dict)
    # Set when the browser's session cookie no longer signs anyone in: the answer clears it.
    dead_cookie: bool = False

    @property
    def signed_in(self) -> bool:
        return self.accountability.user is not None

    def query(self, name: str) -> str | None:
        value = self.request.query_params.get(name)
        return value if value else None


PageHandler = Callable[[PageRequest], Awaitable[Response]]


async def _who(request: Request, services: Services) -> tuple[Accountability, bool]:
    """The signed-in user, or the anonymous caller when the cookie is missing or dead."""
    try:
        _, accountability = await authenticate_request(
            request, services.settings, services.authenticator
        )
        return accountability, False
    except DirectusError:
        # Only a dead cookie is cleared: a bad token in the URL (a link anyone can send)
        # must not sign the browser out.
        client = client_of(request, services.settings.ip_trust_proxy)
        return await services.authenticator.authenticate(None, client), cookie_refused(request)


def page(handler: PageHandler) -> Callable[[Request], Awaitable[Response]]:
    """Runs a page handler: a post must carry this browser's CSRF token; a coded error the
    handler did not show itself becomes a page saying so, never JSON or a trace."""

    async def run(request: Request) -> Response:
        services = services_of(request)
        try:
            accountability, dead = await _who(request, services)
            request.state.user_id = accountability.user
            context = PageRequest(request, services, accountability, dead_cookie=dead)
            if request.method == "POST":
                context.form = await read_form(request, services.settings.max_payload_size)
                if not csrf.valid(request, services.settings, context.form.get(csrf.FIELD)):
                    response = await message(request, "Form expired", STALE_FORM, status=403)
                    return _finish(context, response)
            return _finish(context, await handler(context))
        except DirectusError as error:
            return await message(request, "Something is wrong", error.message, status=error.status)
        except Exception:  # a page never shows a trace; the log keeps it
            logger.exception("Unexpected error on page %s", request.url.path)
            return await message(
                request, "Something went wrong", "Please try again in a moment.", status=500
            )

    return run


def _finish(context: PageRequest, response: Response) -> Response:
    if context.dead_cookie:
        session_cookie(context.services.settings).clear(response)
    return response


async def message(
    request: Request,
    title: str,
    text: str,
    *,
    status: int = 200,
    link: tuple[str, str] | None = None,
) -> Response:
    """A page that says one thing (done, expired, refused) and where to go next."""
    return await render(
        request, "message.html", {"title": title, "text": text, "link": link}, status=status
    )


def see_other(location: str) -> Response:
    return RedirectResponse(location, status_code=303)
