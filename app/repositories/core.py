"""Statements that need none of the ORM: run on the session's connection directly.

An ORM-enabled UPDATE or INSERT pays for bulk-persistence planning and identity-map
synchronisation; on the login and refresh paths that cost more than SQLite's work.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import CursorResult
from sqlalchemy.sql.dml import UpdateBase
from sqlmodel.ext.asyncio.session import AsyncSession


async def execute(
    session: AsyncSession, statement: UpdateBase, params: Mapping[str, Any]
) -> CursorResult[Any]:
    """Runs inside the session's transaction, like session.exec would."""
    connection = await session.connection()
    return await connection.execute(statement, dict(params))
