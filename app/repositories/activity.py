"""Writes to directus_activity, the audit trail."""

from __future__ import annotations

from sqlmodel.ext.asyncio.session import AsyncSession

from app.db.models import Activity


async def add(session: AsyncSession, row: Activity) -> None:
    session.add(row)
