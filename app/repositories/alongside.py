"""A many-to-one's related row read in its rows' own statement (a page of users with each
user's role): per field of the related row, a scalar subquery correlated to the row.

Only where that is as cheap as it is safe: the caller reads every related row and every
field asked for whole (no rule, no mask: an admin, or a role readable by all), the fields are
stored columns (no computed field), and the statement reads at most `ROWS_MAX` rows and
`COLUMNS_MAX` such columns. Each subquery is then one primary-key lookup, and there is
nothing in it that SQL could correlate with the outer row but the link itself. Anything
else (a rule or mask that would run once per row instead of once per related row, a page
of every row, fifty aliases of the field) is read by id in a statement of its own.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from functools import cache
from typing import Any

from sqlalchemy import Column, ColumnElement, inspect, select
from sqlalchemy.sql.elements import True_
from sqlmodel import SQLModel

from app.db.loaded import Values, column_keys
from app.repositories.core import table_of

ROWS_MAX = 100  # rows of the outer statement (a page; one for a read by id)
COLUMNS_MAX = 8  # subqueries added to one statement, over all its relations


def related_columns(
    model: type[SQLModel],
    column: str,
    related: type[SQLModel],
    keys: Sequence[str],
    where: ColumnElement[bool],
    masks: Mapping[str, ColumnElement[bool]],
) -> list[Any] | None:
    """Per key of `keys` (the first is the id), the value of that field of the `related` row
    that the row's `column` names. None unless `where` admits every related row, nothing is
    masked and every key is a stored column (see the module's docstring)."""
    if not isinstance(where, True_) or masks:
        return None
    fields = [_stored(related, key) for key in keys]
    if any(field is None for field in fields):
        return None
    link = _link(model, column, related)
    outer = table_of(model)
    return [
        select(field).where(link).correlate(outer).scalar_subquery()
        for field in fields
        if field is not None
    ]


@cache
def _stored(related: type[SQLModel], key: str) -> Column[Any] | None:
    """The related table's own column of that name, or None for a computed field."""
    expression = inspect(related).column_attrs[key].expression
    table = table_of(related)
    if isinstance(expression, Column) and expression.table is table:
        return expression
    return None


@cache
def _link(model: type[SQLModel], column: str, related: type[SQLModel]) -> ColumnElement[bool]:
    link: ColumnElement[bool] = table_of(related).c.id == table_of(model).c[column]
    return link


def related_rows(
    related: type[SQLModel],
    keys: Sequence[str],
    pointers: Sequence[Any],
    found: Sequence[Sequence[Any]],
) -> dict[str, Values | None]:
    """The related rows by the id each row points at (`pointers`), from each row's values of
    `related_columns` (`found`): None for a dangling pointer, as a read by id finds nothing."""
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
