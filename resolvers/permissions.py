"""directus_permissions: queries and mutations (shapes in resolvers/items.py), and what
the caller itself may do: permissions_me and policies_me_globals."""

from __future__ import annotations

import strawberry

from resolvers.context import Info
from resolvers.items import aggregate_rows, create, delete, read_by_id, read_list, update, written
from resolvers.types.access_results import PermissionsAggregated, PolicyMeGlobals
from resolvers.types.filters import DirectusPermissionsFilter
from resolvers.types.inputs import CreatePermissionsInput, UpdatePermissionsInput
from resolvers.types.policies import DirectusPermission
from resolvers.types.results import DeleteMany, DeleteOne
from resolvers.types.scalars import PermissionsMe

PermFilter = DirectusPermissionsFilter | None
Sort = list[str | None] | None
Ids = list[strawberry.ID | None]
U = strawberry.UNSET


@strawberry.type
class PermissionsQuery:
    @strawberry.field
    async def permissions_me(self, info: Info) -> PermissionsMe | None:
        """Per collection and action: full, partial or no access, the fields, the presets
        (null for the public, as Directus)."""
        ctx = info.context
        permissions = ctx.services.access_me.permissions(await ctx.access())
        return None if permissions is None else PermissionsMe(permissions)

    @strawberry.field
    async def policies_me_globals(self, info: Info) -> PolicyMeGlobals | None:
        """The caller's applying policies' admin_access, app_access and enforce_tfa."""
        ctx = info.context
        flags = await ctx.services.access_me.globals(await ctx.access())
        return PolicyMeGlobals(**flags)

    @strawberry.field
    async def permissions(
        self,
        info: Info,
        filter: PermFilter = U,
        sort: Sort = U,
        limit: int | None = U,
        offset: int | None = U,
        page: int | None = U,
        search: str | None = U,
    ) -> list[DirectusPermission]:
        services = info.context.services
        rows = await read_list(
            info, services.permissions, filter, sort, limit, offset, page, search
        )
        return [DirectusPermission.from_model(row) for row in rows]

    @strawberry.field
    async def permissions_by_id(
        self, info: Info, id: strawberry.ID, version: str | None = U
    ) -> DirectusPermission | None:
        row = await read_by_id(info, info.context.services.permissions, id)
        return DirectusPermission.from_model(row)

    @strawberry.field
    async def permissions_aggregated(
        self,
        info: Info,
        groupBy: list[str | None] | None = U,  # noqa: N803
        filter: PermFilter = U,
        limit: int | None = U,
        offset: int | None = U,
        page: int | None = U,
        search: str | None = U,
        sort: Sort = U,
    ) -> list[PermissionsAggregated]:
        reader = info.context.services.permissions
        rows = await aggregate_rows(
            info, reader, groupBy, filter, limit, offset, page, search, sort
        )
        return [PermissionsAggregated.from_row(row) for row in rows]


@strawberry.type
class PermissionsMutation:
    @strawberry.mutation
    async def create_permissions_item(
        self, info: Info, data: CreatePermissionsInput
    ) -> DirectusPermission | None:
        rows = await create(info, info.context.services.permissions, [data])
        return DirectusPermission.from_model(rows[0]) if rows else None

    @strawberry.mutation
    async def create_permissions_items(
        self,
        info: Info,
        filter: PermFilter = U,
        sort: Sort = U,
        limit: int | None = U,
        offset: int | None = U,
        page: int | None = U,
        search: str | None = U,
        data: list[CreatePermissionsInput] | None = U,
    ) -> list[DirectusPermission]:
        window = (filter, sort, limit, offset, page, search)
        rows = await create(info, info.context.services.permissions, data or [], window)
        return [DirectusPermission.from_model(row) for row in rows]

    @strawberry.mutation
    async def update_permissions_item(
        self, info: Info, id: strawberry.ID, data: UpdatePermissionsInput
    ) -> DirectusPermission | None:
        rows = await update(info, info.context.services.permissions, [id], data, one=True)
        return DirectusPermission.from_model(rows[0]) if rows else None

    @strawberry.mutation
    async def update_permissions_items(
        self,
        info: Info,
        ids: Ids,
        data: UpdatePermissionsInput,
        filter: PermFilter = U,
        sort: Sort = U,
        limit: int | None = U,
        offset: int | None = U,
        page: int | None = U,
        search: str | None = U,
    ) -> list[DirectusPermission]:
        window = (filter, sort, limit, offset, page, search)
        rows = await update(info, info.context.services.permissions, ids, data, window=window)
        return [DirectusPermission.from_model(row) for row in rows]

    @strawberry.mutation
    async def update_permissions_batch(
        self,
        info: Info,
        filter: PermFilter = U,
        sort: Sort = U,
        limit: int | None = U,
        offset: int | None = U,
        page: int | None = U,
        search: str | None = U,
        data: list[UpdatePermissionsInput] | None = U,
    ) -> list[DirectusPermission]:
        window = (filter, sort, limit, offset, page, search)
        rows = await written(info, info.context.services.permissions, data or [], window)
        return [DirectusPermission.from_model(row) for row in rows]

    @strawberry.mutation
    async def delete_permissions_item(self, info: Info, id: strawberry.ID) -> DeleteOne | None:
        await delete(info, info.context.services.permissions, [id])
        return DeleteOne(id=id)

    @strawberry.mutation
    async def delete_permissions_items(self, info: Info, ids: Ids) -> DeleteMany | None:
        return DeleteMany(ids=await delete(info, info.context.services.permissions, ids))
