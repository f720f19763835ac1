"""The caller's own access: policies_me_globals and permissions_me (GraphQL and REST)."""

from __future__ import annotations

from typing import Any

from app.db.engine import Database
from app.permissions.access import Access
from app.permissions.me import collection_access, policy_globals
from app.permissions.policies import effective
from app.repositories import permissions as permissions_repo


class AccessMeService:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def globals(self, access: Access) -> dict[str, bool]:
        """A signed-in caller's flags were computed while authenticating; the public's are
        those of the public policies that apply at its address."""
        accountability = access.accountability
        if accountability.user is not None:
            return policy_globals(None, access)
        async with self._db.read() as session:
            grants = await permissions_repo.public_grants(session)
        return policy_globals(effective(grants, accountability.client.ip), access)

    def permissions(self, access: Access) -> dict[str, dict[str, dict[str, Any]]] | None:
        """As Directus: None for the public (GraphQL answers null, REST FORBIDDEN)."""
        accountability = access.accountability
        if accountability.user is None and accountability.role is None:
            return None
        return collection_access(access)
