"""Generic reads and writes over a collection's table with a prepared WHERE and ORDER BY
(the clauses come from the query engine, app/db/query; the statements are built here)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, and_, delete, distinct, func, select, update
from sqlalchemy.orm import aliased
from sqlmodel import SQLModel
from sqlmodel import select as model_select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.collections import Collection, Kind

M = TypeVar("M", bound=SQLModel)


def keys(collection: Collection, ids: Sequence[str]) -> list[Any]:
    """Ids as the key column compares them: integers for a numbered collection (a key that
    is no 32-bit integer names no row: the column could not hold it), else the strings."""
    if collection.fields.get("id") is not Kind.NUMBER:
        return list(ids)
    numbers = [int(item) for item in ids if str(item).lstrip("-").isdigit() and len(str(item)) < 12]
    return [number for number in numbers if -(2**31) <= number < 2**31]


async def select_rows(
    session: AsyncSession,
    model: type[M],
    where: ColumnElement[bool],
    order: Sequence[ColumnElement[Any]],
    limit: int | None,
    offset: int,
) -> list[M]:
    statement = model_select(model).where(where).order_by(*order).offset(offset)
    if limit is not None:
        statement = statement.limit(limit)
    return list((await session.exec(statement)).all())


async def select_ids(
    session: AsyncSession,
    collection: Collection,
    model: type[M],
    ids: Sequence[str],
    where: ColumnElement[bool],
) -> list[M]:
    """The rows among `ids` that `where` admits, in no particular order."""
    among = and_(collection.column("id").in_(keys(collection, ids)), where)
    return await select_rows(session, model, among, [], None, 0)


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
) -> list[M]:
    """Rows whose `column` points at one of `parent_ids`, windowed per parent in one query."""
    link = collection.column(column)
    rank = func.row_number().over(partition_by=link, order_by=list(order))
    among = and_(link.in_(list(parent_ids)), where)
    ranked = select(model, rank.label("rank")).where(among).subquery()
    entity = aliased(model, ranked)
    statement: Any = select(entity).where(ranked.c.rank > offset).order_by(ranked.c.rank)
    if limit is not None:
        statement = statement.where(ranked.c.rank <= offset + limit)
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
) -> list[Mapping[str, Any]]:
    """countAll (as "countAll"), count (as "c_<field>") and countDistinct (as "d_<field>")
    per group of `group_by`, ordered by `order` then the groups."""
    groups = [collection.column(name) for name in group_by]
    columns: list[Any] = [*groups, func.count().label("countAll")]
    columns += [func.count(collection.column(n)).label(f"c_{n}") for n in count]
    columns += [func.count(distinct(collection.column(n))).label(f"d_{n}") for n in count_distinct]
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
