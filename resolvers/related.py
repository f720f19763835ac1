"""Relational fields (a user's role, a role's users, a policy's permissions): batched,
permission-checked reads."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import replace
from typing import Any, TypeVar

import strawberry

from app.db.types import Model
from app.services.items import ItemReader
from resolvers.context import Info
from resolvers.engine.selection import requested_fields
from resolvers.queries import item_query
from resolvers.types.functions import CountFunctions
from resolvers.types.inputs import to_data

M = TypeVar("M", bound=Model)


async def related_row(
    info: Info, reader: ItemReader[M], item_id: str, filter: Any, search: Any
) -> M | None:
    """The related row if the caller may read it (and it matches the field's filter)."""
    ctx = info.context
    access = await ctx.access()
    if (filter is not None and filter is not strawberry.UNSET) or search:
        fields = requested_fields(info)
        reader.read_rule(access, fields)  # FORBIDDEN for a field no grant gives
        query = item_query(filter, search=search or None, only_ids=[item_id])
        rows = await reader.read_many(access, query, fields)
        return rows[0] if rows else None
    # The same for every row under this field of the document: worked out once.
    node = info._raw_info.field_nodes[0]
    memo_key = ("related_row", id(node), reader.collection.name)
    memo = ctx.memo.get(memo_key)
    if memo is None or memo[0] is not node:
        fields = requested_fields(info)
        rule = reader.read_rule(access, fields)

        async def load(ids: list[str]) -> list[M | None]:
            # The rows where one grant gives exactly the fields selected here.
            return await reader.readable_by_ids(access, ids, fields)

        key = f"{reader.collection.name}.by_id:" + ",".join(sorted(fields))
        memo = ctx.memo[memo_key] = (node, rule, ctx.loader(key, load))
    _, rule, loader = memo
    own = access.own_row(reader.collection.name, item_id, rule)
    if own is not None:
        loader.prime(item_id, own)  # read while authenticating this request
    row: M | None = await loader.load(item_id)
    return row


def parent_field(info: Info) -> tuple[str, str]:
    """The parent's collection (its type's name) and o2m field this resolver answers."""
    parent = info.path.typename or ""
    return parent, info.field_name.removesuffix("_func")


async def related_many(
    info: Info,
    reader: ItemReader[M],
    column: str,
    parent_id: str,
    arguments: tuple[Any, Any, Any, Any, Any, Any],
    only: Mapping[str, Any] | None = None,
) -> list[M]:
    """An o2m field: the rows whose `column` points at the parent, windowed per parent and
    batched across parents (one query per distinct field and arguments). `only` narrows the
    rows further (a policy's `users` are its access rows that name a user)."""
    ctx = info.context
    access = await ctx.access()
    query = item_query(*arguments)
    if only is not None:
        both = [dict(only), dict(query.filter)] if query.filter else [dict(only)]
        query = replace(query, filter={"_and": both})
    fields = requested_fields(info)
    key = f"{reader.collection.name}.{column}:" + json.dumps(
        [to_data(arguments[0]), *arguments[1:], only, sorted(fields)], default=str
    )

    via = parent_field(info)

    async def load(parent_ids: list[str]) -> list[list[M]]:
        grouped = await reader.read_related(access, column, parent_ids, query, fields, via)
        return [list(grouped.get(parent, [])) for parent in parent_ids]

    rows: list[M] = await ctx.loader(key, load).load(parent_id)
    return rows


async def related_count(
    info: Info, reader: ItemReader[M], column: str, parent_id: str
) -> CountFunctions:
    """An o2m's `<field>_func { count }`: the rows the caller may see, counted per parent."""
    ctx = info.context
    access = await ctx.access()

    via = parent_field(info)

    async def load(parent_ids: list[str]) -> list[int]:
        counts = await reader.count_related(access, column, parent_ids, via)
        return [counts[parent] for parent in parent_ids]

    key = f"{reader.collection.name}.{column}_func:{via}"
    count: int = await ctx.loader(key, load).load(parent_id)
    return CountFunctions(count=count)
