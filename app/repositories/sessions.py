"""directus_sessions in an AsyncSession: ending sessions as part of a write unit (the
logins and refreshes run on a Connection: app/repositories/sync/sessions.py)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import delete
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from app.db.models import Session


async def delete_by_id(session: AsyncSession, session_id: str) -> None:
    await session.exec(delete(Session).where(col(Session.id) == session_id))


async def delete_by_token_hash(session: AsyncSession, token_hash: str) -> None:
    await session.exec(delete(Session).where(col(Session.token) == token_hash))


async def delete_for_user(session: AsyncSession, user_id: str) -> None:
    await session.exec(delete(Session).where(col(Session.user) == user_id))


async def delete_expired(session: AsyncSession, now: datetime) -> None:
    await session.exec(delete(Session).where(col(Session.expires) <= now))


async def delete_for_users_except(
    session: AsyncSession, user_ids: Sequence[str], keep_session: str | None
) -> None:
    """Ends every session of these users but the one the current request rides on."""
    statement = delete(Session).where(col(Session.user).in_(list(user_ids)))
    if keep_session is not None:
        statement = statement.where(col(Session.id) != keep_session)
    await session.exec(statement)
