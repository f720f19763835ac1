"""directus_policies and directus_access: queries and mutations, each one service call
(the shared shapes are in resolvers/items.py)."""

from __future__ import annotations

import strawberry

from resolvers.context import Info
from resolvers.items import aggregate_rows, create, delete, read_by_id, read_list, update, written
from resolvers.types.access_results import AccessAggregated, PoliciesAggregated
from resolvers.types.filters import DirectusAccessFilter, DirectusPoliciesFilter
from resolvers.types.inputs import (
    CreateAccessInput,
    CreatePoliciesInput,
    UpdateAccessInput,
    UpdatePoliciesInput,
)
from resolvers.types.policies import DirectusAccess, DirectusPolicy
from resolvers.types.results import DeleteMany, DeleteOne

PFilter = DirectusPoliciesFilter | None
AFilter = DirectusAccessFilter | None
Sort = list[str | None] | None
Ids = list[strawberry.ID | None]
U = strawberry.UNSET


@strawberry.type
class PoliciesQuery:
    @strawberry.field
    async def policies(
        self,
        info: Info,
        filter: PFilter = U,
        sort: Sort = U,
        limit: int | None = U,
        offset: int | None = U,
        page: int | None = U,
        search: str | None = U,
    ) -> list[DirectusPolicy]:
        services = info.context.services
        rows = await read_list(info, services.policies, filter, sort, limit, offset, page, search)
        return [DirectusPolicy.from_model(row) for row in rows]

    @strawberry.field
    async def policies_by_id(
        self, info: Info, id: strawberry.ID, version: str | None = U
    ) -> DirectusPolicy | None:
        row = await read_by_id(info, info.context.services.policies, id)
        return DirectusPolicy.from_model(row)

    @strawberry.field
    async def policies_aggregated(
        self,
        info: Info,
        groupBy: list[str | None] | None = U,  # noqa: N803
        filter: PFilter = U,
        limit: int | None = U,
        offset: int | None = U,
        page: int | None = U,
        search: str | None = U,
        sort: Sort = U,
    ) -> list[PoliciesAggregated]:
        reader = info.context.services.policies
        rows = await aggregate_rows(
            info, reader, groupBy, filter, limit, offset, page, search, sort
        )
        return [PoliciesAggregated.from_row(row) for row in rows]

    @strawberry.field
    async def access(
        self,
        info: Info,
        filter: AFilter = U,
        sort: Sort = U,
        limit: int | None = U,
        offset: int | None = U,
        page: int | None = U,
        search: str | None = U,
    ) -> list[DirectusAccess]:
        services = info.context.services
        rows = await read_list(info, services.access, filter, sort, limit, offset, page, search)
        return [DirectusAccess.from_model(row) for row in rows]

    @strawberry.field
    async def access_by_id(
        self, info: Info, id: strawberry.ID, version: str | None = U
    ) -> DirectusAccess | None:
        row = await read_by_id(info, info.context.services.access, id)
        return DirectusAccess.from_model(row)

    @strawberry.field
    async def access_aggregated(
        self,
        info: Info,
        groupBy: list[str | None] | None = U,  # noqa: N803
        filter: AFilter = U,
        limit: int | None = U,
        offset: int | None = U,
        page: int | None = U,
        search: str | None = U,
        sort: Sort = U,
    ) -> list[AccessAggregated]:
        reader = info.context.services.access
        rows = await aggregate_rows(
            info, reader, groupBy, filter, limit, offset, page, search, sort
        )
        return [AccessAggregated.from_row(row) for row in rows]


@strawberry.type
class PoliciesMutation:
    @strawberry.mutation
    async def create_policies_item(
        self, info: Info, data: CreatePoliciesInput
    ) -> DirectusPolicy | None:
        rows = await create(info, info.context.services.policies, [data])
        return DirectusPolicy.from_model(rows[0]) if rows else None

    @strawberry.mutation
    async def create_policies_items(
        self,
        info: Info,
        filter: PFilter = U,
        sort: Sort = U,
        limit: int | None = U,
        offset: int | None = U,
        page: int | None = U,
        search: str | None = U,
        data: list[CreatePoliciesInput] | None = U,
    ) -> list[DirectusPolicy]:
        window = (filter, sort, limit, offset, page, search)
        rows = await create(info, info.context.services.policies, data or [], window)
        return [DirectusPolicy.from_model(row) for row in rows]

    @strawberry.mutation
    async def update_policies_item(
        self, info: Info, id: strawberry.ID, data: UpdatePoliciesInput
    ) -> DirectusPolicy | None:
        rows = await update(info, info.context.services.policies, [id], data, one=True)
        return DirectusPolicy.from_model(rows[0]) if rows else None

    @strawberry.mutation
    async def update_policies_items(
        self,
        info: Info,
        ids: Ids,
        data: UpdatePoliciesInput,
        filter: PFilter = U,
        sort: Sort = U,
        limit: int | None = U,
        offset: int | None = U,
        page: int | None = U,
        search: str | None = U,
    ) -> list[DirectusPolicy]:
        window = (filter, sort, limit, offset, page, search)
        rows = await update(info, info.context.services.policies, ids, data, window=window)
        return [DirectusPolicy.from_model(row) for row in rows]

    @strawberry.mutation
    async def update_policies_batch(
        self,
        info: Info,
        filter: PFilter = U,
        sort: Sort = U,
        limit: int | None = U,
        offset: int | None = U,
        page: int | None = U,
        search: str | None = U,
        data: list[UpdatePoliciesInput] | None = U,
    ) -> list[DirectusPolicy]:
        window = (filter, sort, limit, offset, page, search)
        rows = await written(info, info.context.services.policies, data or [], window)
        return [DirectusPolicy.from_model(row) for row in rows]

    @strawberry.mutation
    async def delete_policies_item(self, info: Info, id: strawberry.ID) -> DeleteOne | None:
        await delete(info, info.context.services.policies, [id])
        return DeleteOne(id=id)

    @strawberry.mutation
    async def delete_policies_items(self, info: Info, ids: Ids) -> DeleteMany | None:
        return DeleteMany(ids=await delete(info, info.context.services.policies, ids))

    @strawberry.mutation
    async def create_access_item(
        self, info: Info, data: CreateAccessInput
    ) -> DirectusAccess | None:
        rows = await create(info, info.context.services.access, [data])
        return DirectusAccess.from_model(rows[0]) if rows else None

    @strawberry.mutation
    async def create_access_items(
        self,
        info: Info,
        filter: AFilter = U,
        sort: Sort = U,
        limit: int | None = U,
        offset: int | None = U,
        page: int | None = U,
        search: str | None = U,
        data: list[CreateAccessInput] | None = U,
    ) -> list[DirectusAccess]:
        window = (filter, sort, limit, offset, page, search)
        rows = await create(info, info.context.services.access, data or [], window)
        return [DirectusAccess.from_model(row) for row in rows]

    @strawberry.mutation
    async def update_access_item(
        self, info: Info, id: strawberry.ID, data: UpdateAccessInput
    ) -> DirectusAccess | None:
        rows = await update(info, info.context.services.access, [id], data, one=True)
        return DirectusAccess.from_model(rows[0]) if rows else None

    @strawberry.mutation
    async def update_access_items(
        self,
        info: Info,
        ids: Ids,
        data: UpdateAccessInput,
        filter: AFilter = U,
        sort: Sort = U,
        limit: int | None = U,
        offset: int | None = U,
        page: int | None = U,
        search: str | None = U,
    ) -> list[DirectusAccess]:
        window = (filter, sort, limit, offset, page, search)
        rows = await update(info, info.context.services.access, ids, data, window=window)
        return [DirectusAccess.from_model(row) for row in rows]

    @strawberry.mutation
    async def update_access_batch(
        self,
        info: Info,
        filter: AFilter = U,
        sort: Sort = U,
        limit: int | None = U,
        offset: int | None = U,
        page: int | None = U,
        search: str | None = U,
        data: list[UpdateAccessInput] | None = U,
    ) -> list[DirectusAccess]:
        window = (filter, sort, limit, offset, page, search)
        rows = await written(info, info.context.services.access, data or [], window)
        return [DirectusAccess.from_model(row) for row in rows]

    @strawberry.mutation
    async def delete_access_item(self, info: Info, id: strawberry.ID) -> DeleteOne | None:
        await delete(info, info.context.services.access, [id])
        return DeleteOne(id=id)

    @strawberry.mutation
    async def delete_access_items(self, info: Info, ids: Ids) -> DeleteMany | None:
        return DeleteMany(ids=await delete(info, info.context.services.access, ids))
