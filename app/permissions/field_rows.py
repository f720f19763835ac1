"""Per field, per item: which rows of a collection a request may reach, and on which of
them each field it touches is given (issue 18, GHSA-99vm-5v2h-h6r6).

A read reaches the rows of every grant together; each field shows only on the rows of a
grant that gives it (elsewhere it reads as null: `masks`). A write to fields F reaches the
rows where, for each f in F, some grant giving f applies: never the fields of one grant
on the rows of another.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

Filter = Mapping[str, Any]


def any_of(filters: Sequence[Filter | None]) -> Filter | None:
    """The rows of any of the grants' filters (None: every row)."""
    if not filters or any(not f for f in filters):
        return None
    unique: list[Filter] = []
    for item in filters:
        if item is not None and item not in unique:
            unique.append(item)
    return unique[0] if len(unique) == 1 else {"_or": [dict(f) for f in unique]}


def all_of(filters: Iterable[Filter | None]) -> Filter | None:
    """The rows every filter admits (None: every row)."""
    unique: list[Filter] = []
    for item in filters:
        if item and item not in unique:
            unique.append(item)
    if not unique:
        return None
    return unique[0] if len(unique) == 1 else {"_and": [dict(f) for f in unique]}


def covers(filter_: Filter | None, own: Filter) -> bool:
    """Whether `filter_` admits every row `own` admits, read off its shape (no query): it
    is None, `own` itself, or an `_or` with `own` among its parts."""
    if not filter_ or filter_ == own:
        return True
    parts = filter_.get("_or") if len(filter_) == 1 else None
    return isinstance(parts, list) and any(part == own for part in parts)
