"""dauth_mail_queue: outgoing mail, from the transaction that queues it to its sending.

A row is claimed by one process at a time: a claim sets `status='sending'`, the claimant's
id and a lease (`claimed_until`). PostgreSQL picks the rows with FOR UPDATE SKIP LOCKED, so
instances claiming at once take different rows; SQLite's write transactions take turns.
Every later change of a claimed row names the claimant, so a process whose lease ran out
(and whose row another one took) changes nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Connection, and_, delete, event, func, insert, or_, update
from sqlalchemy import select as sa_select
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.db.models import QueuedMail
from app.repositories import core
from app.repositories.core import RowBuilder

QUEUED = "queued"
SENDING = "sending"
SENT = "sent"
FAILED = "failed"

_ROWS = RowBuilder(QueuedMail)
_id = col(QueuedMail.id)
_status = col(QueuedMail.status)
_next = col(QueuedMail.next_attempt)
_claimed_by = col(QueuedMail.claimed_by)
_claimed_until = col(QueuedMail.claimed_until)


@dataclass(frozen=True)
class QueueEntry:
    """A row as `dauth mail list` shows it: never the message (it holds a token link)."""

    id: str
    created: datetime
    recipient: str
    subject: str
    status: str
    attempts: int
    next_attempt: datetime
    last_error: str | None


async def add(session: AsyncSession, row: QueuedMail, on_commit: Callable[[], None]) -> None:
    """Part of the caller's transaction; `on_commit` runs once it has committed (to wake
    the sender: before that the row is not there for it to see)."""
    await session.exec(insert(_ROWS.table).values(_ROWS.values_of(row)))
    event.listen(session.sync_session, "after_commit", lambda _session: on_commit(), once=True)


def add_on(connection: Connection, row: QueuedMail) -> None:
    """Part of the caller's Core transaction (`Database.run_writes`)."""
    connection.execute(insert(_ROWS.table).values(_ROWS.values_of(row)))


def _due(now: datetime, due_by: datetime) -> ColumnElement[bool]:
    """Waiting and due by `due_by`, or claimed by a process whose lease ran out at `now`
    (killed while sending: the row is free again)."""
    return or_(
        and_(_status == QUEUED, _next <= due_by),
        and_(_status == SENDING, _claimed_until <= now),
    )


async def has_due(session: AsyncSession, now: datetime) -> bool:
    """A cheap read before a claim, so an idle sender takes no write lock."""
    statement = select(_id).where(_due(now, now)).limit(1)
    return (await session.exec(statement)).first() is not None


async def claim(
    session: AsyncSession,
    instance: str,
    *,
    now: datetime,
    due_by: datetime,
    lease_until: datetime,
    limit: int,
) -> list[QueuedMail]:
    """Takes up to `limit` due rows for `instance` until `lease_until`, oldest due first.

    Two statements: the ids, locked (PostgreSQL skips rows another claim holds), then their
    UPDATE. One `UPDATE … WHERE id IN (SELECT … LIMIT n)` may run its subquery more than
    once in PostgreSQL's plan and take more than n rows."""
    due = _due(now, due_by)
    chosen = (
        select(_id).where(due).order_by(_next, _id).limit(limit).with_for_update(skip_locked=True)
    )
    ids = list((await session.exec(chosen)).all())
    if not ids:
        return []
    statement = (
        update(_ROWS.table)
        .where(_id.in_(ids), due)
        .values(status=SENDING, claimed_by=instance, claimed_until=lease_until)
        .returning(*_ROWS.columns)
    )
    rows = (await session.exec(statement)).all()
    return [_ROWS.build(row) for row in rows]


async def _finish(session: AsyncSession, row_id: str, instance: str, **values: Any) -> bool:
    statement = (
        update(_ROWS.table)
        .where(_id == row_id, _status == SENDING, _claimed_by == instance)
        .values(claimed_by=None, claimed_until=None, **values)
    )
    result = await session.exec(statement)
    return bool(result.rowcount)


async def mark_sent(session: AsyncSession, row_id: str, instance: str, now: datetime) -> bool:
    """Sent: the message (its token link) is blanked, the metadata kept."""
    return await _finish(
        session,
        row_id,
        instance,
        status=SENT,
        message="",
        sent_at=now,
        attempts=col(QueuedMail.attempts) + 1,
        last_error=None,
    )


async def reschedule(
    session: AsyncSession, row_id: str, instance: str, next_attempt: datetime, error: str
) -> bool:
    """A failed attempt: queued again for `next_attempt`."""
    return await _finish(
        session,
        row_id,
        instance,
        status=QUEUED,
        next_attempt=next_attempt,
        attempts=col(QueuedMail.attempts) + 1,
        last_error=error[:255],
    )


async def give_up(session: AsyncSession, row_id: str, instance: str, error: str) -> bool:
    """A failed attempt past the retries' age: failed until an operator requeues it."""
    return await _finish(
        session,
        row_id,
        instance,
        status=FAILED,
        attempts=col(QueuedMail.attempts) + 1,
        last_error=error[:255],
    )


async def release(session: AsyncSession, instance: str) -> int:
    """Hands back every row `instance` still holds (at shutdown): due at once, for another
    instance or the next start."""
    statement = (
        update(_ROWS.table)
        .where(_status == SENDING, _claimed_by == instance)
        .values(status=QUEUED, claimed_by=None, claimed_until=None)
    )
    result = await session.exec(statement)
    return int(result.rowcount)


async def depth(session: AsyncSession) -> int:
    """Messages not sent yet and not given up: queued, or being sent."""
    statement = (
        sa_select(func.count()).select_from(_ROWS.table).where(_status.in_((QUEUED, SENDING)))
    )
    return int(
        await core.run(session, lambda connection: connection.execute(statement).scalar_one())
    )


async def entries(session: AsyncSession, statuses: Sequence[str]) -> list[QueueEntry]:
    """The rows in these statuses, oldest first, without their messages."""
    columns = (
        _id,
        col(QueuedMail.created),
        col(QueuedMail.recipient),
        col(QueuedMail.subject),
        _status,
        col(QueuedMail.attempts),
        _next,
        col(QueuedMail.last_error),
    )
    statement = (
        sa_select(*columns).where(_status.in_(statuses)).order_by(col(QueuedMail.created), _id)
    )
    rows = await core.run(session, lambda connection: connection.execute(statement).all())
    return [QueueEntry(*row) for row in rows]


async def requeue(session: AsyncSession, now: datetime, row_id: str | None) -> int:
    """Failed rows (or the one `row_id`, failed or still queued) due at once, with a new
    retry age. Sent rows have no message left to send."""
    where: list[ColumnElement[bool]] = [
        _status.in_((FAILED, QUEUED)) if row_id else _status == FAILED
    ]
    if row_id:
        where.append(_id == row_id)
    statement = (
        update(_ROWS.table)
        .where(*where)
        .values(status=QUEUED, next_attempt=now, queued_at=now, attempts=0)
    )
    result = await session.exec(statement)
    return int(result.rowcount)


async def sent_before(session: AsyncSession, cutoff: datetime, limit: int) -> list[str]:
    """The ids of up to `limit` rows sent before `cutoff`, oldest first."""
    statement = (
        select(_id)
        .where(_status == SENT, col(QueuedMail.sent_at) < cutoff)
        .order_by(col(QueuedMail.sent_at), _id)
        .limit(limit)
    )
    return list((await session.exec(statement)).all())


async def delete_sent(session: AsyncSession, ids: Sequence[str]) -> int:
    """Deletes these rows if they are sent (a requeued one is not); how many."""
    result = await session.exec(delete(_ROWS.table).where(_id.in_(ids), _status == SENT))
    return int(result.rowcount)


async def delete_failed(session: AsyncSession) -> int:
    """Deletes every failed row; how many."""
    result = await session.exec(delete(_ROWS.table).where(_status == FAILED))
    return int(result.rowcount)
