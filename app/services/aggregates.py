"""An aggregate's rows as the GraphQL and REST answers give them."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from app.permissions.concealed import iso_instant


def aggregate_answers(
    rows: Sequence[Mapping[str, Any]],
    group_by: Sequence[str],
    count: Sequence[str],
    count_distinct: Sequence[str],
) -> list[dict[str, Any]]:
    """Per row of app.repositories.items.aggregate: its group, countAll, count and
    countDistinct."""
    return [
        {
            "group": {name: _plain(row[name]) for name in group_by} if group_by else None,
            "countAll": row["countAll"],
            "count": {n: row[f"c_{n}"] for n in count},
            "countDistinct": {n: row[f"d_{n}"] for n in count_distinct},
        }
        for row in rows
    ]


def _plain(value: Any) -> Any:
    """Group keys as JSON: instants as every other surface writes them (ISO with a Z)."""
    if isinstance(value, datetime):
        return iso_instant(value)
    return value.isoformat() if hasattr(value, "isoformat") else value
