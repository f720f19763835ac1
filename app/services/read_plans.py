"""Read plans kept for callers no rule narrows (admins): the statement of a read, built once.

Building a read's statement (the caller's rule and filter in SQL, the window, the related
columns read alongside) and having SQLAlchemy key it cost more than SQLite's run of it:
about 200 µs of a page of 25 users with their roles, for a few dozen µs of SQLite. For an
admin, that statement is a function of the query alone: no rule, no mask, no field withheld,
and no variable once the query names none ($CURRENT_USER, $NOW…). So it is kept under the
query and run again with fresh rows each time. Every other caller's statement depends on
their rules and variables, and is built for each request, as before.

The statement keeps no row: writes change nothing here. A query the engine refuses is never
kept (only a statement built without error is), and a kept one passed the same checks for
the same query, which nothing else decides for an admin (settings are the process's own).
"""

from __future__ import annotations

import json
from collections import OrderedDict
from collections.abc import Hashable, Sequence
from typing import Any, Generic, TypeVar

from app.db.query.item_query import ItemQuery
from app.permissions.access import Access
from app.services.alongside import Alongside

T = TypeVar("T")

# Plans kept per collection: the pages and lookups an admin app repeats; the least
# recently used go first.
PLANS_MAX = 256
# A query longer than this as JSON is built each time: it keys no plan.
QUERY_KEY_MAX = 4096


class ReadPlans(Generic[T]):
    """The most recently used plans, by key; at most `size` of them."""

    def __init__(self, size: int = PLANS_MAX) -> None:
        self._size = size
        self._plans: OrderedDict[Hashable, T] = OrderedDict()

    def get(self, key: Hashable | None) -> T | None:
        if key is None:
            return None
        plan = self._plans.get(key)
        if plan is not None:
            self._plans.move_to_end(key)
        return plan

    def keep(self, key: Hashable | None, plan: T) -> None:
        if key is None:
            return
        self._plans[key] = plan
        self._plans.move_to_end(key)
        while len(self._plans) > self._size:
            self._plans.popitem(last=False)

    def __len__(self) -> int:
        return len(self._plans)


def plan_key(access: Access, kind: str, parts: Sequence[Hashable]) -> Hashable | None:
    """The key of a read's plan, or None where its statement is not the query's alone: for
    any caller but an admin."""
    if not access.is_admin:
        return None
    return (kind, *parts)


def alongside_key(alongside: Sequence[Alongside]) -> tuple[Hashable, ...]:
    """What of the related reads alongside a kept plan depends on."""
    return tuple((item.column, item.reader.model, item.fields) for item in alongside)


def query_key(query: ItemQuery) -> str | None:
    """The query as one canonical string, or None where it may key no plan: a variable
    anywhere in it (its value changes with the caller or the clock), a value JSON cannot
    say exactly, or a query longer than QUERY_KEY_MAX."""
    try:
        text = json.dumps(
            [query.filter, query.sort, query.limit, query.offset, query.page, query.search],
            sort_keys=True,
            separators=(",", ":"),
            default=_refused,
        )
    except (TypeError, ValueError):
        return None
    if '"$' in text or len(text) > QUERY_KEY_MAX:
        return None
    return text


def _refused(value: Any) -> Any:
    raise TypeError(f"{type(value).__name__} keys no plan")
