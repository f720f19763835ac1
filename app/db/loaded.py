"""A row's column values as loaded, read without SQLAlchemy's attribute instrumentation.

`from_model` copies every column of a row into its GraphQL object: through the instrumented
attributes that is a Python call per column and row (700 for a page of 25 users). A row
loaded whole keeps the same values in its `__dict__`; one that is not (a column expired or
deferred) is read through its attributes, as before.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import inspect
from sqlmodel import SQLModel

_KEYS: dict[type[SQLModel], frozenset[str]] = {}


def loaded(row: SQLModel) -> Mapping[str, Any]:
    keys = _KEYS.get(type(row))
    if keys is None:
        keys = _KEYS[type(row)] = frozenset(
            attribute.key for attribute in inspect(type(row)).column_attrs
        )
    values = row.__dict__
    if keys <= values.keys():
        return values
    return {key: getattr(row, key) for key in keys}
