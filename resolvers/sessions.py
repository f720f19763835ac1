"""The sessions API: users_me_sessions, users_me_sessions_revoke and the admins'
users_sessions_revoke (a user's sessions are read through `users_by_id { sessions }`).
The rules (who may see or end which login) are SessionsService's."""

from __future__ import annotations

import strawberry

from app.http.request_tokens import request_session
from resolvers.context import Context, Info
from resolvers.types.sessions import UserSessionType


async def sessions_of(ctx: Context, user_id: str | None) -> list[UserSessionType]:
    """`user_id`'s logins (None: the caller's), the request's own marked current."""
    views = await ctx.services.sessions.list_sessions(
        ctx.accountability,
        user_id,
        current=request_session(ctx.request, ctx.services.settings, ctx.accountability),
    )
    return [UserSessionType.of(view) for view in views]


@strawberry.type
class SessionsQuery:
    @strawberry.field
    async def users_me_sessions(self, info: Info) -> list[UserSessionType]:
        return await sessions_of(info.context, None)


@strawberry.type
class SessionsMutation:
    @strawberry.mutation
    async def users_me_sessions_revoke(self, info: Info, id: strawberry.ID) -> bool | None:
        ctx = info.context
        await ctx.services.sessions.revoke_session(ctx.accountability, str(id))
        return True

    @strawberry.mutation
    async def users_sessions_revoke(
        self, info: Info, user: strawberry.ID, id: strawberry.ID
    ) -> bool | None:
        ctx = info.context
        await ctx.services.sessions.revoke_session(ctx.accountability, str(id), str(user))
        return True
