"""Queries on directus_sessions: refresh sessions, keyed by the hash of their token."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Table, bindparam, delete, insert, update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.db.models import Role, Session, User, new_id
from app.repositories import core
from app.repositories.users import UserAccess, access_of


@dataclass(frozen=True)
class SessionOwner:
    session: Session
    owner: UserAccess

    @property
    def user_status(self) -> str:
        return self.owner.status


# Logins and refreshes run these; each is built once, not per request.
_SESSIONS: Table = Session.__table__  # type: ignore[attr-defined]
_INSERT = insert(_SESSIONS)
_WITH_OWNER = (
    select(Session, User, Role)
    .join(User, col(User.id) == col(Session.user))
    .join(Role, col(Role.id) == col(User.role), isouter=True)
)
_BY_TOKEN = _WITH_OWNER.where(col(Session.token) == bindparam("key"))
_BY_ID = _WITH_OWNER.where(col(Session.id) == bindparam("key"))
_CLAIM = (
    update(Session)
    .where(
        col(Session.id) == bindparam("session_id"),
        col(Session.rotated_at).is_(None),
        col(Session.expires) > bindparam("now"),
    )
    .values(rotated_at=bindparam("now"), successor=bindparam("successor_id"))
    # The caller reads the stale row again only after expire_all().
    .execution_options(synchronize_session=False)
)


async def add(
    session: AsyncSession,
    *,
    token_hash: str,
    user: str,
    expires: datetime,
    ip: str | None,
    user_agent: str | None,
    origin: str | None,
    family: str | None = None,
    session_id: str | None = None,
) -> str:
    """A plain INSERT (the ORM's flush costs more than the row); returns the new id.

    Without a family the session starts a login of its own."""
    new = session_id or new_id()
    values = {
        "id": new,
        "token": token_hash,
        "user": user,
        "expires": expires,
        "ip": ip,
        "user_agent": user_agent,
        "origin": origin,
        "family": family or new_id(),
        "rotated_at": None,
        "successor": None,
    }
    await core.execute(session, _INSERT, values)
    return new


async def find_with_owner(
    session: AsyncSession, *, token_hash: str | None = None, session_id: str | None = None
) -> SessionOwner | None:
    """The session with its user and role, so the refresh that follows reads nothing else."""
    if token_hash is not None:
        statement, key = _BY_TOKEN, token_hash
    elif session_id is not None:
        statement, key = _BY_ID, session_id
    else:
        return None
    row = (await session.exec(statement, params={"key": key})).first()
    return None if row is None else SessionOwner(session=row[0], owner=access_of(row[1], row[2]))


async def claim_for_rotation(
    session: AsyncSession, session_id: str, successor_id: str, now: datetime
) -> bool:
    """Mark a live session rotated; only one of many concurrent callers can win."""
    result = await core.execute(
        session, _CLAIM, {"session_id": session_id, "successor_id": successor_id, "now": now}
    )
    return bool(result.rowcount == 1)


async def delete_by_id(session: AsyncSession, session_id: str) -> None:
    await session.exec(delete(Session).where(col(Session.id) == session_id))


async def delete_by_token_hash(session: AsyncSession, token_hash: str) -> None:
    await session.exec(delete(Session).where(col(Session.token) == token_hash))


async def delete_for_user(session: AsyncSession, user_id: str) -> None:
    await session.exec(delete(Session).where(col(Session.user) == user_id))


async def delete_expired(session: AsyncSession, now: datetime) -> None:
    await session.exec(delete(Session).where(col(Session.expires) <= now))


async def delete_family(session: AsyncSession, family: str) -> None:
    await session.exec(delete(Session).where(col(Session.family) == family))


async def delete_expired_for_user(session: AsyncSession, user_id: str, now: datetime) -> None:
    await session.exec(
        delete(Session).where(col(Session.user) == user_id, col(Session.expires) <= now)
    )


async def delete_for_users_except(
    session: AsyncSession, user_ids: Sequence[str], keep_session: str | None
) -> None:
    """Ends every session of these users but the one the current request rides on."""
    statement = delete(Session).where(col(Session.user).in_(list(user_ids)))
    if keep_session is not None:
        statement = statement.where(col(Session.id) != keep_session)
    await session.exec(statement)


async def get(session: AsyncSession, session_id: str) -> Session | None:
    return await session.get(Session, session_id)
