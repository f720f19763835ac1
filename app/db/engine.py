"""The async engine and the two kinds of unit of work: read and write.

SQLite runs deferred transactions by default, so two concurrent read-modify-write
transactions can both read before either writes; write units therefore start with
BEGIN IMMEDIATE, which makes SQLite serialise writers.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine
from sqlmodel.ext.asyncio.session import AsyncSession

from app.config import Settings

_BEGIN_OPTION = "sqlite_begin"


def _install_sqlite_hooks(engine: AsyncEngine) -> None:
    sync_engine = engine.sync_engine

    @event.listens_for(sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Take BEGIN out of the driver's hands so we can choose its kind.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        for pragma in (
            "PRAGMA journal_mode=WAL",
            "PRAGMA synchronous=NORMAL",
            "PRAGMA foreign_keys=ON",
            "PRAGMA busy_timeout=10000",
            # Directus's _contains is case-sensitive; SQLite's LIKE is not by default.
            "PRAGMA case_sensitive_like=ON",
        ):
            cursor.execute(pragma)
        cursor.close()

    @event.listens_for(sync_engine, "begin")
    def _on_begin(conn: Any) -> None:
        # Writes open BEGIN IMMEDIATE; reads run in autocommit (each SELECT is its own
        # snapshot), which saves a round trip to the driver's thread per request.
        kind = conn.get_execution_options().get(_BEGIN_OPTION)
        if kind is not None:
            conn.exec_driver_sql(f"BEGIN {kind}")


def create_engine(settings: Settings) -> AsyncEngine:
    url = make_url(settings.database_url())
    if url.get_backend_name() == "sqlite":
        if url.database and url.database != ":memory:":
            Path(url.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_async_engine(url, connect_args={"timeout": 10}, hide_parameters=True)
        _install_sqlite_hooks(engine)
        return engine
    return create_async_engine(
        url,
        pool_size=settings.db_pool_max,
        max_overflow=0,
        pool_pre_ping=False,
        # Error messages must never carry values (hashes, tokens) into logs.
        hide_parameters=True,
    )


class Database:
    """Hands out sessions; every write unit is one transaction, all or nothing."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine
        self.is_sqlite = engine.dialect.name == "sqlite"
        self._write_engine = (
            engine.execution_options(**{_BEGIN_OPTION: "IMMEDIATE"}) if self.is_sqlite else engine
        )

    @asynccontextmanager
    async def read(self) -> AsyncIterator[AsyncSession]:
        async with AsyncSession(self.engine, expire_on_commit=False) as session:
            yield session

    @asynccontextmanager
    async def write(self) -> AsyncIterator[AsyncSession]:
        async with (
            AsyncSession(self._write_engine, expire_on_commit=False) as session,
            session.begin(),
        ):
            yield session

    async def dispose(self) -> None:
        await self.engine.dispose()
