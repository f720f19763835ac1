"""/roles: the collection and its items, as @directus/sdk's role commands call them."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from starlette.responses import JSONResponse

from app.collections import ROLES
from app.db.models import Role
from app.db.query.item_query import ItemQuery
from app.errors import ForbiddenError, InvalidPayloadError
from app.http.rest.aggregate import (
    Aggregation,
    aggregation_from_body,
    aggregation_from_params,
    rest_rows,
)
from app.http.rest.context import RestContext, data, endpoint, keys_of
from app.http.rest.fields import FieldTree, check_readable, field_tree, shape
from app.http.rest.query import RestQuery, parse_query, query_from_body
from app.permissions.access import Access

# The o2m alias: not a column of the role; its user ids are read from the users.
_USERS = "users"


def _stored(tree: FieldTree) -> set[str]:
    return set(tree.own) - {_USERS}


async def _shaped(
    ctx: RestContext, access: Access, rows: Sequence[Role], tree: FieldTree
) -> list[dict[str, Any]]:
    """Roles as JSON; `users`, when asked for, is the ids of the members the caller may
    read (Directus's o2m shape), loaded for all the roles in one query."""
    items = [shape(ROLES, row, tree, {}) for row in rows]
    if _USERS in tree.own and rows:
        ids = [str(row.id) for row in rows]
        members = await ctx.services.users.read_related(access, "role", ids, ItemQuery(), {"id"})
        for item, role_id in zip(items, ids, strict=True):
            item[_USERS] = [str(user.id) for user in members.get(role_id, [])]
    return items


async def _read(ctx: RestContext, query: RestQuery) -> JSONResponse:
    access = await ctx.access()
    tree = field_tree(ROLES, query.fields, access)
    check_readable(access, ROLES, FieldTree(own=sorted(_stored(tree))))
    roles = ctx.services.roles
    rows = await roles.read_many(access, query.items, _stored(tree))
    meta: dict[str, int] | None = None
    if query.meta:
        asked = set(query.meta)
        wanted = {name for name in ("total_count", "filter_count") if asked & {"*", name}}
        meta = await roles.counts(access, query.items, _stored(tree), wanted)
    return data(await _shaped(ctx, access, rows, tree), {"meta": meta} if meta else None)


async def _aggregate(ctx: RestContext, query: RestQuery, aggregation: Aggregation) -> JSONResponse:
    counted = aggregation.functions.get("count", [])
    rows = await ctx.services.roles.aggregate(
        await ctx.access(),
        query.items,
        aggregation.group_by,
        sorted({name for name in counted if name != "*"}),
        sorted(set(aggregation.functions.get("countDistinct", []))),
    )
    return data(rest_rows(aggregation, rows))


async def _answer_items(ctx: RestContext, ids: list[str], *, many: bool) -> JSONResponse | None:
    """Written roles as the caller may read them, in the order written. A caller who may
    write but not read them gets 204, as from Directus: the write did happen."""
    query = parse_query(ctx.request.query_params)
    access = await ctx.access()
    tree = field_tree(ROLES, query.fields, access)
    try:
        check_readable(access, ROLES, FieldTree(own=sorted(_stored(tree))))
        rows = await ctx.services.roles.read_ids(access, ids, _stored(tree))
        shaped = await _shaped(ctx, access, rows, tree)
    except ForbiddenError:
        return None
    if many:
        return data(shaped)
    return data(shaped[0] if shaped else None)


@endpoint
async def list_roles(ctx: RestContext) -> JSONResponse:
    query = parse_query(ctx.request.query_params)
    aggregation = aggregation_from_params(ctx.request.query_params)
    if aggregation.wanted:
        return await _aggregate(ctx, query, aggregation)
    return await _read(ctx, query)


@endpoint
async def search_roles(ctx: RestContext) -> JSONResponse:
    body = await ctx.body()
    query = query_from_body(body)
    inner = body.get("query") if isinstance(body, Mapping) else None
    aggregation = aggregation_from_body(inner) if isinstance(inner, Mapping) else Aggregation()
    if aggregation.wanted:
        return await _aggregate(ctx, query, aggregation)
    return await _read(ctx, query)


@endpoint
async def create_roles(ctx: RestContext) -> JSONResponse | None:
    body = await ctx.body()
    many = isinstance(body, list)
    items = body if many else [body]
    if not all(isinstance(item, Mapping) for item in items):
        raise InvalidPayloadError("Send a role object or a list of them")
    ids = await ctx.services.roles.create_many(await ctx.access(), items)
    return await _answer_items(ctx, ids, many=many)


@endpoint
async def update_roles(ctx: RestContext) -> JSONResponse | None:
    """PATCH /roles: {"keys": [...], "data": {...}}, or a list of roles carrying their ids."""
    body = await ctx.body()
    access = await ctx.access()
    if isinstance(body, list):
        ids = await ctx.services.roles.update_batch(access, body)
    else:
        changes = body.get("data") if isinstance(body, Mapping) else None
        if not isinstance(changes, Mapping):
            raise InvalidPayloadError('"data" has to be an object')
        ids = await ctx.services.roles.update_many(access, keys_of(body), changes)
    return await _answer_items(ctx, ids, many=True)


@endpoint
async def delete_roles(ctx: RestContext) -> None:
    await ctx.services.roles.delete_many(await ctx.access(), keys_of(await ctx.body()))


@endpoint
async def read_role(ctx: RestContext) -> JSONResponse:
    role_id = str(ctx.request.path_params["id"])
    query = parse_query(ctx.request.query_params)
    access = await ctx.access()
    tree = field_tree(ROLES, query.fields, access)
    check_readable(access, ROLES, FieldTree(own=sorted(_stored(tree))))
    row = await ctx.services.roles.read_one(access, role_id, _stored(tree))
    return data((await _shaped(ctx, access, [row], tree))[0])


@endpoint
async def update_role(ctx: RestContext) -> JSONResponse | None:
    role_id = str(ctx.request.path_params["id"])
    await ctx.services.roles.update_one(await ctx.access(), role_id, await ctx.object_body())
    return await _answer_items(ctx, [role_id], many=False)


@endpoint
async def delete_role(ctx: RestContext) -> None:
    await ctx.services.roles.delete_many(await ctx.access(), [str(ctx.request.path_params["id"])])
