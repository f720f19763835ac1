"""The caller's sessions as the account page lists them, read through SessionsService as
users_me_sessions reads them (this browser's marked current)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from app.http.request_tokens import request_session
from app.pages.context import PageRequest

# Enough of a user agent to recognise it; the readable browser and OS come first.
_AGENT_SHOWN = 200


@dataclass(frozen=True)
class SessionRow:
    id: str
    device: str
    user_agent: str
    ip: str
    created: str
    last_used: str
    expires: str
    current: bool


def shown_time(value: datetime | None) -> str:
    """A time as the account page shows it (UTC, to the minute); a dash for none."""
    return "—" if value is None else value.strftime("%Y-%m-%d %H:%M UTC")


async def session_rows(context: PageRequest) -> list[SessionRow]:
    """The caller's live logins, most recently used first, this browser's marked."""
    services = context.services
    current = request_session(context.request, services.settings, context.accountability)
    views = await services.sessions.list_sessions(context.accountability, current=current)
    rows = []
    for view in views:
        device = " on ".join(part for part in (view.browser, view.os) if part) or "Unknown"
        rows.append(
            SessionRow(
                id=view.id,
                device=device,
                user_agent=(view.user_agent or "")[:_AGENT_SHOWN],
                ip=view.ip or "—",
                created=shown_time(view.created),
                last_used=shown_time(view.last_used),
                expires=shown_time(view.expires),
                current=view.current,
            )
        )
    return rows
