"""What a page says when a mailed link no longer works, and where it sends the person next.

The codes are the services' (the same the API answers): a link that is not one of ours
(INVALID_TOKEN, or a token of another purpose: FORBIDDEN from the scope check), one past its
time (TOKEN_EXPIRED), one already used (FORBIDDEN for a reset, INVALID_INVITE for an
invitation)."""

from __future__ import annotations

from dataclasses import dataclass

from starlette.responses import Response

from app.errors import DirectusError
from app.pages.context import PageRequest, message
from app.services.flow_links import LOGIN_PATH, RESET_PATH


@dataclass(frozen=True)
class LinkKind:
    """One kind of mailed link: how its page names what went wrong and what to do next."""

    used: str
    used_code: str
    next_step: str
    link: tuple[str, str]


RESET_LINK = LinkKind(
    used="This password reset link was already used, or the password changed since it was sent.",
    used_code="FORBIDDEN",
    next_step="Request a new link: it is sent to your email address.",
    link=(RESET_PATH, "Request a new link"),
)
INVITE_LINK = LinkKind(
    used="This invitation was already accepted, or it was withdrawn.",
    used_code="INVALID_INVITE",
    next_step="If you have set your password, sign in. Otherwise ask for a new invitation.",
    link=(LOGIN_PATH, "Sign in"),
)

_EXPIRED = "This link has expired."
_INVALID = "This link is not valid: it may have been cut off or mistyped."
_LINK_CODES = {"INVALID_TOKEN", "TOKEN_EXPIRED", "FORBIDDEN", "INVALID_INVITE"}


def is_link_error(error: DirectusError) -> bool:
    return error.code in _LINK_CODES


async def bad_link(context: PageRequest, kind: LinkKind, error: DirectusError) -> Response:
    """The page for a link the service refused (check `is_link_error` first)."""
    if error.code == "TOKEN_EXPIRED":
        title, text = "Link expired", _EXPIRED
    elif error.code == kind.used_code:
        title, text = "Link already used", kind.used
    else:
        title, text = "Link not valid", _INVALID
    return await message(
        context.request, title, f"{text} {kind.next_step}", status=error.status, link=kind.link
    )
