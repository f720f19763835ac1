"""activity: the audit trail (login, lockout, refresh reuse, password and TFA changes)."""

from __future__ import annotations

import strawberry

from app.db.models import Activity
from resolvers.context import Info
from resolvers.engine.selection import requested_fields
from resolvers.queries import item_query
from resolvers.types.filters import (
    DateFilterOperators,
    IdFilterOperators,
    NumberFilterOperators,
    StringFilterOperators,
)
from resolvers.types.scalars import Date, iso_date


@strawberry.input(name="directus_activity_filter")
class ActivityFilter:
    id: NumberFilterOperators | None = strawberry.UNSET
    action: StringFilterOperators | None = strawberry.UNSET
    user: IdFilterOperators | None = strawberry.UNSET
    timestamp: DateFilterOperators | None = strawberry.UNSET
    ip: StringFilterOperators | None = strawberry.UNSET
    user_agent: StringFilterOperators | None = strawberry.UNSET
    origin: StringFilterOperators | None = strawberry.UNSET
    collection: StringFilterOperators | None = strawberry.UNSET
    item: StringFilterOperators | None = strawberry.UNSET
    comment: StringFilterOperators | None = strawberry.UNSET
    and_: list[ActivityFilter | None] | None = strawberry.field(
        name="_and", default=strawberry.UNSET
    )
    or_: list[ActivityFilter | None] | None = strawberry.field(name="_or", default=strawberry.UNSET)


@strawberry.type(name="directus_activity")
class DirectusActivity:
    id: strawberry.ID
    action: str
    user: str | None
    timestamp: Date | None
    ip: str | None
    user_agent: str | None
    origin: str | None
    collection: str
    item: str | None
    comment: str | None

    @classmethod
    def from_model(cls, row: Activity) -> DirectusActivity:
        return cls(
            id=strawberry.ID(str(row.id)),
            action=row.action,
            user=row.user,
            timestamp=iso_date(row.timestamp),
            ip=row.ip,
            user_agent=row.user_agent,
            origin=row.origin,
            collection=row.collection,
            item=row.item,
            comment=row.comment,
        )


@strawberry.type
class ActivityQuery:
    @strawberry.field
    async def activity(
        self,
        info: Info,
        filter: ActivityFilter | None = strawberry.UNSET,
        sort: list[str | None] | None = strawberry.UNSET,
        limit: int | None = strawberry.UNSET,
        offset: int | None = strawberry.UNSET,
        page: int | None = strawberry.UNSET,
        search: str | None = strawberry.UNSET,
    ) -> list[DirectusActivity]:
        ctx = info.context
        query = item_query(filter, sort, limit, offset, page, search)
        rows = await ctx.services.activity.read_many(
            await ctx.access(), query, requested_fields(info)
        )
        return [DirectusActivity.from_model(row) for row in rows]
