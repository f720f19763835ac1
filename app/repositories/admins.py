"""How many active admins there are, counted under a lock that serialises such changes."""

from __future__ import annotations

from sqlalchemy import func, text
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.db.models import Role, User

# Any constant works: it names the one advisory lock that admin-changing writes share.
_ADMIN_LOCK_KEY = 0x0DA17A


async def lock(session: AsyncSession) -> None:
    """PostgreSQL needs an explicit lock; SQLite's BEGIN IMMEDIATE already serialises."""
    bind = session.bind
    if bind is not None and bind.dialect.name == "postgresql":
        await session.exec(text(f"SELECT pg_advisory_xact_lock({_ADMIN_LOCK_KEY})"))  # type: ignore[call-overload]


async def count_active(session: AsyncSession) -> int:
    statement = (
        select(func.count())
        .select_from(User)
        .join(Role, col(Role.id) == col(User.role))
        .where(col(User.status) == "active", col(Role.admin_access).is_(True))
    )
    return int((await session.exec(statement)).one())
