"""One round of the mail queue's sender: claim the due messages, send them, record each
outcome — sent (the body blanked), retried later with backoff, or given up and audited."""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import uuid
from datetime import datetime, timedelta
from email import message_from_string, policy
from email.message import EmailMessage

from app.accountability import ClientInfo
from app.clock import Clock
from app.config import Settings
from app.db.engine import Database
from app.db.models import QueuedMail
from app.db.types import AsyncSession
from app.mail.refusals import is_permanent, smtp_code
from app.mail.transports import Transport
from app.observability.metrics import MAIL_FAILURES
from app.repositories import mail_queue as queue_repo
from app.services.audit import AuditAction, AuditLog

logger = logging.getLogger("app.mail")

BATCH = 20
# The audit entry of a message given up was made by no client.
SYSTEM_CLIENT = ClientInfo(ip=None, user_agent=None, origin=None)
QUEUE_COLLECTION = "dauth_mail_queue"


def instance_id() -> str:
    """Who holds a claim: host and process (for an operator reading the table), and a
    random part (a restarted process with the same pid is another claimant)."""
    return f"{socket.gethostname()[:60]}:{os.getpid()}:{uuid.uuid4().hex[:12]}"


def failure_class(error: BaseException) -> str:
    """What `last_error` keeps: the kind of failure and the SMTP code, never a message
    text (a server may quote the body or the recipient back)."""
    code = smtp_code(error)
    name = type(error).__name__
    return f"{name} {code}" if code is not None else name


def backoff_ms(settings: Settings, failures: int) -> int:
    """The wait after the `failures`-th failure: the base, doubled each time, capped."""
    base = settings.email_retry_backoff
    return int(min(base * 2 ** min(failures - 1, 40), settings.email_retry_backoff_max))


class MailDelivery:
    def __init__(
        self,
        db: Database,
        settings: Settings,
        clock: Clock,
        transport: Transport,
        audit: AuditLog,
    ) -> None:
        self._db = db
        self._settings = settings
        self._clock = clock
        self._transport = transport
        self._audit = audit
        self.instance = instance_id()
        timeout_ms = settings.email_smtp_timeout
        # A send (several SMTP round trips, each bounded by the timeout) is cut off well
        # inside its lease, so no other process takes a row this one is still sending.
        self.send_timeout_s = 2 * timeout_ms / 1000
        self._lease = timedelta(milliseconds=3 * timeout_ms + 5_000)

    async def round(self, due_by: datetime | None = None) -> int:
        """Sends what is due (by `due_by`, default now) up to one batch; how many it took."""
        now = self._clock.now()
        async with self._db.read() as session:
            if not await queue_repo.has_due(session, now):
                return 0
        async with self._db.write() as session:
            rows = await queue_repo.claim(
                session,
                self.instance,
                now=now,
                due_by=due_by or now,
                lease_until=now + self._lease,
                limit=BATCH,
            )
        outcomes = await asyncio.gather(
            *(self._attempt(row) for row in rows), return_exceptions=True
        )
        for row, outcome in zip(rows, outcomes, strict=True):
            if isinstance(outcome, Exception):  # its lease runs out: it is tried again
                logger.error("Could not record what became of mail %s", row.id, exc_info=outcome)
        return len(rows)

    async def release(self) -> int:
        """Hands back the rows this process still holds (at shutdown)."""
        async with self._db.write() as session:
            return await queue_repo.release(session, self.instance)

    async def _attempt(self, row: QueuedMail) -> None:
        message = message_from_string(row.message, policy=policy.default)
        assert isinstance(message, EmailMessage)
        try:
            async with asyncio.timeout(self.send_timeout_s):
                await self._transport.deliver(message)
        except Exception as error:  # never raised to a request
            MAIL_FAILURES.inc()
            if is_permanent(error):
                await self._refused(row, failure_class(error))
                return
            # One line per attempt (the queue retries): the traceback only when debugging.
            logger.warning(
                "Could not send mail %r to %s (attempt %d, retried later): %s",
                row.subject,
                row.recipient,
                row.attempts + 1,
                failure_class(error),
                exc_info=logger.isEnabledFor(logging.DEBUG),
            )
            await self._failed(row, failure_class(error))
            return
        async with self._db.write() as session:
            await queue_repo.mark_sent(session, row.id, self.instance, self._clock.now())

    async def _failed(self, row: QueuedMail, error: str) -> None:
        """Retried after the backoff, the last time when EMAIL_RETRY_MAX_AGE is reached;
        a failure from then on gives the message up."""
        now = self._clock.now()
        deadline = row.queued_at + timedelta(milliseconds=self._settings.email_retry_max_age)
        async with self._db.write() as session:
            if now < deadline:
                wait = timedelta(milliseconds=backoff_ms(self._settings, row.attempts + 1))
                retry_at = min(now + wait, deadline)
                await queue_repo.reschedule(session, row.id, self.instance, retry_at, error)
                return
            if not await self._give_up(session, row, error):
                return  # its lease ran out: another process has it now
        logger.error(
            "Gave up on mail %r to %s after %d attempts (%s): `dauth mail retry %s` requeues it",
            row.subject,
            row.recipient,
            row.attempts + 1,
            error,
            row.id,
        )

    async def _refused(self, row: QueuedMail, error: str) -> None:
        """A 5xx refusal of this message: another attempt would get the same answer, so it
        is failed at once (a warning: the address, not the service, is at fault)."""
        async with self._db.write() as session:
            if not await self._give_up(session, row, error):
                return
        logger.warning(
            "Mail %r to %s was refused (%s), not retried: `dauth mail retry %s` requeues it",
            row.subject,
            row.recipient,
            error,
            row.id,
        )

    async def _give_up(self, session: AsyncSession, row: QueuedMail, error: str) -> bool:
        """Failed and audited (`mail.failed`, the kind of failure only); False if this
        process's lease ran out and another one holds the row."""
        if not await queue_repo.give_up(session, row.id, self.instance, error):
            return False
        entry = self._audit.entry(
            AuditAction.MAIL_FAILED,
            SYSTEM_CLIENT,
            item=row.id,
            collection=QUEUE_COLLECTION,
            comment=f"{row.subject!r} to {row.recipient}: {error}",
        )
        await self._audit.record_in(session, entry)
        return True
