"""Concealed fields (password, token, tfa_secret): the one place their public form is made,
and the one rule on what a query may do with them."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from app.collections import Collection, Kind
from app.errors import InvalidQueryError

CONCEALED = "**********"


def conceal(value: str | None) -> str | None:
    """Set → "**********"; unset → null. The stored hash or secret never leaves."""
    return None if value is None else CONCEALED


def iso_instant(value: datetime | None) -> str | None:
    """UTC instants as Directus writes them: ISO 8601 with a Z."""
    return None if value is None else value.isoformat().replace("+00:00", "Z")


def public_value(collection: Collection, field: str, value: Any) -> Any:
    if field in collection.concealed:
        return conceal(value)
    if isinstance(value, datetime):
        return iso_instant(value)
    return value


def require_comparable(collection: Collection, names: Iterable[str], use: str) -> None:
    """Grouping, distinct counts and sorting compare stored values: on a concealed field
    each would hand out (or rank, or tell apart) the hash or secret itself, so they are
    refused for every caller alike (INVALID_QUERY: the answer depends on no data). A plain
    `count` only tells set from unset, as the "**********" a reader sees already does.
    JSON values (and CSV lists, stored as JSON) have no order or equality in PostgreSQL, so
    they are refused as well."""
    for name in names:
        if name in collection.concealed:
            raise InvalidQueryError(f'Field "{name}" is concealed and cannot be {use}')
        if collection.fields.get(name) in (Kind.JSON, Kind.CSV):
            raise InvalidQueryError(f'Field "{name}" holds JSON and cannot be {use}')
