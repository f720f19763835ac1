"""Reading users and roles on behalf of an accountability."""

from __future__ import annotations

from collections.abc import Sequence

from app.accountability import Accountability
from app.db.engine import Database
from app.db.models import File, Role, User
from app.repositories import files as files_repo
from app.repositories import roles as roles_repo
from app.repositories import users as users_repo


class UsersService:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def me(self, accountability: Accountability) -> User | None:
        if accountability.user is None:
            return None
        async with self._db.read() as session:
            return await users_repo.get_by_id(session, accountability.user)

    async def roles_by_ids(self, ids: Sequence[str]) -> list[Role | None]:
        """In the order asked, for a DataLoader batch."""
        async with self._db.read() as session:
            found = {role.id: role for role in await roles_repo.get_many(session, list(set(ids)))}
        return [found.get(role_id) for role_id in ids]

    async def files_by_ids(self, ids: Sequence[str]) -> list[File | None]:
        async with self._db.read() as session:
            found = {row.id: row for row in await files_repo.get_many(session, list(set(ids)))}
        return [found.get(file_id) for file_id in ids]
