"""A row's column values as loaded, read without SQLAlchemy's attribute instrumentation.

`Values` are the columns a list asked for, read without ORM objects at all
(`app.repositories.items.values_statement`); a column not read is null there, and is never
shown, since only the fields asked for are.

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


class Values(dict[str, Any]):
    """Every column of a row by name: those read, and None for the others."""


def column_keys(model: type[SQLModel]) -> frozenset[str]:
    """The model's column attributes (columns and computed column properties)."""
    keys = _KEYS.get(model)
    if keys is None:
        keys = _KEYS[model] = frozenset(attribute.key for attribute in inspect(model).column_attrs)
    return keys


def loaded(row: SQLModel | Values) -> Mapping[str, Any]:
    if isinstance(row, Values):
        return row
    keys = column_keys(type(row))
    values = row.__dict__
    if keys <= values.keys():
        return values
    return {key: getattr(row, key) for key in keys}
