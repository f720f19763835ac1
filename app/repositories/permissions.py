"""Queries on directus_permissions."""

from __future__ import annotations

from sqlalchemy import bindparam
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.db.models import Permission

# Built once: a non-admin request reads its role's rows every time.
_OF_ROLE = select(Permission).where(col(Permission.role) == bindparam("role"))
_OF_PUBLIC = select(Permission).where(col(Permission.role).is_(None))


async def for_role(session: AsyncSession, role: str | None) -> list[Permission]:
    """The rows of a role, or of the public when role is None."""
    if role is None:
        return list((await session.exec(_OF_PUBLIC)).all())
    return list((await session.exec(_OF_ROLE, params={"role": role})).all())
