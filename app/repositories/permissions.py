"""Queries on directus_permissions."""

from __future__ import annotations

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.db.models import Permission


async def for_role(session: AsyncSession, role: str | None) -> list[Permission]:
    """The rows of a role, or of the public when role is None."""
    column = col(Permission.role)
    condition = column.is_(None) if role is None else column == role
    return list((await session.exec(select(Permission).where(condition))).all())
