"""A collection's REST twin, as @directus/sdk calls it: GET/SEARCH/POST/PATCH/DELETE on
the collection, GET/PATCH/DELETE on `/:id`. Roles, policies, access rows and permissions
are all served by it; relations are shaped by app/http/rest/relations.py."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from app.collections import Collection
from app.db.query.item_query import ItemQuery
from app.errors import ForbiddenError, InvalidPayloadError
from app.http.rest.aggregate import (
    Aggregation,
    aggregation_from_body,
    aggregation_from_params,
    rest_rows,
)
from app.http.rest.context import RestContext, data, endpoint, keys_of
from app.http.rest.fields import check_readable, field_tree
from app.http.rest.query import RestQuery, parse_query, query_from_body
from app.http.rest.relations import shape_rows, stored
from app.permissions.access import Access
from app.services.container import Services


class ItemsService(Protocol):
    """What the collection's service offers (RolesService, AccessItemsService)."""

    async def read_many(self, access: Access, query: ItemQuery, fields: Any) -> list[Any]: ...
    async def read_ids(self, access: Access, ids: Any, fields: Any) -> list[Any]: ...
    async def read_one(self, access: Access, item_id: str, fields: Any) -> Any: ...
    async def counts(
        self, access: Access, query: ItemQuery, fields: Any, wanted: Any
    ) -> dict[str, int]: ...
    async def aggregate(
        self, access: Access, query: ItemQuery, group_by: Any, count: Any, count_distinct: Any
    ) -> list[dict[str, Any]]: ...
    async def create_many(self, access: Access, items: Any) -> list[str]: ...
    async def update_many(self, access: Access, ids: Any, data: Any) -> list[str]: ...
    async def update_one(self, access: Access, item_id: str, data: Any) -> str: ...
    async def update_batch(self, access: Access, items: Any) -> list[str]: ...
    async def delete_many(self, access: Access, ids: Any) -> list[str]: ...


Handler = Callable[[Request], Awaitable[Response]]


@dataclass(frozen=True)
class CollectionRoutes:
    collection: Collection
    service: Callable[[Services], ItemsService]

    async def _read(self, ctx: RestContext, query: RestQuery) -> JSONResponse:
        access = await ctx.access()
        tree = field_tree(self.collection, query.fields, access)
        fields = stored(self.collection, tree)
        check_readable(access, self.collection, tree)
        service = self.service(ctx.services)
        rows = await service.read_many(access, query.items, fields)
        meta: dict[str, int] | None = None
        if query.meta:
            asked = set(query.meta)
            wanted = {name for name in ("total_count", "filter_count") if asked & {"*", name}}
            meta = await service.counts(access, query.items, fields, wanted)
        shaped = await shape_rows(ctx.services, access, self.collection, rows, tree)
        return data(shaped, {"meta": meta} if meta else None)

    async def _aggregate(
        self, ctx: RestContext, query: RestQuery, aggregation: Aggregation
    ) -> JSONResponse:
        counted = aggregation.functions.get("count", [])
        rows = await self.service(ctx.services).aggregate(
            await ctx.access(),
            query.items,
            aggregation.group_by,
            sorted({name for name in counted if name != "*"}),
            sorted(set(aggregation.functions.get("countDistinct", []))),
        )
        return data(rest_rows(aggregation, rows))

    async def _answer(self, ctx: RestContext, ids: list[str], *, many: bool) -> JSONResponse | None:
        """Written items as the caller may read them, in the order written. A caller who
        may write but not read them gets 204, as from Directus: the write did happen."""
        query = parse_query(ctx.request.query_params)
        access = await ctx.access()
        tree = field_tree(self.collection, query.fields, access)
        fields = stored(self.collection, tree)
        try:
            check_readable(access, self.collection, tree)
            rows = await self.service(ctx.services).read_ids(access, ids, fields)
            shaped = await shape_rows(ctx.services, access, self.collection, rows, tree)
        except ForbiddenError:
            return None
        if many:
            return data(shaped)
        return data(shaped[0] if shaped else None)

    async def read_list(self, ctx: RestContext) -> JSONResponse:
        query = parse_query(ctx.request.query_params)
        aggregation = aggregation_from_params(ctx.request.query_params)
        if aggregation.wanted:
            return await self._aggregate(ctx, query, aggregation)
        return await self._read(ctx, query)

    async def search(self, ctx: RestContext) -> JSONResponse:
        body = await ctx.body()
        query = query_from_body(body)
        inner = body.get("query") if isinstance(body, Mapping) else None
        aggregation = aggregation_from_body(inner) if isinstance(inner, Mapping) else Aggregation()
        if aggregation.wanted:
            return await self._aggregate(ctx, query, aggregation)
        return await self._read(ctx, query)

    async def create(self, ctx: RestContext) -> JSONResponse | None:
        body = await ctx.body()
        many = isinstance(body, list)
        items = body if many else [body]
        if not all(isinstance(item, Mapping) for item in items):
            raise InvalidPayloadError("Send an object or a list of them")
        ids = await self.service(ctx.services).create_many(await ctx.access(), items)
        return await self._answer(ctx, ids, many=many)

    async def update(self, ctx: RestContext) -> JSONResponse | None:
        """{"keys": [...], "data": {...}}, or a list of items carrying their ids."""
        body = await ctx.body()
        access = await ctx.access()
        service = self.service(ctx.services)
        if isinstance(body, list):
            ids = await service.update_batch(access, body)
        else:
            changes = body.get("data") if isinstance(body, Mapping) else None
            if not isinstance(changes, Mapping):
                raise InvalidPayloadError('"data" has to be an object')
            ids = await service.update_many(access, keys_of(body), changes)
        return await self._answer(ctx, ids, many=True)

    async def delete(self, ctx: RestContext) -> None:
        keys = keys_of(await ctx.body())
        await self.service(ctx.services).delete_many(await ctx.access(), keys)

    async def read_item(self, ctx: RestContext) -> JSONResponse:
        item_id = str(ctx.request.path_params["id"])
        query = parse_query(ctx.request.query_params)
        access = await ctx.access()
        tree = field_tree(self.collection, query.fields, access)
        fields = stored(self.collection, tree)
        check_readable(access, self.collection, tree)
        row = await self.service(ctx.services).read_one(access, item_id, fields)
        return data((await shape_rows(ctx.services, access, self.collection, [row], tree))[0])

    async def update_item(self, ctx: RestContext) -> JSONResponse | None:
        item_id = str(ctx.request.path_params["id"])
        body = await ctx.object_body()
        await self.service(ctx.services).update_one(await ctx.access(), item_id, body)
        return await self._answer(ctx, [item_id], many=False)

    async def delete_item(self, ctx: RestContext) -> None:
        item_id = str(ctx.request.path_params["id"])
        await self.service(ctx.services).delete_many(await ctx.access(), [item_id])

    def routes(self, path: str) -> list[BaseRoute]:
        item = f"{path}/{{id}}"
        return [
            Route(path, endpoint(self.read_list), methods=["GET"]),
            Route(path, endpoint(self.search), methods=["SEARCH"]),
            Route(path, endpoint(self.create), methods=["POST"]),
            Route(path, endpoint(self.update), methods=["PATCH"]),
            Route(path, endpoint(self.delete), methods=["DELETE"]),
            Route(item, endpoint(self.read_item), methods=["GET"]),
            Route(item, endpoint(self.update_item), methods=["PATCH"]),
            Route(item, endpoint(self.delete_item), methods=["DELETE"]),
        ]
