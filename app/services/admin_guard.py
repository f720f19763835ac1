"""The last active admin may not be deleted, demoted or deactivated."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from app.db.types import AsyncSession
from app.errors import UnprocessableContentError
from app.repositories import admins as admins_repo

LAST_ADMIN = "Cannot remove the last admin user from the system"


@asynccontextmanager
async def keeps_an_admin(session: AsyncSession) -> AsyncIterator[None]:
    """Wraps writes inside a transaction; raising here rolls all of them back."""
    await admins_repo.lock(session)
    before = await admins_repo.count_active(session)
    yield
    await session.flush()
    if before > 0 and await admins_repo.count_active(session) == 0:
        raise UnprocessableContentError(LAST_ADMIN)
