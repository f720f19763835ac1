"""directus_users_mutated over graphql-transport-ws: create/update/delete of users, each
event delivered only as far as the subscriber may read the user."""

from __future__ import annotations

import enum
from collections.abc import AsyncGenerator

import strawberry

from resolvers.context import Info
from resolvers.selection import nested_fields
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
        access = await ctx.access()
        fields = nested_fields(info, "data")
        ctx.services.users.read_rule(access, fields)  # FORBIDDEN before anything is sent
        wanted = event if isinstance(event, EventEnum) else None
        async with ctx.services.events.subscribe() as events:
            async for item in events:
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
