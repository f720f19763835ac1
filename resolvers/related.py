"""Many-to-one fields (a user's role and avatar): batched, permission-checked reads."""

from __future__ import annotations

from typing import Any, TypeVar

import strawberry

from app.db.types import Model
from app.services.items import ItemReader
from resolvers.context import Info
from resolvers.engine.selection import requested_fields
from resolvers.queries import item_query

M = TypeVar("M", bound=Model)


async def related_row(
    info: Info, reader: ItemReader[M], item_id: str, filter: Any, search: Any
) -> M | None:
    """The related row if the caller may read it (and it matches the field's filter)."""
    ctx = info.context
    access = await ctx.access()
    fields = requested_fields(info)
    rule = reader.read_rule(access, fields)
    if (filter is not None and filter is not strawberry.UNSET) or search:
        query = item_query(filter, search=search or None, only_ids=[item_id])
        rows = await reader.read_many(access, query, fields)
        return rows[0] if rows else None

    async def load(ids: list[str]) -> list[M | None]:
        # The rows where one grant gives exactly the fields selected here.
        return await reader.readable_by_ids(access, ids, fields)

    key = f"{reader.collection.name}.by_id:" + ",".join(sorted(fields))
    loader = ctx.loader(key, load)
    own = access.own_row(reader.collection.name, item_id, rule)
    if own is not None:
        loader.prime(item_id, own)  # read while authenticating this request
    row: M | None = await loader.load(item_id)
    return row
