"""The caller's own user record: what its permissions let it change there. The TFA mutations
and the account page ask here, so one grant check decides for every surface."""

from __future__ import annotations

from app.collections import USERS
from app.db.models import User
from app.errors import ForbiddenError
from app.permissions.access import Access
from app.services.items import ItemReader

# Every field of a user row an admin may write (internal bookkeeping is never written).
_EVERY_FIELD = frozenset(USERS.fields)


class OwnUserRecord(ItemReader[User]):
    collection = USERS
    model = User

    async def require_own_update(self, access: Access, fields: list[str]) -> str:
        """The caller's id, when its grants let it update `fields` of its own record (as
        Directus checks TFA's secret: an update with the caller's permissions)."""
        user_id = access.accountability.user
        if user_id is None:
            raise ForbiddenError()
        rule = access.require_fields(self.collection.name, "update", fields)
        async with self._db.read() as session:
            await self.require_rows(session, access, rule, [user_id])
        return user_id

    async def own_writable_fields(self, access: Access) -> frozenset[str]:
        """Every field some update grant gives on the caller's own row (its filter matching
        that row), for a form that offers exactly those (update_me still decides each
        change, as for any client)."""
        user_id = access.accountability.user
        if user_id is None:
            return frozenset()
        if access.is_admin:
            return _EVERY_FIELD
        fields: set[str] = set()
        grants = access.grants.get((self.collection.name, "update"), ())
        async with self._db.read() as session:
            for grant in grants:
                if grant.fields is not None and grant.fields <= fields:
                    continue  # nothing new to learn from this grant
                try:
                    await self.require_rows(session, access, grant, [user_id])
                except ForbiddenError:
                    continue  # its rows leave out the caller's own
                fields |= _EVERY_FIELD if grant.fields is None else grant.fields
        return frozenset(fields)
