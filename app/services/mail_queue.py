"""The durable mail queue: a message is written in the transaction of the action that sends
it, and one sender per process sends it after that commits — at once for this process's
own messages, within EMAIL_QUEUE_POLL_INTERVAL for anyone's (another instance's, or those
left by a process that died). A crash or restart after the answer loses nothing."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from email.message import EmailMessage

from app.clock import Clock
from app.config import Settings
from app.db.engine import Database
from app.db.models import QueuedMail
from app.db.types import AsyncSession, Connection
from app.errors import InvalidPayloadError, ServiceUnavailableError
from app.mail.transports import Transport
from app.repositories import mail_queue as queue_repo
from app.repositories.mail_queue import QueueEntry
from app.services.audit import AuditLog
from app.services.mail_delivery import BATCH, MailDelivery
from app.services.mail_retention import MailRetention

logger = logging.getLogger("app.mail")

# How long shutdown waits for the sends under way before it cuts them off.
STOP_GRACE_S = 5.0


class MailQueue:
    def __init__(
        self,
        db: Database,
        settings: Settings,
        clock: Clock,
        transport: Transport,
        audit: AuditLog,
    ) -> None:
        self._db = db
        self._clock = clock
        self._poll_s = settings.email_queue_poll_interval / 1000
        self._delivery = MailDelivery(db, settings, clock, transport, audit)
        self._retention = MailRetention(db, settings, clock)
        self._woken = asyncio.Event()
        # One round at a time in this process: the loop's and drain()'s.
        self._round_lock = asyncio.Lock()
        self._task: asyncio.Task[None] | None = None
        self._stopping = False

    async def enqueue(self, session: AsyncSession, message: EmailMessage) -> None:
        """Part of the caller's write transaction: the message exists if and only if the
        action commits; this process's sender is woken once it has."""
        await queue_repo.add(session, self._row(message), self._woken.set)

    def enqueue_on(self, connection: Connection, message: EmailMessage) -> None:
        """As `enqueue`, in a Core transaction (`Database.run_writes`, a login's): the caller
        calls `wake` once it has committed."""
        queue_repo.add_on(connection, self._row(message))

    def wake(self) -> None:
        """Tells this process's sender that a committed message waits."""
        self._woken.set()

    def _row(self, message: EmailMessage) -> QueuedMail:
        now = self._clock.now()
        return QueuedMail(
            created=now,
            queued_at=now,
            recipient=str(message["To"])[:255],
            subject=str(message["Subject"])[:255],
            message=message.as_string(),
            next_attempt=now,
        )

    # The sender ------------------------------------------------------------------------

    def start(self) -> None:
        """Starts this process's sender (the app's lifespan)."""
        self._stopping = False
        self._task = asyncio.get_running_loop().create_task(self._run(), name="mail-queue")

    async def stop(self) -> None:
        """Lets the sends under way finish (a short grace), then hands back every message
        this process still holds, so another instance or the next start sends it."""
        task, self._task = self._task, None
        if task is None:
            return
        self._stopping = True
        self._woken.set()
        try:
            await asyncio.wait_for(asyncio.shield(task), STOP_GRACE_S)
        except TimeoutError:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        try:
            await self._delivery.release()
        except ServiceUnavailableError:
            logger.warning(
                "The database is unavailable: the mail this process was sending (if any) is "
                "sent again once its lease runs out"
            )
        except Exception:  # the leases then run out instead
            logger.exception("Could not hand back the mail this process was sending")

    async def drain(self) -> None:
        """Waits until every message due now has had its attempt, and the sent rows past
        EMAIL_QUEUE_KEEP_SENT are deleted if a minute has passed (tests; `dauth` tools)."""
        due_by = self._clock.now()
        async with self._round_lock:
            while await self._delivery.round(due_by):
                pass
        await self._retention.purge_if_due()

    async def _run(self) -> None:
        while not self._stopping:
            self._woken.clear()
            taken = 0
            # The database down is said once a minute by app.db.outage: tried at the next poll.
            try:
                async with self._round_lock:
                    taken = await self._delivery.round()
            except ServiceUnavailableError:
                pass
            except Exception:
                logger.exception("The mail queue could not look for mail to send")
            try:
                await self._retention.purge_if_due()
            except ServiceUnavailableError:
                pass
            except Exception:  # tried again in a minute
                logger.exception("The mail queue could not delete its old sent rows")
            if taken >= BATCH or self._stopping:
                continue
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._woken.wait(), self._poll_s)

    # For operators (`dauth mail list`, `retry`, `purge --failed`) ----------------------

    async def depth(self) -> int:
        """Messages waiting to be sent, by every instance (the metrics' queue depth)."""
        async with self._db.read() as session:
            return await queue_repo.depth(session)

    async def entries(self) -> list[QueueEntry]:
        """The messages not sent yet: queued, being sent, failed."""
        statuses = (queue_repo.QUEUED, queue_repo.SENDING, queue_repo.FAILED)
        async with self._db.read() as session:
            return await queue_repo.entries(session, statuses)

    async def retry(self, message_id: str | None) -> int:
        """Requeues every failed message, or the one `message_id` (failed or queued), due at
        once with a new EMAIL_RETRY_MAX_AGE; how many."""
        async with self._db.write() as session:
            count = await queue_repo.requeue(session, self._clock.now(), message_id)
        if message_id and not count:
            raise InvalidPayloadError(f'No failed or queued message has the id "{message_id}"')
        return count

    async def purge_failed(self) -> int:
        """Deletes every failed message (they are no longer retried); how many."""
        async with self._db.write() as session:
            return await queue_repo.delete_failed(session)
