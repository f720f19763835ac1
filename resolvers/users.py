"""Queries on users."""

from __future__ import annotations

import strawberry

from resolvers.context import Info
from resolvers.types.users import DirectusUser


@strawberry.type
class UsersQuery:
    @strawberry.field
    async def users_me(self, info: Info) -> DirectusUser | None:
        ctx = info.context
        user = await ctx.services.users.me(ctx.accountability)
        return None if user is None else DirectusUser.from_model(user)
