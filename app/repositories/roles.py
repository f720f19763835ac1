"""Queries on directus_roles."""

from __future__ import annotations

from collections.abc import Sequence

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.db.models import Role


async def get_many(session: AsyncSession, ids: Sequence[str]) -> list[Role]:
    if not ids:
        return []
    return list((await session.exec(select(Role).where(col(Role.id).in_(ids)))).all())


async def add(session: AsyncSession, role: Role) -> Role:
    session.add(role)
    await session.flush()
    return role
