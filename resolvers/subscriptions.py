"""directus_users_mutated (and directus_policies/access/permissions_mutated) over
graphql-transport-ws: create/update/delete of users and of the access model, each event
delivered only as far as the subscriber may read the item *now*.

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
from typing import TypeVar

import strawberry

from app.db.types import Model
from app.errors import DirectusError
from app.events import UserEvent
from app.permissions.access import Access
from app.services.items import ItemReader
from resolvers.context import Context, Info
from resolvers.engine.selection import nested_fields
from resolvers.engine.sockets import close_after_operation
from resolvers.types.policies import DirectusAccess, DirectusPermission, DirectusPolicy
from resolvers.types.users import DirectusUser

M = TypeVar("M", bound=Model)


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


@strawberry.type(name="directus_policies_mutated")
class PoliciesMutated:
    key: strawberry.ID
    event: EventEnum | None
    data: DirectusPolicy | None


@strawberry.type(name="directus_access_mutated")
class AccessMutated:
    key: strawberry.ID
    event: EventEnum | None
    data: DirectusAccess | None


@strawberry.type(name="directus_permissions_mutated")
class PermissionsMutated:
    key: strawberry.ID
    event: EventEnum | None
    data: DirectusPermission | None


@strawberry.type
class Subscription:
    @strawberry.subscription
    async def directus_users_mutated(
        self, info: Info, event: EventEnum | None = strawberry.UNSET
    ) -> AsyncGenerator[UsersMutated | None, None]:
        async for key, kind, row in _mutated(info, info.context.services.users, event):
            data = None if row is None else DirectusUser.from_model(row)
            yield UsersMutated(key=key, event=kind, data=data)

    @strawberry.subscription
    async def directus_policies_mutated(
        self, info: Info, event: EventEnum | None = strawberry.UNSET
    ) -> AsyncGenerator[PoliciesMutated | None, None]:
        async for key, kind, row in _mutated(info, info.context.services.policies, event):
            data = None if row is None else DirectusPolicy.from_model(row)
            yield PoliciesMutated(key=key, event=kind, data=data)

    @strawberry.subscription
    async def directus_access_mutated(
        self, info: Info, event: EventEnum | None = strawberry.UNSET
    ) -> AsyncGenerator[AccessMutated | None, None]:
        async for key, kind, row in _mutated(info, info.context.services.access, event):
            data = None if row is None else DirectusAccess.from_model(row)
            yield AccessMutated(key=key, event=kind, data=data)

    @strawberry.subscription
    async def directus_permissions_mutated(
        self, info: Info, event: EventEnum | None = strawberry.UNSET
    ) -> AsyncGenerator[PermissionsMutated | None, None]:
        async for key, kind, row in _mutated(info, info.context.services.permissions, event):
            data = None if row is None else DirectusPermission.from_model(row)
            yield PermissionsMutated(key=key, event=kind, data=data)


async def _mutated(
    info: Info, reader: ItemReader[M], event: EventEnum | None
) -> AsyncIterator[tuple[strawberry.ID, EventEnum, M | None]]:
    """The writes to `reader`'s collection, each as (key, event, row as the subscriber may
    read it now); a row it may not read is left out, a delete carries no row."""
    ctx = info.context
    fields = nested_fields(info, "data")
    # Checked again as this operation started (resolvers/sockets.py): FORBIDDEN here
    # comes before anything is sent.
    access = await ctx.access()
    reader.read_rule(access, fields)
    wanted = event if isinstance(event, EventEnum) else None
    period = ctx.services.settings.websockets_auth_check_period
    async with ctx.services.events.subscribe() as events:
        async for item in _ticking(events, period):
            access = await _current_access(ctx, reader, fields)
            if item is None or item.collection != reader.collection.name:
                continue
            kind = EventEnum(item.event)
            if wanted is not None and kind is not wanted:
                continue
            if kind is EventEnum.delete:
                for key in item.keys:
                    yield strawberry.ID(key), kind, None
                continue
            for row in await reader.read_ids(access, list(item.keys), fields):
                yield strawberry.ID(str(getattr(row, "id"))), kind, row  # noqa: B009


async def _current_access(ctx: Context, reader: ItemReader[M], fields: Set[str]) -> Access:
    """The subscriber's permissions as they are now; FORBIDDEN once they no longer cover
    the selected fields, the credential's own error once it is dead."""
    try:
        access = await ctx.reauthenticate()
    except DirectusError:
        close_after_operation(ctx)
        raise
    reader.read_rule(access, fields)
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
