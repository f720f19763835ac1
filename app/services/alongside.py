"""A many-to-one read in its rows' own statement (a page of users with each user's role),
where the related collection's rule and masks for the fields asked are plain and the
statement is small (app/repositories/alongside.py); else by id, as before."""

from __future__ import annotations

from collections.abc import Collection as Names
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from app.db.loaded import Values
from app.db.query.values import FilterVariables
from app.errors import DirectusError
from app.permissions.access import Access, Rule
from app.repositories import alongside as alongside_repo


class RelatedReader(Protocol):
    """What of a collection's reader (app.services.items.ItemReader) a read alongside uses:
    the rule and masks its own reads by id apply."""

    @property
    def model(self) -> type[Any]: ...

    def read_rule(self, access: Access, fields: Names[str]) -> Rule: ...

    def masked_variables(self, access: Access, rule: Rule) -> FilterVariables: ...

    def selected_masks(self, variables: FilterVariables) -> dict[str, Any]: ...

    def shown_where(self, access: Access, rule: Rule) -> Any: ...

    def value_keys(self, fields: Names[str]) -> list[str]: ...


@dataclass(frozen=True)
class Alongside:
    """Each row's `column` names a row of `reader`'s collection, whose `fields` are shown."""

    column: str
    reader: RelatedReader
    fields: frozenset[str]


# Per Alongside, its related rows by id (None for one not shown), or None where they could
# not be read alongside (a field no grant gives; a rule that reads the rows' own table):
# they are then read by id, as before.
AlongsideRows = list[dict[str, Values | None] | None]
Plan = tuple[list[str], list[Any]] | None


def plan_alongside(
    access: Access, model: type[Any], alongside: Sequence[Alongside], rows: int | None
) -> list[Plan]:
    """Per Alongside, the keys and columns that read it in a statement of at most `rows` of
    `model`'s rows (None: no bound), or None where it is read by id instead: where the
    related collection's rule or masks for its fields are not plain (see
    app/repositories/alongside.py), or past the statement's budget of rows and columns."""
    plans: list[Plan] = []
    budget = (
        alongside_repo.COLUMNS_MAX if rows is not None and rows <= alongside_repo.ROWS_MAX else 0
    )
    for item in alongside:
        plan = _plan(access, model, item)
        if plan is not None and len(plan[1]) <= budget:
            budget -= len(plan[1])
            plans.append(plan)
        else:
            plans.append(None)
    return plans


def added_columns(plans: Sequence[Plan]) -> list[Any]:
    """The columns the plans add to the rows' statement, in order."""
    return [column for plan in plans if plan is not None for column in plan[1]]


def _plan(access: Access, model: type[Any], item: Alongside) -> Plan:
    reader = item.reader
    try:
        rule = reader.read_rule(access, item.fields)
        masks = reader.selected_masks(reader.masked_variables(access, rule))
        where = reader.shown_where(access, rule)
    except DirectusError:
        return None  # the field meets it, and reports it at its own path
    keys = reader.value_keys(item.fields)
    columns = alongside_repo.related_columns(model, item.column, reader.model, keys, where, masks)
    return None if columns is None else (keys, columns)


def alongside_rows(
    alongside: Sequence[Alongside],
    plans: Sequence[Plan],
    rows: Sequence[Values],
    extras: Sequence[tuple[Any, ...]],
) -> AlongsideRows:
    """Each Alongside's related rows, from the columns its plan added to each row."""
    result: AlongsideRows = []
    start = 0
    for item, plan in zip(alongside, plans, strict=True):
        if plan is None:
            result.append(None)
            continue
        keys, columns = plan
        end = start + len(columns)
        pointers = [row[item.column] for row in rows]
        found = [more[start:end] for more in extras]
        result.append(alongside_repo.related_rows(item.reader.model, keys, pointers, found))
        start = end
    return result
