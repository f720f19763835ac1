"""Generic reads and writes over a collection's table with a prepared WHERE and ORDER BY
(the clauses come from the query engine, app/db/query; the statements are built here)."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any, TypeVar

from sqlalchemy import (
    ColumnElement,
    Connection,
    and_,
    bindparam,
    delete,
    distinct,
    func,
    select,
    update,
)
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import aliased
from sqlalchemy.sql.elements import BindParameter
from sqlalchemy.sql.visitors import iterate, replacement_traverse
from sqlmodel import SQLModel
from sqlmodel import select as model_select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.collections import Collection, Kind
from app.db.loaded import Values, column_keys
from app.repositories.narrowing import Narrowing, narrowed, narrowed_async, narrowing

M = TypeVar("M", bound=SQLModel)
# Per field shown on only some rows, the SQL condition of those rows (see FilterVariables).
Masks = Mapping[str, ColumnElement[bool]]


def keys(collection: Collection, ids: Sequence[str]) -> list[Any]:
    """Ids as the key column compares them: integers for a numbered collection (a key that
    is no 32-bit integer names no row: the column could not hold it), else the strings."""
    if collection.fields.get("id") is not Kind.NUMBER:
        return list(ids)
    numbers = [int(item) for item in ids if str(item).lstrip("-").isdigit() and len(str(item)) < 12]
    return [number for number in numbers if -(2**31) <= number < 2**31]


def _shown(masks: Masks) -> list[Any]:
    return [mask.label(f"shown_{index}") for index, mask in enumerate(masks.values())]


def _nulled(session: AsyncSession, masks: Masks, rows: Sequence[Any]) -> list[Any]:
    """Each loaded row with the masked fields it is not shown nulled: taken out of the
    session first, so that nothing of it is ever written back."""
    names = list(masks)
    result = []
    for row, *shown in rows:
        session.expunge(row)
        for name, visible in zip(names, shown, strict=True):
            if not visible:
                setattr(row, name, None)
        result.append(row)
    return result


async def select_rows(
    session: AsyncSession,
    model: type[M],
    where: ColumnElement[bool],
    order: Sequence[ColumnElement[Any]],
    limit: int | None,
    offset: int,
    masks: Masks | None = None,
) -> list[M]:
    """The rows `where` admits, in `order`; with `masks`, each field masked on a row read
    as null there (one statement: the conditions are selected along)."""
    chosen = select(model, *_shown(masks)) if masks else model_select(model)
    statement = _page(chosen, where, order, limit, offset)
    statement, parameters = await narrowed_async(session, statement)
    rows = (await session.exec(statement, params=parameters)).all()
    return _nulled(session, masks, rows) if masks else list(rows)


def _page(
    statement: Any,
    where: ColumnElement[bool],
    order: Sequence[ColumnElement[Any]],
    limit: int | None,
    offset: int,
) -> Any:
    """`statement` for the rows `where` admits, in `order`, from `offset`, `limit` of them."""
    statement = statement.where(where).order_by(*order).offset(offset)
    return statement if limit is None else statement.limit(limit)


@dataclass(frozen=True)
class ValuesStatement:
    """A read of some columns as plain values, built once and run as often as asked
    (`run_values`): building and keying a statement cost SQLAlchemy more than SQLite's run
    of it (app/services/read_plans.py keeps the ones worth keeping)."""

    statement: Any
    columns_read: tuple[str, ...]
    masked: tuple[str, ...]
    blank: Mapping[str, None]
    # Its `column IN (subquery)` conditions, read first (app/repositories/narrowing.py).
    narrowing: Narrowing | None = None


def values_statement(
    model: type[SQLModel],
    columns_read: Sequence[str],
    where: ColumnElement[bool],
    order: Sequence[ColumnElement[Any]],
    limit: int | None,
    offset: int,
    masks: Masks | None = None,
    extra: Sequence[Any] = (),
) -> ValuesStatement:
    """`select_rows` for the columns `columns_read` only, as plain values (no ORM objects),
    to run with `run_values`: a list page shows a few columns of each row, and building
    whole instances cost more than the query. The same WHERE, ORDER BY, window and masks;
    and the `extra` columns selected along."""
    masks = masks or {}
    columns = [getattr(model, key).label(key) for key in columns_read]
    statement = _page(select(*columns, *_shown(masks), *extra), where, order, limit, offset)
    blank = dict.fromkeys(column_keys(model))  # the columns not read: null
    return ValuesStatement(
        statement, tuple(columns_read), tuple(masks), blank, narrowing(statement)
    )


def bound_strings(
    prepared: ValuesStatement, placeholders: Mapping[str, str], mark: str
) -> ValuesStatement | None:
    """`prepared` with each bound value that is one of `placeholders` made the parameter it
    names, given when the statement runs; None unless every placeholder is such a value,
    exactly as given, and nothing else of the statement (its SQL, any other bound value)
    holds `mark`, which every placeholder holds, in any case: a value derived from one
    would stay the first request's."""
    made: dict[str, BindParameter[Any]] = {}

    def swap(element: Any, **_: Any) -> Any:
        if isinstance(element, BindParameter) and isinstance(element.value, str):
            name = placeholders.get(element.value)
            if name is not None:
                if name not in made:
                    made[name] = bindparam(name, type_=element.type)
                return made[name]
        return None

    statement: Any = replacement_traverse(prepared.statement, {}, swap)
    if set(made) != set(placeholders.values()):
        return None
    mark = mark.lower()
    for element in iterate(statement):
        if isinstance(element, BindParameter) and element.key not in made:
            values = element.value if isinstance(element.value, list | tuple) else [element.value]
            if any(mark in str(value).lower() for value in values):
                return None
    try:
        text = str(statement)
    except SQLAlchemyError:  # a construct the generic dialect cannot write: not kept
        return None
    if mark in text.lower():
        return None
    return replace(prepared, statement=statement, narrowing=narrowing(statement))


# What a narrowing adds per lookup: its SELECT, LIMIT and parameter, the rest shared.
_LOOKUP_WEIGHT = 8


def statement_weight(prepared: ValuesStatement) -> int:
    """How many SQL elements the statement holds: what keeping it costs in memory (a
    narrowing shares them, and adds a few per lookup)."""
    found = prepared.narrowing
    extra = 0 if found is None else _LOOKUP_WEIGHT * len(found.lookups)
    return sum(1 for _ in iterate(prepared.statement)) + extra


def run_values(
    connection: Connection,
    prepared: ValuesStatement,
    parameters: Mapping[str, Any] | None = None,
) -> tuple[list[Values], list[tuple[Any, ...]]]:
    """The rows of a ValuesStatement (with its bound `parameters`), as values with the
    masked fields nulled where not shown; and each row's values of its extra columns."""
    columns_read, names, blank = prepared.columns_read, prepared.masked, prepared.blank
    width = len(columns_read)
    shown_end = width + len(names)
    rows, extras = [], []
    statement, parameters = narrowed(connection, prepared.statement, prepared.narrowing, parameters)
    for row in connection.execute(statement, parameters).all():
        values = Values(blank)
        values.update(zip(columns_read, row[:width], strict=True))
        for name, visible in zip(names, row[width:shown_end], strict=True):
            if not visible:
                values[name] = None
        rows.append(values)
        extras.append(tuple(row[shown_end:]))
    return rows, extras


async def select_ids(
    session: AsyncSession,
    collection: Collection,
    model: type[M],
    ids: Sequence[str],
    where: ColumnElement[bool],
    masks: Masks | None = None,
) -> list[M]:
    """The rows among `ids` that `where` admits, in no particular order."""
    return await select_rows(session, model, among_ids(collection, ids, where), [], None, 0, masks)


# The bound parameter of `among_one_id`'s statement: the id it is run for.
ONE_ID = "dauth_one_id"


def among_one_id(collection: Collection, where: ColumnElement[bool]) -> ColumnElement[bool]:
    """`among_ids` for one id given when the statement runs (parameter ONE_ID, as `keys`
    gives it): one statement serves every id."""
    return and_(collection.column("id") == bindparam(ONE_ID), where)


def among_ids(
    collection: Collection, ids: Sequence[str], where: ColumnElement[bool]
) -> ColumnElement[bool]:
    """The rows among `ids` that `where` admits (one id: an equality, which SQLAlchemy builds
    and runs for a fraction of an IN list's cost)."""
    column, wanted = collection.column("id"), keys(collection, ids)
    return and_(column == wanted[0] if len(wanted) == 1 else column.in_(wanted), where)


async def select_related(
    session: AsyncSession,
    collection: Collection,
    model: type[M],
    column: str,
    parent_ids: Sequence[str],
    where: ColumnElement[bool],
    order: Sequence[ColumnElement[Any]],
    limit: int | None,
    offset: int,
    masks: Masks | None = None,
) -> list[M]:
    """Rows whose `column` points at one of `parent_ids`, windowed per parent in one query."""
    link = collection.column(column)
    rank = func.row_number().over(partition_by=link, order_by=list(order))
    among = and_(link.in_(list(parent_ids)), where)
    shown = _shown(masks or {})
    ranked = select(model, rank.label("rank"), *shown).where(among).subquery()
    entity = aliased(model, ranked)
    flags = [ranked.c[flag.name] for flag in shown]
    statement: Any = select(entity, *flags).where(ranked.c.rank > offset).order_by(ranked.c.rank)
    if limit is not None:
        statement = statement.where(ranked.c.rank <= offset + limit)
    if masks:
        return _nulled(session, masks, (await session.exec(statement)).all())
    return list((await session.exec(statement)).scalars().all())


async def count_related(
    session: AsyncSession,
    collection: Collection,
    column: str,
    parent_ids: Sequence[str],
    where: ColumnElement[bool],
) -> dict[str, int]:
    """How many rows `where` admits per value of `column` among `parent_ids`."""
    link = collection.column(column)
    among: ColumnElement[bool] = and_(link.in_(list(parent_ids)), where)
    statement: Any = select(link, func.count()).where(among).group_by(link)
    return {str(key): int(value) for key, value in (await session.exec(statement)).all()}


async def aggregate(
    session: AsyncSession,
    collection: Collection,
    where: ColumnElement[bool],
    group_by: Sequence[str],
    count: Sequence[str],
    count_distinct: Sequence[str],
    order: Sequence[ColumnElement[Any]],
    limit: int | None,
    offset: int,
    column_of: Callable[[str], ColumnElement[Any]] | None = None,
) -> list[Mapping[str, Any]]:
    """countAll (as "countAll"), count (as "c_<field>") and countDistinct (as "d_<field>")
    per group of `group_by`, ordered by `order` then the groups. `column_of`: each field's
    expression as the caller sees it (masked fields null where not shown)."""
    of = column_of or collection.column
    groups = [of(name).label(name) for name in group_by]
    columns: list[Any] = [*groups, func.count().label("countAll")]
    columns += [func.count(of(n)).label(f"c_{n}") for n in count]
    columns += [func.count(distinct(of(n))).label(f"d_{n}") for n in count_distinct]
    statement: Any = select(*columns).select_from(collection.model).where(where)
    if groups:
        statement = statement.group_by(*groups).order_by(*order, *groups)
    statement = statement.offset(offset)
    if limit is not None:
        statement = statement.limit(limit)
    return list((await session.exec(statement)).mappings().all())


async def matching_ids(
    session: AsyncSession, collection: Collection, ids: Sequence[str], where: ColumnElement[bool]
) -> set[str]:
    id_column = collection.column("id")
    statement = model_select(id_column).where(id_column.in_(keys(collection, ids)), where)
    return {str(value) for value in (await session.exec(statement)).all()}


async def count_where(
    session: AsyncSession, collection: Collection, where: ColumnElement[bool]
) -> int:
    statement = model_select(func.count()).select_from(collection.model).where(where)
    return int((await session.exec(statement)).one())


async def add(session: AsyncSession, row: M) -> M:
    """A new row, inserted at the next flush (the caller's `write` flushes)."""
    session.add(row)
    return row


async def update_ids(
    session: AsyncSession, collection: Collection, ids: Sequence[str], values: Mapping[str, Any]
) -> None:
    statement = update(collection.model).where(collection.column("id").in_(keys(collection, ids)))
    await session.exec(statement.values(**values))


async def delete_ids(session: AsyncSession, collection: Collection, ids: Sequence[str]) -> None:
    statement = delete(collection.model).where(collection.column("id").in_(keys(collection, ids)))
    await session.exec(statement)


async def exists(session: AsyncSession, model: type[SQLModel], item_id: str) -> bool:
    return await session.get(model, item_id) is not None


async def merge(session: AsyncSession, row: M) -> M:
    """Inserts the row, or updates the stored one with its primary key."""
    return await session.merge(row)
