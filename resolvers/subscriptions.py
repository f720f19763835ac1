"""directus_users_mutated over graphql-transport-ws: create/update/delete of users, each
event delivered only as far as the subscriber may read the user *now*.

A socket outlives its credential's checks: before each event, and every
WEBSOCKETS_AUTH_CHECK_PERIOD seconds while none comes, the subscriber authenticates again
from the token it presented, by the rule every HTTP request follows. A suspended, deleted
or demoted user, an ended session or an expired token ends the subscription with a coded
error; when the credential itself is dead the socket then closes with 4403 (Forbidden).
"""

from __future__ import annotations

import asyncio
import contextlib
import enum
from collections.abc import AsyncGenerator, AsyncIterator, Set

import strawberry

from app.errors import DirectusError
from app.events import UserEvent
from app.permissions.access import Access
from resolvers.context import Context, Info
from resolvers.engine.selection import nested_fields
from resolvers.engine.sockets import close_after_operation
from resolvers.types.users import DirectusUser


@strawberry.enum(name="EventEnum")
class EventEnum(enum.Enum):
    create = "create"
    update = "update"
    delete = "delete"


@strawberry.type(name="directus_users_mutated")
class UsersMutated:
    key: strawberry.ID
    event: EventEnum | None
    data: DirectusUser | None


@strawberry.type
class Subscription:
    @strawberry.subscription
    async def directus_users_mutated(
        self, info: Info, event: EventEnum | None = strawberry.UNSET
    ) -> AsyncGenerator[UsersMutated | None, None]:
        ctx = info.context
        fields = nested_fields(info, "data")
        # Checked again as this operation started (resolvers/sockets.py): FORBIDDEN here
        # comes before anything is sent.
        access = await ctx.access()
        ctx.services.users.read_rule(access, fields)
        wanted = event if isinstance(event, EventEnum) else None
        period = ctx.services.settings.websockets_auth_check_period
        async with ctx.services.events.subscribe() as events:
            async for item in _ticking(events, period):
                access = await _current_access(ctx, fields)
                if item is None:
                    continue
                kind = EventEnum(item.event)
                if wanted is not None and kind is not wanted:
                    continue
                if kind is EventEnum.delete:
                    for key in item.keys:
                        yield UsersMutated(key=strawberry.ID(key), event=kind, data=None)
                    continue
                rows = await ctx.services.users.read_ids(access, list(item.keys), fields)
                for row in rows:
                    user = DirectusUser.from_model(row)
                    yield UsersMutated(key=strawberry.ID(row.id), event=kind, data=user)


async def _current_access(ctx: Context, fields: Set[str]) -> Access:
    """The subscriber's permissions as they are now; FORBIDDEN once they no longer cover
    the selected fields, the credential's own error once it is dead."""
    try:
        access = await ctx.reauthenticate()
    except DirectusError:
        close_after_operation(ctx)
        raise
    ctx.services.users.read_rule(access, fields)
    return access


async def _ticking(
    events: AsyncIterator[UserEvent], period: float
) -> AsyncIterator[UserEvent | None]:
    """The events as they come, and None whenever `period` seconds pass without one, so
    that a quiet subscription is checked too."""

    async def following() -> UserEvent:
        return await anext(events)

    pending: asyncio.Task[UserEvent] | None = None
    try:
        while True:
            if pending is None:
                pending = asyncio.ensure_future(following())
            done, _ = await asyncio.wait({pending}, timeout=period)
            if not done:
                yield None
                continue
            item = pending.result()
            pending = None
            yield item
    finally:
        if pending is not None:
            pending.cancel()
            with contextlib.suppress(asyncio.CancelledError, StopAsyncIteration):
                await pending
