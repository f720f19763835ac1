"""The lockout's counters on directus_users (LoginGuard): attempts in flight, verified
failures, and the run of failures they belong to.

Each change is one UPDATE whose conditions and new values are computed from the row as it
stands, so parallel attempts (and worker processes) see each other: PostgreSQL re-reads the
row an UPDATE waited for, and SQLite's write transactions take turns.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Connection, and_, case, or_, update
from sqlalchemy import select as sa_select
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from app.db.models import User
from app.repositories import core

_claims = col(User.login_claims)
_expire = col(User.login_claims_expire)
_failures = col(User.failed_login_attempts)
_run = col(User.login_run)


def in_flight(now: Any) -> ColumnElement[int]:
    """The claims still in flight at `now` (a datetime or a bound parameter): once
    `login_claims_expire` has passed, none count, so a crashed request cannot hold the
    account longer than that."""
    return case((_expire > now, _claims), else_=0)


def one_settled(now: Any) -> ColumnElement[int]:
    """The claims in flight once one of them has its verdict (never below 0)."""
    return case((and_(_expire > now, _claims > 0), _claims - 1), else_=0)


async def claim(
    session: AsyncSession,
    user_id: str,
    now: datetime,
    expires: datetime,
    window: int | None,
    limit: int | None,
) -> int | None:
    """Counts an attempt in flight, unless the account is locked or not active, or the
    failures so far plus the attempts in flight leave no room before the next lock (every
    `window` failures) or the suspension (`limit` failures; past it, one at a time). The
    run the attempt belongs to, or None when there was no room."""
    live = in_flight(now)
    conditions = [
        col(User.id) == user_id,
        col(User.status) == "active",
        or_(col(User.locked_until).is_(None), col(User.locked_until) <= now),
    ]
    if window:
        conditions.append(_failures % window + live < window)
    if limit:
        conditions.append(or_(_failures + live < limit, live == 0))
    statement = (
        update(User)
        .where(*conditions)
        .values(login_claims=live + 1, login_claims_expire=expires)
        .returning(_run)
    )
    value = (await session.exec(statement)).scalar_one_or_none()
    return None if value is None else int(value)


@dataclass(frozen=True)
class Standing:
    """What decides whether an attempt may be claimed: the lock, the status, the failures
    and the attempts in flight."""

    status: str
    locked_until: datetime | None
    failures: int
    in_flight: int
    run: int

    def refuses(self, now: datetime) -> bool:
        """Whether no attempt may be checked now, however long it waits for others."""
        return self.status != "active" or (
            self.locked_until is not None and self.locked_until > now
        )


async def standing(session: AsyncSession, user_id: str, now: datetime) -> Standing | None:
    return await core.run(session, _standing, user_id, now)


def _standing(connection: Connection, user_id: str, now: datetime) -> Standing | None:
    columns = (col(User.status), col(User.locked_until), _failures, in_flight(now), _run)
    row = connection.execute(sa_select(*columns).where(col(User.id) == user_id)).first()
    if row is None:
        return None
    status, locked_until, failures, live, run = row
    return Standing(str(status), locked_until, int(failures), int(live), int(run))


async def settle_failure(
    session: AsyncSession, user_id: str, run: int, now: datetime
) -> int | None:
    """A claimed attempt failed: no longer in flight, and one more failure unless a success
    has started a new run since the claim (that success cleared the failures before it).
    The failures now, or None when this one did not count."""
    statement = (
        update(User)
        .where(col(User.id) == user_id)
        .values(
            login_claims=one_settled(now),
            failed_login_attempts=_failures + case((_run == run, 1), else_=0),
        )
        .returning(_failures, _run)
    )
    row = (await session.exec(statement)).first()
    if row is None or int(row[1]) != run:
        return None
    return int(row[0])


async def settle_success(session: AsyncSession, user_id: str, now: datetime) -> None:
    """A claimed attempt proved the password outside a login (a login does this in its own
    transaction, `users.record_login`): no longer in flight, and the run of failures ends."""
    await session.exec(
        update(User)
        .where(col(User.id) == user_id)
        .values(login_claims=one_settled(now), failed_login_attempts=0, login_run=_run + 1)
    )


async def release(session: AsyncSession, user_id: str, now: datetime) -> None:
    """A claimed attempt ended without a verdict on its password: no longer in flight."""
    await session.exec(
        update(User).where(col(User.id) == user_id).values(login_claims=one_settled(now))
    )
