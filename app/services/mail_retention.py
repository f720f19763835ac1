"""How long the mail queue keeps what it sent: a sent row (its body already blanked) is
deleted once EMAIL_QUEUE_KEEP_SENT old, by the sender, at most once a minute and in small
batches, so the table stays small without a long lock. Failed rows are kept: an operator
retries them (`dauth mail retry`) or deletes them (`dauth mail purge --failed`)."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from app.clock import Clock
from app.config import Settings
from app.db.engine import Database
from app.repositories import mail_queue as queue_repo

logger = logging.getLogger("app.mail")

PURGE_EVERY = timedelta(minutes=1)
# Rows per DELETE (each its own transaction), and DELETEs per pass: a large backlog is
# cleared over the following minutes rather than in one long pass.
PURGE_BATCH = 200
PURGE_BATCHES_PER_PASS = 25


class MailRetention:
    def __init__(self, db: Database, settings: Settings, clock: Clock) -> None:
        self._db = db
        self._clock = clock
        self._keep = timedelta(milliseconds=settings.email_queue_keep_sent)
        self._next_pass: datetime | None = None

    async def purge_if_due(self) -> int:
        """Deletes the sent rows past EMAIL_QUEUE_KEEP_SENT, if this process has not looked
        in the last minute; how many."""
        now = self._clock.now()
        if self._next_pass is not None and now < self._next_pass:
            return 0
        self._next_pass = now + PURGE_EVERY  # set first: a failing pass waits its minute too
        cutoff = now - self._keep
        deleted = 0
        for _ in range(PURGE_BATCHES_PER_PASS):
            # The ids in a read first: an idle sender takes no write lock.
            async with self._db.read() as session:
                ids = await queue_repo.sent_before(session, cutoff, PURGE_BATCH)
            if not ids:
                break
            async with self._db.write() as session:
                deleted += await queue_repo.delete_sent(session, ids)
            if len(ids) < PURGE_BATCH:
                break
        if deleted:
            logger.info("Deleted %d sent mail rows older than EMAIL_QUEUE_KEEP_SENT", deleted)
        return deleted
