"""The async engine and the two kinds of unit of work: read and write.

SQLite runs deferred transactions by default, so two concurrent read-modify-write
transactions can both read before either writes; write units therefore start with
BEGIN IMMEDIATE, which makes SQLite serialise writers.
"""

from __future__ import annotations

import asyncio
import sqlite3
import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING, Any, TypeVar

from sqlalchemy import Connection, Engine, event, text
from sqlalchemy import create_engine as create_sync_engine
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine
from sqlmodel.ext.asyncio.session import AsyncSession

from app.config import Settings
from app.db.checkpoints import REQUEST_AUTOCHECKPOINT_PAGES, WalCheckpointer
from app.db.data_errors import refused_values
from app.db.outage import unavailable_as_503
from app.db.pool_metrics import count_pool_use
from app.db.sqlite_inline import (
    begin_immediate,
    begin_immediate_async,
    inline_creator,
    open_connection,
)
from app.db.statement_tracing import trace_statements

if TYPE_CHECKING:
    from opentelemetry.trace import Tracer

_BEGIN_OPTION = "sqlite_begin"
T = TypeVar("T")


SQLITE_PRAGMAS = (
    "PRAGMA journal_mode=WAL",
    "PRAGMA synchronous=NORMAL",
    "PRAGMA foreign_keys=ON",
    # Directus's _contains is case-sensitive; SQLite's LIKE is not by default.
    "PRAGMA case_sensitive_like=ON",
    # WalCheckpointer copies the log back from a thread; a request checkpoints only if it
    # falls far behind.
    f"PRAGMA wal_autocheckpoint={REQUEST_AUTOCHECKPOINT_PAGES}",
)
# How long a write unit may wait for another process's write lock before it fails.
WRITE_LOCK_WAIT_S = 10.0


def _install_sqlite_hooks(engine: AsyncEngine) -> None:
    @event.listens_for(engine.sync_engine, "checkin")
    def _on_checkin(dbapi_connection: Any, _record: Any) -> None:
        # Instead of the pool's unconditional ROLLBACK on return (reads run in autocommit
        # and leave nothing open): roll back only what a unit really left open.
        driver = getattr(dbapi_connection, "driver_connection", None)
        if driver is not None and driver.in_transaction:
            driver.raw().rollback()

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(conn: Any) -> None:
        # Writes open BEGIN IMMEDIATE; reads run in autocommit (each SELECT is its own
        # snapshot).
        if conn.get_execution_options().get(_BEGIN_OPTION) is not None:
            begin_immediate(conn.connection.driver_connection.raw(), WRITE_LOCK_WAIT_S)


def create_engine(settings: Settings) -> AsyncEngine:
    url = make_url(settings.database_url())
    if url.get_backend_name() == "sqlite":
        # DB_FILENAME's folder is made by the start-up check (app.db.reachability), which
        # says so and never builds a whole mistyped path.
        engine = create_async_engine(
            url,
            async_creator=inline_creator(url.database or ":memory:", SQLITE_PRAGMAS),
            pool_reset_on_return=None,
            hide_parameters=True,
        )
        _install_sqlite_hooks(engine)
        return engine
    timeout_s = settings.db_connect_timeout / 1000
    return create_async_engine(
        url,
        pool_size=settings.db_pool_max,
        max_overflow=0,
        pool_pre_ping=False,
        # A server that does not answer fails a request after this long (app.db.outage
        # answers it 503), whether it is opening a connection or waiting for a free one.
        pool_timeout=timeout_s,
        connect_args={"timeout": timeout_s, **_statement_options(settings)},
        # Error messages must never carry values (hashes, tokens) into logs.
        hide_parameters=True,
    )


def _statement_options(settings: Settings) -> dict[str, Any]:
    """DB_PREPARED_STATEMENTS=false (PgBouncer in transaction or statement pooling): a server
    connection is this connection's only for one transaction, so no statement is kept
    prepared across transactions, and each one's name is unique among every client's."""
    if settings.db_prepared_statements:
        return {}
    return {
        "statement_cache_size": 0,
        "prepared_statement_cache_size": 0,
        "prepared_statement_name_func": _unique_statement_name,
    }


def _unique_statement_name() -> str:
    return f"__dauth_{uuid.uuid4().hex}__"


def _sqlite_sync_engine(engine: AsyncEngine) -> Engine | None:
    """A plain (synchronous) engine on the same SQLite file, for `Database.run_reads` and
    `Database.run_writes`.

    Every SQLite statement here already runs on the loop's thread; this one skips the
    async layer's greenlet switch per call. An in-memory database is private to its
    connection, so it has none."""
    path = engine.url.database
    if not path or path == ":memory:":
        return None
    return create_sync_engine(
        engine.url.set(drivername="sqlite+pysqlite"),
        creator=lambda: open_connection(path, SQLITE_PRAGMAS),
        # Reads run in autocommit; run_writes commits or rolls back what it began.
        pool_reset_on_return=None,
        hide_parameters=True,
    )


class Database:
    """Hands out sessions; every write unit is one transaction, all or nothing."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine
        self.is_sqlite = engine.dialect.name == "sqlite"
        self._sync_engine = _sqlite_sync_engine(engine) if self.is_sqlite else None
        self._write_engine = (
            engine.execution_options(**{_BEGIN_OPTION: "IMMEDIATE"}) if self.is_sqlite else engine
        )
        # SQLite runs on the loop's thread: a second write unit of this process must wait
        # here, asynchronously, and never inside SQLite for a lock the first one holds.
        self._sqlite_writer = asyncio.Lock() if self.is_sqlite else None
        self._writer_task: asyncio.Task[Any] | None = None
        path = engine.url.database
        self.checkpointer = (
            WalCheckpointer(path, SQLITE_PRAGMAS)
            if self._sync_engine is not None and path is not None
            else None
        )

    def trace_statements(self, tracer: Tracer) -> None:
        """A span per SQL statement, on every engine of this database (tracing on)."""
        for engine in (self.engine.sync_engine, self._sync_engine):
            if engine is not None:
                trace_statements(engine, tracer)

    def start(self, *, count_connections: bool = False) -> None:
        """Starts the background work a served database needs (SQLite's checkpoints) and,
        with metrics on, counts its pools' connections in use (a listener on every
        checkout and checkin: not worth its cost when nobody reads the gauge)."""
        if count_connections:
            for engine in (self.engine.sync_engine, self._sync_engine):
                if engine is not None:
                    count_pool_use(engine)
        if self.checkpointer is not None:
            self.checkpointer.start()

    @asynccontextmanager
    async def read(self) -> AsyncIterator[AsyncSession]:
        with unavailable_as_503(), refused_values(writing=False):
            async with self._session(self.engine) as session:
                yield session

    async def ping(self) -> None:
        """A round trip to the database (`SELECT 1`), for health checks: raises if it fails."""
        async with self.read() as session:
            await session.exec(text("SELECT 1"))  # type: ignore[call-overload]

    async def run_reads(self, reads: Callable[[Connection], T]) -> T:
        """Runs a function of plain Core reads on one connection, in autocommit.

        For the reads every request makes (who is asking): through an AsyncSession each
        statement cost several times SQLite's work in ORM and greenlet overhead. SQLite
        runs them synchronously on the loop's thread, like every SQLite statement here;
        PostgreSQL runs the whole function in one greenlet on a pooled connection."""
        with unavailable_as_503(), refused_values(writing=False):
            if self._sync_engine is not None:
                with self._sync_engine.connect() as connection:
                    return reads(connection)
            try:
                async with self.engine.connect() as connection:
                    return await connection.run_sync(reads)
            except DBAPIError as error:
                if not error.connection_invalidated:
                    raise
            # A pooled connection had died (PostgreSQL restarted): the pool has dropped every
            # connection as old as that one, and reads are safe to run again on a new one.
            async with self.engine.connect() as connection:
                return await connection.run_sync(reads)

    def engines(self) -> tuple[Engine, ...]:
        """Every synchronous engine statements run through (for instrumentation)."""
        extra = () if self._sync_engine is None else (self._sync_engine,)
        return (self.engine.sync_engine, *extra)

    @asynccontextmanager
    async def _session(self, engine: AsyncEngine) -> AsyncIterator[AsyncSession]:
        session = AsyncSession(engine, expire_on_commit=False)
        if not self.is_sqlite:
            async with session:
                yield session
            return
        try:
            yield session
        finally:
            # AsyncSession's own exit closes in a shielded task, which costs a trip round
            # the loop and keeps the connection out meanwhile (other requests then open
            # more). Inline SQLite never suspends while closing, so there is nothing for
            # the shield to protect.
            await session.close()

    @asynccontextmanager
    async def write(self) -> AsyncIterator[AsyncSession]:
        with unavailable_as_503(), refused_values(writing=True):
            async with self._exclusive(), self._unit() as session:
                yield session

    async def run_writes(self, writes: Callable[[Connection], T]) -> T:
        """Runs a function of plain Core statements as one write transaction: all of it
        commits, or none (an exception rolls back and propagates).

        For the hot write paths (token rotation): one synchronous run instead of a
        greenlet switch per statement. SQLite runs it on the loop's thread after BEGIN
        IMMEDIATE (waited for asynchronously); PostgreSQL in one greenlet."""
        if self._sync_engine is None:
            async with self.write() as session:
                return await session.run_sync(lambda sync: writes(sync.connection()))
        with unavailable_as_503(), refused_values(writing=True):
            return await self._run_sqlite_writes(writes)

    async def _run_sqlite_writes(self, writes: Callable[[Connection], T]) -> T:
        assert self._sync_engine is not None
        async with self._exclusive():
            with self._sync_engine.connect() as connection:
                driver = connection.connection.driver_connection
                assert isinstance(driver, sqlite3.Connection)
                await begin_immediate_async(driver, WRITE_LOCK_WAIT_S)
                try:
                    result = writes(connection)
                except BaseException:
                    driver.rollback()
                    raise
                driver.commit()
                return result

    @asynccontextmanager
    async def _exclusive(self) -> AsyncIterator[None]:
        """SQLite: one write unit of this process at a time, waited for asynchronously."""
        if self._sqlite_writer is None:
            yield
            return
        task = asyncio.current_task()
        if task is not None and task is self._writer_task:
            raise RuntimeError("a write unit was opened inside another one")
        async with self._sqlite_writer:
            self._writer_task = task
            try:
                yield
            finally:
                self._writer_task = None

    @asynccontextmanager
    async def _unit(self) -> AsyncIterator[AsyncSession]:
        async with self._session(self._write_engine) as session, session.begin():
            yield session

    async def dispose(self) -> None:
        if self.checkpointer is not None:
            await self.checkpointer.stop()
        if self._sync_engine is not None:
            self._sync_engine.dispose()
        await self.engine.dispose()
