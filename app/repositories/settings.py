"""The single directus_settings row."""

from __future__ import annotations

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.db.models import Settings


async def get(session: AsyncSession) -> Settings | None:
    return (await session.exec(select(Settings).limit(1))).first()


async def add(session: AsyncSession, row: Settings) -> Settings:
    session.add(row)
    await session.flush()
    return row
