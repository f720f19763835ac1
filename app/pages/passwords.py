"""The "new password, twice" form the reset and invitation pages share."""

from __future__ import annotations

from starlette.responses import Response

from app.pages.context import PageRequest
from app.pages.rendering import render

MISMATCH = "The two passwords are not the same. Type the new password twice."


def new_password(form: dict[str, str]) -> tuple[str, str | None]:
    """The posted password, or why it cannot be used yet (the service checks the policy)."""
    password = form.get("password", "")
    if password != form.get("password_confirm", ""):
        return password, MISMATCH
    return password, None


async def set_password_form(
    context: PageRequest,
    *,
    heading: str,
    help: str,
    action: str,
    submit: str,
    token: str,
    email: str,
    error: str | None,
    status: int,
) -> Response:
    values = {
        "heading": heading,
        "help": help,
        "action": action,
        "submit": submit,
        "token": token,
        "email": email,
        "error": error,
    }
    return await render(context.request, "set_password.html", values, status=status)
