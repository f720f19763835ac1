"""Reads a Directus database (the source of `dauth import-directus`): its system tables as
plain rows, through an engine opened for this read alone."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import inspect, text
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import create_async_engine

Rows = list[dict[str, Any]]


async def read_tables(
    url: str, tables: Sequence[str], required: Sequence[str]
) -> dict[str, Rows] | None:
    """Every row of those of `tables` the source has; None when one of `required` is missing.
    `url` is an async SQLAlchemy URL."""
    engine = create_async_engine(url)
    try:
        async with engine.connect() as connection:
            return await connection.run_sync(_read, tables, required)
    finally:
        await engine.dispose()


def _read(
    connection: Connection, tables: Sequence[str], required: Sequence[str]
) -> dict[str, Rows] | None:
    names = set(inspect(connection).get_table_names())
    if not set(required) <= names:
        return None
    found: dict[str, Rows] = {}
    for table in tables:
        if table in names:
            rows = connection.execute(text(f"SELECT * FROM {table}")).mappings().all()  # noqa: S608
            found[table] = [dict(row) for row in rows]
    return found
