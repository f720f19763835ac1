"""Queries on directus_files."""

from __future__ import annotations

from collections.abc import Sequence

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.db.models import File


async def get_many(session: AsyncSession, ids: Sequence[str]) -> list[File]:
    if not ids:
        return []
    return list((await session.exec(select(File).where(col(File.id).in_(ids)))).all())
