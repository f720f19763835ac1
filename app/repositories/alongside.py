"""A many-to-one's related row read in its rows' own statement (a page of users with each
user's role): per field of the related row, a scalar subquery correlated to the row.

It asks the database exactly what a separate read of the related rows by id asks — the
related collection's rule (`where`) and field masks, over the related table itself — one
row at a time, in the same statement: no second statement to build and run, no id list.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from functools import cache
from typing import Any

from sqlalchemy import ColumnElement, Table, case, inspect, null, select
from sqlalchemy.sql.util import find_tables
from sqlmodel import SQLModel

from app.db.loaded import Values, column_keys


def _table(model: type[SQLModel]) -> Table:
    table: Table = model.__table__  # type: ignore[attr-defined]
    return table


def related_columns(
    model: type[SQLModel],
    column: str,
    related: type[SQLModel],
    keys: Sequence[str],
    where: ColumnElement[bool],
    masks: Mapping[str, ColumnElement[bool]],
) -> list[Any] | None:
    """Per key of `keys` (the first is the id), the value of that field of the `related` row
    that the row's `column` names, where `where` admits it (null otherwise), masked as
    `masks` say. None where `where`, a mask or a computed field reads `model`'s own table
    anywhere: inside the subquery that table would stand for the outer row (SQL correlates
    it), and the related rows must then be read on their own."""
    outer = _table(model)
    if any(_reads(clause, outer) for clause in (where, *masks.values())):
        return None
    if any(_field_reads(related, key, model) for key in keys):
        return None
    link = _link(model, column, related)
    columns = []
    for key in keys:
        value = _field(related, key)
        mask = masks.get(key)
        if mask is not None:
            value = case((mask, value), else_=null())
        columns.append(select(value).where(link, where).correlate(outer).scalar_subquery())
    return columns


def _reads(clause: ColumnElement[Any], table: Table) -> bool:
    return any(found is table for found in find_tables(clause, check_columns=True))


@cache
def _field(related: type[SQLModel], key: str) -> ColumnElement[Any]:
    """A field's Core expression: its column, or a computed field's SQL (an ORM attribute
    would make every statement it is in an ORM one, several times dearer to build)."""
    expression: ColumnElement[Any] = inspect(related).column_attrs[key].expression
    return expression


@cache
def _field_reads(related: type[SQLModel], key: str, model: type[SQLModel]) -> bool:
    return _reads(_field(related, key), _table(model))


@cache
def _link(model: type[SQLModel], column: str, related: type[SQLModel]) -> ColumnElement[bool]:
    link: ColumnElement[bool] = _table(related).c.id == _table(model).c[column]
    return link


def related_rows(
    related: type[SQLModel],
    keys: Sequence[str],
    pointers: Sequence[Any],
    found: Sequence[Sequence[Any]],
) -> dict[str, Values | None]:
    """The related rows by the id each row points at (`pointers`), from each row's values of
    `related_columns` (`found`): None for a row not shown, as a read by id leaves it out (by
    the id as shown: a row whose id is masked is not found)."""
    blank = dict.fromkeys(column_keys(related))
    rows: dict[str, Values | None] = {}
    for pointer, values in zip(pointers, found, strict=True):
        if pointer is None or str(pointer) in rows:
            continue
        if values[0] is None or str(values[0]) != str(pointer):
            rows[str(pointer)] = None
            continue
        row = Values(blank)
        row.update(zip(keys, values, strict=True))
        rows[str(pointer)] = row
    return rows
