"""Queries on directus_sessions: refresh sessions, keyed by the hash of their token."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.db.models import Session, User


@dataclass(frozen=True)
class SessionOwner:
    session: Session
    user_status: str


async def add(session: AsyncSession, row: Session) -> Session:
    session.add(row)
    await session.flush()
    return row


async def find_with_owner(
    session: AsyncSession, *, token_hash: str | None = None, session_id: str | None = None
) -> SessionOwner | None:
    statement = select(Session, User.status).join(User, col(User.id) == col(Session.user))
    if token_hash is not None:
        statement = statement.where(col(Session.token) == token_hash)
    elif session_id is not None:
        statement = statement.where(col(Session.id) == session_id)
    else:
        return None
    row = (await session.exec(statement)).first()
    return None if row is None else SessionOwner(session=row[0], user_status=row[1])


async def claim_for_rotation(
    session: AsyncSession, session_id: str, successor_id: str, now: datetime
) -> bool:
    """Mark a live session rotated; only one of many concurrent callers can win."""
    result = await session.exec(
        update(Session)
        .where(
            col(Session.id) == session_id,
            col(Session.rotated_at).is_(None),
            col(Session.expires) > now,
        )
        .values(rotated_at=now, successor=successor_id)
    )
    return bool(result.rowcount == 1)


async def is_live(session: AsyncSession, session_id: str, now: datetime) -> bool:
    statement = select(Session.id).where(
        col(Session.id) == session_id,
        col(Session.rotated_at).is_(None),
        col(Session.expires) > now,
    )
    return (await session.exec(statement)).first() is not None


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
