"""The mails of the account flows: which template, which subject, and the values a template
may use. Operators' templates (EMAIL_TEMPLATES_PATH) keep `$url`, `$email` and
`$project_name`; the defaults also use `$valid_for` (how long the link works, from the
token's TTL setting) and `$project_color`."""

from __future__ import annotations

import enum
from dataclasses import dataclass

from app.config import Settings
from app.db.types import AsyncSession
from app.mail.mailer import MailComposer
from app.services.mail_queue import MailQueue
from app.services.project_face import ProjectFace


@dataclass(frozen=True)
class _Kind:
    template: str
    subject: str


class AccountMailKind(enum.Enum):
    # Directus's subjects, so filters on them keep working.
    PASSWORD_RESET = _Kind("password-reset", "Password Reset Request")
    INVITATION = _Kind("user-invitation", "You've been invited")
    REGISTRATION = _Kind("user-registration", "Verify your email address")


_UNITS = ((86_400_000, "day"), (3_600_000, "hour"), (60_000, "minute"), (1000, "second"))


def valid_for(ttl_ms: int) -> str:
    """A TTL as people say it: "1 day", "7 days", "90 minutes" (the largest unit that
    divides it, so nothing is rounded away; below a second, rounded to seconds)."""
    for size, unit in _UNITS:
        if ttl_ms >= size and ttl_ms % size == 0:
            return _plural(ttl_ms // size, unit)
    return _plural(max(1, round(ttl_ms / 1000)), "second")


def _plural(count: int, unit: str) -> str:
    return f"{count} {unit}" if count == 1 else f"{count} {unit}s"


class AccountMail:
    def __init__(self, settings: Settings, composer: MailComposer, queue: MailQueue) -> None:
        self._settings = settings
        self._composer = composer
        self._queue = queue

    def _ttl(self, kind: AccountMailKind) -> int:
        settings = self._settings
        return {
            AccountMailKind.PASSWORD_RESET: settings.password_reset_token_ttl,
            AccountMailKind.INVITATION: settings.user_invite_token_ttl,
            AccountMailKind.REGISTRATION: settings.email_verification_token_ttl,
        }[kind]

    async def send(
        self,
        session: AsyncSession,
        kind: AccountMailKind,
        *,
        to: str,
        url: str,
        project: ProjectFace,
    ) -> None:
        """Queues the mail in the caller's write transaction (it leaves once that commits)."""
        message = self._composer.compose(
            to=to,
            subject=kind.value.subject,
            template=kind.value.template,
            values={
                "url": url,
                "email": to,
                "project_name": project.name,
                "project_color": project.color,
                "valid_for": valid_for(self._ttl(kind)),
            },
        )
        await self._queue.enqueue(session, message)
