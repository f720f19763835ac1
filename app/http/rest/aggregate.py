"""REST aggregation on /users: `aggregate[count]=*`, `aggregate[countDistinct]=role`,
`groupBy=status,role` (or `groupBy[]=`), and the same keys in a SEARCH body's query.

Answered as Directus does: group values at the top of each row, `count` a number for `*`
and an object per field otherwise. Only the counting functions exist here (as in GraphQL);
what may be counted or grouped is the users service's one rule, whatever the surface.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from starlette.datastructures import QueryParams

from app.errors import InvalidQueryError

FUNCTIONS = ("count", "countDistinct", "countAll")
_KEY = re.compile(r"^aggregate\[([^\]]*)\](?:\[\])?$")


@dataclass(frozen=True)
class Aggregation:
    functions: dict[str, list[str]] = field(default_factory=dict)
    group_by: list[str] = field(default_factory=list)

    @property
    def wanted(self) -> bool:
        return bool(self.functions or self.group_by)


def _names(value: Any, name: str) -> list[str]:
    if isinstance(value, str):
        return [part.strip() for part in value.split(",") if part.strip()]
    if isinstance(value, list) and all(isinstance(item, str) for item in value):
        return [item.strip() for item in value if item.strip()]
    raise InvalidQueryError(f'"{name}" has to be a list of field names')


def _functions(raw: Any) -> dict[str, list[str]]:
    if not isinstance(raw, Mapping):
        raise InvalidQueryError('"aggregate" has to be an object')
    functions: dict[str, list[str]] = {}
    for name, fields in raw.items():
        if name not in FUNCTIONS:
            raise InvalidQueryError(f'Aggregate function "{name}" is not supported')
        functions.setdefault(name, []).extend(_names(fields, f"aggregate[{name}]"))
    return functions


def aggregation_from_params(params: QueryParams) -> Aggregation:
    raw: dict[str, list[str]] = {}
    for key, value in params.multi_items():
        if key == "aggregate":
            for name, fields in _functions(_json(value, key)).items():
                raw.setdefault(name, []).extend(fields)
            continue
        match = _KEY.match(key)
        if match:
            raw.setdefault(match.group(1), []).extend(_names(value, key))
    group_by: list[str] = []
    for value in params.getlist("groupBy") + params.getlist("groupBy[]"):
        group_by.extend(
            _names(_json(value, "groupBy") if value.startswith("[") else value, "groupBy")
        )
    return Aggregation(_functions(raw), group_by)


def _json(value: str, name: str) -> Any:
    try:
        return json.loads(value)
    except (json.JSONDecodeError, RecursionError):
        raise InvalidQueryError(f'"{name}" has to be valid JSON') from None


def aggregation_from_body(query: Mapping[str, Any]) -> Aggregation:
    raw = query.get("aggregate")
    group_by = query.get("groupBy")
    return Aggregation(
        _functions(raw) if raw is not None else {},
        _names(group_by, "groupBy") if group_by is not None else [],
    )


def rest_rows(aggregation: Aggregation, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The service's rows in Directus's REST shape."""
    counted = aggregation.functions.get("count", [])
    shaped = []
    for row in rows:
        item: dict[str, Any] = dict(row["group"] or {})
        if counted == ["*"]:
            item["count"] = row["countAll"]
        elif counted:
            item["count"] = {
                name: row["countAll"] if name == "*" else row["count"][name] for name in counted
            }
        if "countDistinct" in aggregation.functions:
            item["countDistinct"] = dict(row["countDistinct"])
        if "countAll" in aggregation.functions:
            item["countAll"] = row["countAll"]
        shaped.append(item)
    return shaped
