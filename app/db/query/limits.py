"""How much work one client filter may ask for, checked once before it is translated.

A filter's size is its keys (fields, operators, `_and`/`_or`, relations, functions) and
its `_and`/`_or` branches: FILTER_MAX_NODES; the values of all its `_in`/`_nin` lists,
each one bound parameter of an IN (…): FILTER_MAX_IN (well under the 32,766 parameters
SQLite and asyncpg take). Its depth is how far `_and`/`_or` branches, relations and
functions nest: FILTER_MAX_DEPTH.
Its strings (and `search`) are at most FILTER_MAX_STRING_LENGTH characters of storable
text. Without the bound a 740 kB `_or` held the event loop for seconds while it was
translated, and SQLite refuses expression trees deeper than 1000 and LIKE patterns over
50,000 bytes anyway. The walk is iterative and stops at the first excess, so its own
cost is bounded by the limits, not by the input.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import BigInteger, ColumnElement, Integer

from app.errors import InvalidQueryError
from app.input_values import INT32_MAX, INT32_MIN, is_storable_text

_LOGICAL = frozenset({"_and", "_or"})
_LISTS = frozenset({"_in", "_nin"})


@dataclass(frozen=True)
class FilterLimits:
    max_nodes: int = 1000
    max_depth: int = 12
    max_in: int = 10_000
    max_string_length: int = 10_000


def check_text(text: str, what: str, limits: FilterLimits) -> None:
    if len(text) > limits.max_string_length:
        raise InvalidQueryError(
            f"{what} can't be longer than {limits.max_string_length} characters"
        )
    if not is_storable_text(text):
        raise InvalidQueryError(f"{what} has to be valid Unicode text without NUL characters")


def _nests(key: Any, value: Any) -> bool:
    """A key whose value is another filter level: logical, relational or a function."""
    if key in _LOGICAL:
        return True
    return isinstance(value, Mapping) and not (isinstance(key, str) and key.startswith("_"))


def check_filter(node: Any, limits: FilterLimits) -> None:
    """Raises INVALID_QUERY when a filter is larger, deeper or has longer or stranger
    strings than the limits allow; the shape itself is the translator's to judge."""
    if node is None:
        return
    nodes = values = 0
    stack: list[tuple[Any, int]] = [(node, 1)]
    while stack:
        item, depth = stack.pop()
        if depth > limits.max_depth:
            raise InvalidQueryError(
                f"A filter can't be nested more than {limits.max_depth} levels deep"
            )
        if isinstance(item, str):
            check_text(item, "A filter value", limits)
        elif isinstance(item, Mapping):
            nodes += len(item)
            for key, value in item.items():
                if isinstance(key, str):
                    check_text(key, "A filter key", limits)
                if key in _LISTS and isinstance(value, list):
                    values += len(value)  # one bound value each, in one IN (…)
                    stack.extend((entry, depth) for entry in value)
                else:
                    stack.append((value, depth + 1 if _nests(key, value) else depth))
        elif isinstance(item, list):
            nodes += len(item)
            stack.extend((entry, depth) for entry in item)
        if nodes > limits.max_nodes:
            raise InvalidQueryError(
                f"A filter can't have more than {limits.max_nodes} conditions and branches"
            )
        if values > limits.max_in:
            raise InvalidQueryError(
                f"A filter's _in and _nin lists can't hold more than {limits.max_in} values"
            )


def in_column_range(column: ColumnElement[Any], value: Any, field: str) -> Any:
    """PostgreSQL's integer columns are 32-bit: a larger number matches nothing there,
    but its driver refuses to send it at all."""
    column_type = getattr(column, "type", None)
    if (
        isinstance(value, int)
        and isinstance(column_type, Integer)
        and not isinstance(column_type, BigInteger)
        and not INT32_MIN <= value <= INT32_MAX
    ):
        raise InvalidQueryError(f'Value {value!r} is out of range for field "{field}"')
    return value
