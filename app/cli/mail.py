"""`dauth mail list`, `retry` and `purge --failed`: the mail queue as an operator sees it. Only
metadata is shown — never a message's body, whose link carries a token."""

from __future__ import annotations

from app.cli.runtime import services_for
from app.config import Settings


async def list_mail(settings: Settings) -> int:
    async with services_for(settings) as services:
        entries = await services.mailer.entries()
    for entry in entries:
        error = f"  last error: {entry.last_error}" if entry.last_error else ""
        print(
            f"{entry.id}  {entry.status}  {entry.created:%Y-%m-%d %H:%M:%S}Z  "
            f"to {entry.recipient}  {entry.subject!r}  attempts {entry.attempts}  "
            f"next {entry.next_attempt:%Y-%m-%d %H:%M:%S}Z{error}"
        )
    if not entries:
        print("No queued or failed mail.")
        return 0
    print(f"{len(entries)} message{'' if len(entries) == 1 else 's'} not sent.")
    return 0


async def retry_mail(settings: Settings, message_id: str | None) -> int:
    async with services_for(settings) as services:
        count = await services.mailer.retry(message_id)
    print(
        f"Requeued {count} message{'' if count == 1 else 's'}: "
        "a running server sends them within EMAIL_QUEUE_POLL_INTERVAL."
    )
    return 0


async def purge_failed_mail(settings: Settings) -> int:
    async with services_for(settings) as services:
        count = await services.mailer.purge_failed()
    print(f"Deleted {count} failed message{'' if count == 1 else 's'}.")
    return 0
