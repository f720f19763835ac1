"""The single directus_settings row."""

from __future__ import annotations

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.db.models import ProjectSettings


async def get(session: AsyncSession) -> ProjectSettings | None:
    return (await session.exec(select(ProjectSettings).limit(1))).first()


async def add(session: AsyncSession, row: ProjectSettings) -> ProjectSettings:
    session.add(row)
    await session.flush()
    return row
