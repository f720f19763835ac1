"""GraphQL query arguments → app ItemQuery."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, TypeVar

import strawberry

from app.db.query.item_query import ItemQuery
from app.db.types import Model
from app.services.items import ItemReader
from resolvers.context import Info
from resolvers.engine.selection import requested_fields
from resolvers.types.inputs import to_data

M = TypeVar("M", bound=Model)


def _given(value: Any) -> Any:
    return None if value is None or value is strawberry.UNSET else value


def item_query(
    filter: Any = None,
    sort: list[str | None] | None = None,
    limit: int | None = None,
    offset: int | None = None,
    page: int | None = None,
    search: str | None = None,
    *,
    only_ids: list[str] | None = None,
) -> ItemQuery:
    """`only_ids` narrows a query to freshly written rows (mutations return those)."""
    condition = to_data(_given(filter)) or None
    if only_ids is not None:
        scope = {"id": {"_in": only_ids}}
        condition = {"_and": [condition, scope]} if condition else scope
    sort_terms = [term for term in (_given(sort) or []) if term]
    return ItemQuery(
        filter=condition,
        sort=sort_terms or None,
        limit=_given(limit),
        offset=_given(offset),
        page=_given(page),
        search=_given(search) or None,
    )


def in_written_order(rows: list[M], ids: list[str], sort: Sequence[str] | None) -> list[M]:
    """Without an explicit sort, mutations answer in the order the items were given."""
    if sort:
        return rows
    position = {item_id: index for index, item_id in enumerate(ids)}
    return sorted(rows, key=lambda row: position.get(str(getattr(row, "id")), len(ids)))  # noqa: B009


async def written_rows(
    info: Info,
    reader: ItemReader[M],
    ids: list[str],
    filter: Any = None,
    sort: list[str | None] | None = None,
    limit: int | None = None,
    offset: int | None = None,
    page: int | None = None,
    search: str | None = None,
) -> list[M]:
    """Mutations answer with the written rows, as far as the caller may read them."""
    query = item_query(filter, sort, limit, offset, page, search, only_ids=ids)
    access = await info.context.access()
    rows = await reader.read_many(access, query, requested_fields(info))
    return in_written_order(rows, ids, query.sort)
