"""GraphQL query arguments → app ItemQuery."""

from __future__ import annotations

from typing import Any

import strawberry

from app.services.queries import ItemQuery
from resolvers.types.inputs import to_data


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
