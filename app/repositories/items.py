"""Generic reads over a collection's table with a prepared WHERE and ORDER BY."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, func
from sqlmodel import SQLModel, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.collections import Collection

M = TypeVar("M", bound=SQLModel)


async def select_rows(
    session: AsyncSession,
    model: type[M],
    where: ColumnElement[bool],
    order: Sequence[ColumnElement[Any]],
    limit: int | None,
    offset: int,
) -> list[M]:
    statement = select(model).where(where).order_by(*order).offset(offset)
    if limit is not None:
        statement = statement.limit(limit)
    return list((await session.exec(statement)).all())


async def matching_ids(
    session: AsyncSession, collection: Collection, ids: Sequence[str], where: ColumnElement[bool]
) -> set[str]:
    id_column = collection.column("id")
    statement = select(id_column).where(id_column.in_(list(ids)), where)
    return {str(value) for value in (await session.exec(statement)).all()}


async def count_where(
    session: AsyncSession, collection: Collection, where: ColumnElement[bool]
) -> int:
    statement = select(func.count()).select_from(collection.model).where(where)
    return int((await session.exec(statement)).one())
