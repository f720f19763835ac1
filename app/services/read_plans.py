"""Read plans kept for callers no rule narrows (admins): the statement of a read, built once.

Building a read's statement (the caller's rule and filter in SQL, the window, the related
columns read alongside) and having SQLAlchemy key it cost more than SQLite's run of it:
about 200 µs of a page of 25 users with their roles, for a few dozen µs of SQLite. For an
admin, that statement is a function of the query alone: no rule, no mask, no field withheld,
and no variable once the query names none ($CURRENT_USER, $NOW…). So it is kept under the
query and run again with fresh rows each time. Every other caller's statement depends on
their rules and variables, and is built for each request, as before.

A filter's strings compared with `_eq` or `_neq` (an email looked up, a role by name) are
bound when the statement runs: one statement serves every value. It is built once from the
query with each such string replaced by a placeholder (`shaped`) that no engine rule leaves
as it is unless it passes every value through unchanged (mixed case, LIKE's and SQL's
special characters, spaces, letters that fold or decompose); it is kept only if each
placeholder reached the statement as a bound value, untouched, and nowhere else
(app.repositories.items.bound_strings). A shape that does not is kept under each query
whole, as any other.

The statement keeps no row: writes change nothing here. A query the engine refuses is never
kept (only a statement built without error is), and a kept one passed the same checks for
the same query, which nothing else decides for an admin (settings are the process's own).
"""

from __future__ import annotations

import json
import secrets
from collections import OrderedDict
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any, Generic, TypeVar

from app.db.query.item_query import ItemQuery
from app.permissions.access import Access
from app.repositories.items import ValuesStatement
from app.services.alongside import Alongside, Plan

T = TypeVar("T")
# A read's statement and its plans of related reads alongside (app/services/alongside.py).
Built = tuple[ValuesStatement, list[Plan]]


class Unbound:
    """Kept under a shape that binds none of its strings: such queries are kept whole."""


UNBOUND = Unbound()

# Plans kept per collection: the pages and lookups an admin app repeats; the least
# recently used go first. Weighed in SQL elements (a page of users with their role's
# name is about 30; an element holds about 400 bytes with its share of SQLAlchemy's
# keys): a plan heavier than PLAN_WEIGHT_MAX is not kept, and the plans kept weigh at most
# PLANS_WEIGHT_MAX together (some 10 to 25 MB per collection at worst).
PLANS_MAX = 256
PLAN_WEIGHT_MAX = 600
PLANS_WEIGHT_MAX = 20_000
# A query longer than this as JSON is built each time: it keys no plan.
QUERY_KEY_MAX = 2048


class ReadPlans(Generic[T]):
    """The most recently used plans, by key: at most `size` of them, weighing at most
    `weight_max` together, none over `plan_weight_max`."""

    def __init__(
        self,
        size: int = PLANS_MAX,
        weight_max: int = PLANS_WEIGHT_MAX,
        plan_weight_max: int = PLAN_WEIGHT_MAX,
    ) -> None:
        self._size = size
        self._weight_max = weight_max
        self._plan_weight_max = plan_weight_max
        self._plans: OrderedDict[Hashable, tuple[T, int]] = OrderedDict()
        self._weight = 0

    def get(self, key: Hashable | None) -> T | None:
        if key is None:
            return None
        kept = self._plans.get(key)
        if kept is None:
            return None
        self._plans.move_to_end(key)
        return kept[0]

    def keep(self, key: Hashable | None, plan: T, weight: int = 1) -> None:
        if key is None or weight > self._plan_weight_max:
            return
        old = self._plans.pop(key, None)
        if old is not None:
            self._weight -= old[1]
        self._plans[key] = (plan, weight)
        self._weight += weight
        while len(self._plans) > self._size or self._weight > self._weight_max:
            _, (_, dropped) = self._plans.popitem(last=False)
            self._weight -= dropped

    def __len__(self) -> int:
        return len(self._plans)

    @property
    def weight(self) -> int:
        return self._weight


def keeps_plans(access: Access) -> bool:
    """Whether a read's statement is the query's alone: for an admin only."""
    return access.is_admin


def plan_key(access: Access, kind: str, parts: Sequence[Hashable]) -> Hashable | None:
    """The key of a read's plan, or None where its statement is not the query's alone: for
    any caller but an admin."""
    if not keeps_plans(access):
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


# The operators whose string operand a kept statement binds when it runs.
BOUND_OPERATORS = frozenset({"_eq", "_neq"})
# This process's placeholders: unguessable, and altered by any rewriting of a value; the
# mark is in each, so that a copy of one found anywhere else in a statement is seen.
PLACEHOLDER_MARK = secrets.token_hex(8)


def placeholder(index: int) -> str:
    return f"Dauth {PLACEHOLDER_MARK} #{index} %_/\\'\" ßé "


@dataclass(frozen=True)
class Shape:
    """A query with each string its filter compares by `_eq`/`_neq` replaced by a
    placeholder: `text` keys it, `query` builds its statement; `placeholders` name each
    placeholder's parameter, `values` give each parameter this request's string."""

    text: str
    query: ItemQuery
    placeholders: Mapping[str, str]
    values: Mapping[str, str]


def shaped(query: ItemQuery) -> Shape | None:
    """The query's Shape, or None where it may key no plan (see `query_key`)."""
    strings: list[str] = []

    def walk(node: Any) -> Any:
        if isinstance(node, Mapping):
            return {
                key: place(value)
                if key in BOUND_OPERATORS and isinstance(value, str)
                else walk(value)
                for key, value in node.items()
            }
        if isinstance(node, list):
            return [walk(item) for item in node]
        return node

    def place(value: str) -> str:
        strings.append(value)
        return placeholder(len(strings) - 1)

    shape = replace(query, filter=walk(query.filter))
    text = query_key(shape)
    if text is None or any(value.startswith("$") for value in strings):
        return None
    names = [f"dauth_s{index}" for index in range(len(strings))]
    return Shape(
        text=text,
        query=shape,
        placeholders={placeholder(index): name for index, name in enumerate(names)},
        values=dict(zip(names, strings, strict=True)),
    )


def _refused(value: Any) -> Any:
    raise TypeError(f"{type(value).__name__} keys no plan")
