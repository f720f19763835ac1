"""Roles: queries and mutations, each one service call."""

from __future__ import annotations

import strawberry

from resolvers.context import Info
from resolvers.engine.selection import requested_fields
from resolvers.queries import item_query, written_rows
from resolvers.types.filters import DirectusRolesFilter
from resolvers.types.inputs import CreateRolesInput, UpdateRolesInput, to_data
from resolvers.types.results import DeleteMany, DeleteOne
from resolvers.types.roles import DirectusRole

Filter = DirectusRolesFilter | None
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
) -> list[DirectusRole]:
    reader = info.context.services.roles
    rows = await written_rows(info, reader, ids, filter, sort, limit, offset, page, search)
    return [DirectusRole.from_model(row) for row in rows]


@strawberry.type
class RolesQuery:
    @strawberry.field
    async def roles(
        self,
        info: Info,
        filter: Filter = strawberry.UNSET,
        sort: Sort = strawberry.UNSET,
        limit: int | None = strawberry.UNSET,
        offset: int | None = strawberry.UNSET,
        page: int | None = strawberry.UNSET,
        search: str | None = strawberry.UNSET,
    ) -> list[DirectusRole]:
        ctx = info.context
        query = item_query(filter, sort, limit, offset, page, search)
        rows = await ctx.services.roles.read_many(await ctx.access(), query, requested_fields(info))
        return [DirectusRole.from_model(row) for row in rows]

    @strawberry.field
    async def roles_me(self, info: Info) -> list[DirectusRole | None] | None:
        """The caller's role as a list (null for the public, [] without a role)."""
        ctx = info.context
        rows = await ctx.services.roles.read_mine(await ctx.access(), requested_fields(info))
        return None if rows is None else [DirectusRole.from_model(row) for row in rows]

    @strawberry.field
    async def roles_by_id(
        self, info: Info, id: strawberry.ID, version: str | None = strawberry.UNSET
    ) -> DirectusRole | None:
        ctx = info.context
        row = await ctx.services.roles.read_one(await ctx.access(), str(id), requested_fields(info))
        return DirectusRole.from_model(row)


@strawberry.type
class RolesMutation:
    @strawberry.mutation
    async def create_roles_item(self, info: Info, data: CreateRolesInput) -> DirectusRole | None:
        ctx = info.context
        ids = await ctx.services.roles.create_many(await ctx.access(), [to_data(data)])
        rows = await _read_written(info, ids)
        return rows[0] if rows else None

    @strawberry.mutation
    async def create_roles_items(
        self,
        info: Info,
        filter: Filter = strawberry.UNSET,
        sort: Sort = strawberry.UNSET,
        limit: int | None = strawberry.UNSET,
        offset: int | None = strawberry.UNSET,
        page: int | None = strawberry.UNSET,
        search: str | None = strawberry.UNSET,
        data: list[CreateRolesInput] | None = strawberry.UNSET,
    ) -> list[DirectusRole]:
        ctx = info.context
        ids = await ctx.services.roles.create_many(
            await ctx.access(), to_data(data) if data else []
        )
        return await _read_written(info, ids, filter, sort, limit, offset, page, search)

    @strawberry.mutation
    async def update_roles_item(
        self, info: Info, id: strawberry.ID, data: UpdateRolesInput
    ) -> DirectusRole | None:
        ctx = info.context
        await ctx.services.roles.update_one(await ctx.access(), str(id), to_data(data))
        rows = await _read_written(info, [str(id)])
        return rows[0] if rows else None

    @strawberry.mutation
    async def update_roles_items(
        self,
        info: Info,
        ids: list[strawberry.ID | None],
        data: UpdateRolesInput,
        filter: Filter = strawberry.UNSET,
        sort: Sort = strawberry.UNSET,
        limit: int | None = strawberry.UNSET,
        offset: int | None = strawberry.UNSET,
        page: int | None = strawberry.UNSET,
        search: str | None = strawberry.UNSET,
    ) -> list[DirectusRole]:
        ctx = info.context
        wanted = [str(item) for item in ids if item is not None]
        done = await ctx.services.roles.update_many(await ctx.access(), wanted, to_data(data))
        return await _read_written(info, done, filter, sort, limit, offset, page, search)

    @strawberry.mutation
    async def delete_roles_item(self, info: Info, id: strawberry.ID) -> DeleteOne | None:
        ctx = info.context
        await ctx.services.roles.delete_many(await ctx.access(), [str(id)])
        return DeleteOne(id=id)

    @strawberry.mutation
    async def delete_roles_items(
        self, info: Info, ids: list[strawberry.ID | None]
    ) -> DeleteMany | None:
        ctx = info.context
        wanted = [str(item) for item in ids if item is not None]
        await ctx.services.roles.delete_many(await ctx.access(), wanted)
        # As Directus: the ids asked, those that named no row included.
        return DeleteMany(ids=[strawberry.ID(item) for item in wanted])
