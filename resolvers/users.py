"""Users: queries and mutations, each one service call."""

from __future__ import annotations

from typing import Annotated

import strawberry

from resolvers.context import Info
from resolvers.engine.leaf_fields import raw_arguments
from resolvers.engine.selection import nested_fields, requested_fields
from resolvers.queries import item_query, written_rows
from resolvers.related import prefetch_related, read_alongside
from resolvers.types.filters import DirectusUsersFilter
from resolvers.types.inputs import CreateUsersInput, UpdateUsersInput, to_data
from resolvers.types.results import DeleteMany, DeleteOne, UsersAggregated
from resolvers.types.users import DirectusUser

Filter = DirectusUsersFilter | None
Sort = list[str | None] | None


async def _read_written(
    info: Info,
    ids: list[str],
    filter: Filter = None,
    sort: Sort = None,
    limit: int | None = None,
    offset: int | None = None,
    page: int | None = None,
    search: str | None = None,
) -> list[DirectusUser]:
    reader = info.context.services.users
    rows = await written_rows(info, reader, ids, filter, sort, limit, offset, page, search)
    return [DirectusUser.from_model(row) for row in rows]


async def _read_one(info: Info, user_id: str) -> DirectusUser | None:
    rows = await _read_written(info, [user_id])
    return rows[0] if rows else None


@strawberry.type
class UsersQuery:
    @strawberry.field
    async def users_me(self, info: Info) -> DirectusUser | None:
        ctx = info.context
        if ctx.accountability.user is None:
            return None
        user = await ctx.services.users.me(await ctx.access(), requested_fields(info))
        return None if user is None else DirectusUser.from_model(user)

    @strawberry.field
    @raw_arguments  # `filter` may come as graphql-core's dict: item_query takes both
    async def users(
        self,
        info: Info,
        filter: Filter = strawberry.UNSET,
        sort: Sort = strawberry.UNSET,
        limit: int | None = strawberry.UNSET,
        offset: int | None = strawberry.UNSET,
        page: int | None = strawberry.UNSET,
        search: str | None = strawberry.UNSET,
    ) -> list[DirectusUser]:
        ctx = info.context
        query = item_query(filter, sort, limit, offset, page, search)
        fields, access = requested_fields(info), await ctx.access()
        if not ctx.read_ahead:
            rows = await ctx.services.users.read_many(access, query, fields)
            return [DirectusUser.from_model(row) for row in rows]
        alongside = read_alongside(info, "role", ctx.services.roles)
        values, read = await ctx.services.users.read_many_values(access, query, fields, alongside)
        roles = [row["role"] for row in values]
        await prefetch_related(info, access, ctx.services.roles, alongside, read, roles)
        return [DirectusUser.from_model(row) for row in values]

    @strawberry.field
    @raw_arguments
    async def users_by_id(
        self, info: Info, id: strawberry.ID, version: str | None = strawberry.UNSET
    ) -> DirectusUser | None:
        ctx = info.context
        fields, access = requested_fields(info), await ctx.access()
        if not ctx.read_ahead:
            return DirectusUser.from_model(
                await ctx.services.users.read_one(access, str(id), fields)
            )
        alongside = read_alongside(info, "role", ctx.services.roles)
        values, read = await ctx.services.users.read_one_values(access, str(id), fields, alongside)
        await prefetch_related(info, access, ctx.services.roles, alongside, read, [values["role"]])
        return DirectusUser.from_model(values)

    @strawberry.field
    async def users_aggregated(
        self,
        info: Info,
        groupBy: list[str | None] | None = strawberry.UNSET,  # noqa: N803
        filter: Filter = strawberry.UNSET,
        limit: int | None = strawberry.UNSET,
        offset: int | None = strawberry.UNSET,
        page: int | None = strawberry.UNSET,
        search: str | None = strawberry.UNSET,
        sort: Sort = strawberry.UNSET,
    ) -> list[UsersAggregated]:
        ctx = info.context
        groups = [name for name in (groupBy or []) if name]
        rows = await ctx.services.users.aggregate(
            await ctx.access(),
            item_query(filter, sort, limit, offset, page, search),
            groups,
            sorted(nested_fields(info, "count")),
            sorted(nested_fields(info, "countDistinct")),
        )
        return [UsersAggregated.from_row(row) for row in rows]


@strawberry.type
class UsersMutation:
    @strawberry.mutation
    async def create_users_item(self, info: Info, data: CreateUsersInput) -> DirectusUser | None:
        ctx = info.context
        ids = await ctx.services.users.create_many(await ctx.access(), [to_data(data)])
        return await _read_one(info, ids[0])

    @strawberry.mutation
    async def create_users_items(
        self,
        info: Info,
        filter: Filter = strawberry.UNSET,
        sort: Sort = strawberry.UNSET,
        limit: int | None = strawberry.UNSET,
        offset: int | None = strawberry.UNSET,
        page: int | None = strawberry.UNSET,
        search: str | None = strawberry.UNSET,
        data: list[CreateUsersInput] | None = strawberry.UNSET,
    ) -> list[DirectusUser]:
        ctx = info.context
        items = to_data(data) if data else []
        ids = await ctx.services.users.create_many(await ctx.access(), items)
        return await _read_written(info, ids, filter, sort, limit, offset, page, search)

    @strawberry.mutation
    async def update_users_item(
        self, info: Info, id: strawberry.ID, data: UpdateUsersInput
    ) -> DirectusUser | None:
        ctx = info.context
        await ctx.services.users.update_one(await ctx.access(), str(id), to_data(data))
        return await _read_one(info, str(id))

    @strawberry.mutation
    async def update_users_items(
        self,
        info: Info,
        ids: list[strawberry.ID | None],
        data: UpdateUsersInput,
        filter: Filter = strawberry.UNSET,
        sort: Sort = strawberry.UNSET,
        limit: int | None = strawberry.UNSET,
        offset: int | None = strawberry.UNSET,
        page: int | None = strawberry.UNSET,
        search: str | None = strawberry.UNSET,
    ) -> list[DirectusUser]:
        ctx = info.context
        wanted = [str(item) for item in ids if item is not None]
        done = await ctx.services.users.update_many(await ctx.access(), wanted, to_data(data))
        return await _read_written(info, done, filter, sort, limit, offset, page, search)

    @strawberry.mutation
    async def update_users_batch(
        self,
        info: Info,
        filter: Filter = strawberry.UNSET,
        sort: Sort = strawberry.UNSET,
        limit: int | None = strawberry.UNSET,
        offset: int | None = strawberry.UNSET,
        page: int | None = strawberry.UNSET,
        search: str | None = strawberry.UNSET,
        data: list[UpdateUsersInput] | None = strawberry.UNSET,
    ) -> list[DirectusUser]:
        ctx = info.context
        items = to_data(data) if data else []
        done = await ctx.services.users.update_batch(await ctx.access(), items)
        return await _read_written(info, done, filter, sort, limit, offset, page, search)

    @strawberry.mutation
    async def update_users_me(
        self,
        info: Info,
        data: UpdateUsersInput | None = strawberry.UNSET,
        current_password: Annotated[
            str | None,
            strawberry.argument(
                description="Not in Directus: proves a change of your own email address or "
                "password (else a login within AUTH_FRESH_LOGIN_WINDOW does)."
            ),
        ] = strawberry.UNSET,
    ) -> DirectusUser | None:
        ctx = info.context
        if ctx.accountability.user is None:
            return None
        payload = to_data(data) if data else {}
        user_id = await ctx.services.users.update_me(
            await ctx.access(), payload, current_password or None
        )
        return await _read_one(info, user_id)

    @strawberry.mutation
    async def delete_users_item(self, info: Info, id: strawberry.ID) -> DeleteOne | None:
        ctx = info.context
        await ctx.services.users.delete_many(await ctx.access(), [str(id)])
        return DeleteOne(id=id)

    @strawberry.mutation
    async def delete_users_items(
        self, info: Info, ids: list[strawberry.ID | None]
    ) -> DeleteMany | None:
        ctx = info.context
        wanted = [str(item) for item in ids if item is not None]
        await ctx.services.users.delete_many(await ctx.access(), wanted)
        # As Directus: the ids asked, those that named no row included.
        return DeleteMany(ids=[strawberry.ID(item) for item in wanted])
