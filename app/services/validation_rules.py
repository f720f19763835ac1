"""A permission's `validation` rule that a write failed, as Directus reports it."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from app.db.query.filters import LOGICAL
from app.errors import FailedValidationError

# Which extension carries the rule's operand, per operator (as Directus's joi mapping).
_OPERAND = {
    **dict.fromkeys(("eq", "lt", "lte", "gt", "gte", "in", "between"), "valid"),
    **dict.fromkeys(("neq", "nin", "nbetween"), "invalid"),
    **dict.fromkeys(
        (
            "contains",
            "icontains",
            "ncontains",
            "nicontains",
            "starts_with",
            "istarts_with",
            "nstarts_with",
            "nistarts_with",
            "ends_with",
            "iends_with",
            "nends_with",
            "niends_with",
        ),
        "substring",
    ),
}


def _conditions(node: Any) -> Iterator[tuple[str, Any]]:
    """(field, its operators) of a filter, through _and/_or, in order."""
    if not isinstance(node, Mapping):
        return
    for key, value in node.items():
        if key in LOGICAL and isinstance(value, list):
            for item in value:
                yield from _conditions(item)
        elif isinstance(key, str) and not key.startswith("_"):
            yield key, value


def failed_validation(rule: Mapping[str, Any] | None) -> FailedValidationError:
    """FAILED_VALIDATION naming the rule's first field, with its operator as `type` and
    the operand as `valid`, `invalid` or `substring` (a relational rule: "regex")."""
    for field, operators in _conditions(rule):
        kind, extra = "regex", {}
        if isinstance(operators, Mapping):
            for operator, operand in operators.items():
                if isinstance(operator, str) and operator.startswith("_"):
                    kind = operator[1:]
                    if kind in _OPERAND:
                        extra = {_OPERAND[kind]: operand}
                    break
        reason = "Value doesn't pass the validation rules."
        return FailedValidationError(field, reason, kind, extra=extra)
    return FailedValidationError("id", "Value doesn't pass the validation rules.")
