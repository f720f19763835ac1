"""The single directus_settings row."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.db.models import ProjectSettings


async def get(session: AsyncSession) -> ProjectSettings | None:
    return (await session.exec(select(ProjectSettings).limit(1))).first()


async def add(session: AsyncSession, row: ProjectSettings) -> ProjectSettings:
    session.add(row)
    await session.flush()
    return row


async def update_values(
    session: AsyncSession, row_id: int | None, values: Mapping[str, Any]
) -> None:
    statement = update(ProjectSettings).where(col(ProjectSettings.id) == row_id)
    await session.exec(statement.values(**values))
