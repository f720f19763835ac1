"""Whether a filter reaching through a many-to-one can match a related row that is missing.

As in Directus, `role: { name: { _eq: "Editors" } }` is matched against the user's role or,
where there is none, against an all-null row (so `{role: {id: {_null: true}}}` finds the users
without a role): a correlated EXISTS over a LEFT JOIN from a one-row anchor, evaluated on
every row of the table. Where the filter can never be true of the all-null row, it means
the same as `role IN (the ids of the roles it matches)`, which the column's index answers.
`rejects_missing` says so only for shapes it proves; anything else keeps the EXISTS.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from app.collections import COLLECTIONS, Collection

# Operators never true of NULL, whatever their value: a comparison with NULL is not true, an
# empty `_in` is false. Not `_eq` (`_eq: null` means IS NULL: see `_false_on_null`), nor any
# negation.
FALSE_ON_NULL = frozenset(
    {
        "_in",
        "_gt",
        "_gte",
        "_lt",
        "_lte",
        "_between",
        "_contains",
        "_icontains",
        "_starts_with",
        "_istarts_with",
        "_ends_with",
        "_iends_with",
    }
)


def split_m2o(node: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """A many-to-one's filter: the operators on its own column (`role: {_null: true}`), and
    the filter on its target (`role: {name: …}`, `_and`, `_or`)."""
    direct = {k: v for k, v in node.items() if k.startswith("_") and k not in ("_and", "_or")}
    return direct, {k: v for k, v in node.items() if k not in direct}


def rejects_missing(collection: Collection, node: Any) -> bool:
    """True only if the filter `node` on `collection` is false for an all-null row."""
    if not isinstance(node, Mapping):
        return False
    return any(_rejects(collection, key, value) for key, value in node.items())


def _rejects(collection: Collection, key: Any, value: Any) -> bool:
    if key == "_and":
        return isinstance(value, list) and any(rejects_missing(collection, v) for v in value)
    if key == "_or":
        return (
            isinstance(value, list)
            and bool(value)
            and all(rejects_missing(collection, v) for v in value)
        )
    if not isinstance(key, str) or not isinstance(value, Mapping):
        return False
    relation = collection.relations.get(key)
    if relation is not None:
        if relation.many:
            return False
        # Its own column is null on the all-null row: an operator on it, or a filter on
        # its target (matched there against an all-null row in turn).
        direct, nested = split_m2o(value)
        return any(_false_on_null(op, operand) for op, operand in direct.items()) or (
            bool(nested) and rejects_missing(COLLECTIONS[relation.target], nested)
        )
    if key in collection.fields:
        return any(_false_on_null(operator, operand) for operator, operand in value.items())
    return False


def _false_on_null(operator: Any, operand: Any) -> bool:
    """`_eq` with a value given as such (not null, not a `$VARIABLE` that may be null) is a
    comparison like the others."""
    if operator == "_eq":
        return operand is not None and not (isinstance(operand, str) and operand.startswith("$"))
    return operator in FALSE_ON_NULL
