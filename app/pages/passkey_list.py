"""The caller's passkeys as the account page lists them, read through PasskeysService as
users_me_passkeys reads them."""

from __future__ import annotations

from dataclasses import dataclass

from app.pages.context import PageRequest
from app.pages.session_list import shown_time


@dataclass(frozen=True)
class PasskeyRow:
    id: str
    name: str
    created: str
    last_used: str


async def passkey_rows(context: PageRequest) -> list[PasskeyRow]:
    """The caller's passkeys, oldest first (none for a caller without a user)."""
    user = context.accountability.user
    if user is None:
        return []
    return [
        PasskeyRow(
            id=view.id,
            name=view.name,
            created=shown_time(view.date_created),
            last_used=shown_time(view.last_used),
        )
        for view in await context.services.passkeys.list(user)
    ]
