"""Statements that need none of the ORM: run on a connection directly.

An ORM-enabled UPDATE or INSERT pays for bulk-persistence planning and identity-map
synchronisation, and an ORM SELECT for loading through the identity map; on the paths
every request or every login takes, that cost more than SQLite's work.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, Concatenate, Generic, ParamSpec, TypeVar

from sqlalchemy import Column, Connection, Table
from sqlalchemy.orm import Mapper, configure_mappers, make_transient_to_detached
from sqlmodel import SQLModel
from sqlmodel.ext.asyncio.session import AsyncSession

M = TypeVar("M", bound=SQLModel)
P = ParamSpec("P")
T = TypeVar("T")


async def run(
    session: AsyncSession,
    statements: Callable[Concatenate[Connection, P], T],
    *args: P.args,
    **kwargs: P.kwargs,
) -> T:
    """Runs a function of plain Core statements inside the session's transaction, in one
    greenlet switch (the same functions serve `Database.run_writes`)."""
    return await session.run_sync(lambda sync: statements(sync.connection(), *args, **kwargs))


def table_of(model: type[SQLModel]) -> Table:
    table: Table = model.__table__  # type: ignore[attr-defined]
    return table


class RowBuilder(Generic[M]):
    """Model instances from the columns of a Core row, as the ORM would load them.

    The instance is detached, with every column loaded: reading it is the same as
    reading one an ORM query returned after its session closed."""

    def __init__(self, model: type[M]) -> None:
        self.model = model
        self.table = table_of(model)
        self.columns: tuple[Column[Any], ...] = tuple(self.table.columns)
        mapper: Mapper[M] = model.__mapper__  # type: ignore[attr-defined]
        self._mapper = mapper
        self._keys = tuple(mapper.get_property_by_column(column).key for column in self.columns)

    def build(self, values: Sequence[Any]) -> M:
        if not self._mapper.configured:
            configure_mappers()
        instance: M = self._mapper.class_manager.new_instance()
        instance.__dict__.update(zip(self._keys, values, strict=True))
        make_transient_to_detached(instance)
        return instance

    def values_of(self, instance: M) -> dict[str, Any]:
        """An instance's column values for an INSERT; a primary key still None is left
        for the database to assign."""
        values: dict[str, Any] = {}
        for column, key in zip(self.columns, self._keys, strict=True):
            value = getattr(instance, key)
            if value is None and column.primary_key:
                continue
            values[column.key] = value
        return values
