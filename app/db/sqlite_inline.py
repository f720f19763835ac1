"""SQLite on the event loop's own thread, behind SQLAlchemy's aiosqlite dialect.

aiosqlite runs every cursor, execute, fetch, commit and close on a helper thread and
wakes the loop for each: a users_me read was ~20 thread hops, and they, not SQLite,
bounded throughput. An indexed SQLite read takes microseconds, so the connection below
runs each call inline and hands SQLAlchemy an awaitable that is already done.

What keeps the loop from ever waiting on a lock:
- WAL mode: readers never wait for writers.
- `Database.write` lets one write unit per process hold SQLite's write lock at a time,
  so inside a process BEGIN IMMEDIATE never meets a lock.
- Against other processes (WORKERS > 1, the CLI) BEGIN IMMEDIATE is tried without a
  busy timeout and retried after an asynchronous sleep (`begin_immediate`).
- synchronous=NORMAL: a WAL commit does not fsync.
"""

from __future__ import annotations

import asyncio
import sqlite3
import time
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from sqlalchemy.util.concurrency import await_

# A read meets a lock only in rare WAL corner cases (recovery, a WAL reset); it may
# wait this long on the loop's thread.
READ_BUSY_TIMEOUT_MS = 50
_RETRY_FIRST_S = 0.001
_RETRY_MAX_S = 0.05


class InlineCursor:
    """aiosqlite's cursor surface, each call run at once on the calling thread."""

    __slots__ = ("_cursor",)

    def __init__(self, cursor: sqlite3.Cursor) -> None:
        self._cursor = cursor

    async def __aenter__(self) -> InlineCursor:
        return self

    async def __aexit__(self, *_: object) -> None:
        self._cursor.close()

    async def execute(self, sql: str, parameters: Sequence[Any] | None = None) -> InlineCursor:
        if parameters is None:
            self._cursor.execute(sql)
        else:
            self._cursor.execute(sql, parameters)
        return self

    async def executemany(self, sql: str, parameters: Iterable[Sequence[Any]]) -> InlineCursor:
        self._cursor.executemany(sql, parameters)
        return self

    async def fetchone(self) -> Any:
        return self._cursor.fetchone()

    async def fetchmany(self, size: int | None = None) -> list[Any]:
        if size is None:
            return self._cursor.fetchmany()
        return self._cursor.fetchmany(size)

    async def fetchall(self) -> list[Any]:
        return self._cursor.fetchall()

    async def close(self) -> None:
        self._cursor.close()

    async def nextset(self) -> None:
        return None

    async def setinputsizes(self, *_: Any) -> None:
        return None

    @property
    def description(self) -> Any:
        return self._cursor.description

    @property
    def rowcount(self) -> int:
        return self._cursor.rowcount

    @property
    def lastrowid(self) -> int | None:
        return self._cursor.lastrowid

    @property
    def arraysize(self) -> int:
        return self._cursor.arraysize

    @arraysize.setter
    def arraysize(self, value: int) -> None:
        self._cursor.arraysize = value


class InlineConnection:
    """aiosqlite's connection surface over a plain sqlite3 connection."""

    def __init__(self, connection: sqlite3.Connection) -> None:
        self._conn = connection
        # SQLAlchemy's aiosqlite adapter reads this to tell an open connection from a
        # closed one, as aiosqlite keeps it.
        self._connection: sqlite3.Connection | None = connection

    @property
    def isolation_level(self) -> str | None:
        return self._conn.isolation_level

    def cursor(self) -> InlineCursor:
        return InlineCursor(self._conn.cursor())

    async def commit(self) -> None:
        self._conn.commit()

    async def rollback(self) -> None:
        self._conn.rollback()

    async def close(self) -> None:
        self._connection = None
        self._conn.close()

    async def create_function(self, *args: Any, **kwargs: Any) -> None:
        self._conn.create_function(*args, **kwargs)

    def stop(self) -> None:
        self._connection = None
        self._conn.close()

    @property
    def in_transaction(self) -> bool:
        return self._conn.in_transaction

    def raw(self) -> sqlite3.Connection:
        return self._conn


def open_connection(path: str, pragmas: Sequence[str]) -> sqlite3.Connection:
    """A sqlite3 connection in autocommit, set up; only the loop's thread ever uses it."""
    # The pool may close a connection from another task; the loop's thread is still
    # the only one that ever touches it.
    connection = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    for pragma in pragmas:
        connection.execute(pragma)
    connection.execute(f"PRAGMA busy_timeout={READ_BUSY_TIMEOUT_MS}")
    return connection


def inline_creator(path: str, pragmas: Sequence[str]) -> Callable[[], Any]:
    """The async engine's `async_creator`: one sqlite3 connection, set up, per pool slot."""

    async def create() -> InlineConnection:
        return InlineConnection(open_connection(path, pragmas))

    return create


def _is_locked(error: sqlite3.OperationalError) -> bool:
    return "locked" in str(error) or "busy" in str(error)


async def begin_immediate_async(connection: sqlite3.Connection, deadline_s: float) -> None:
    """BEGIN IMMEDIATE without blocking the loop while another process writes: tried
    without a busy timeout, and retried after an asynchronous sleep until the deadline."""
    started = time.monotonic()
    pause = _RETRY_FIRST_S
    connection.execute("PRAGMA busy_timeout=0")
    try:
        while True:
            try:
                connection.execute("BEGIN IMMEDIATE")
                return
            except sqlite3.OperationalError as error:
                if not _is_locked(error) or time.monotonic() - started >= deadline_s:
                    raise
            await asyncio.sleep(pause)
            pause = min(pause * 2, _RETRY_MAX_S)
    finally:
        connection.execute(f"PRAGMA busy_timeout={READ_BUSY_TIMEOUT_MS}")


def begin_immediate(connection: sqlite3.Connection, deadline_s: float) -> None:
    """The same from inside SQLAlchemy's greenlet: the sleeps are `await_`ed, so the loop
    serves other requests meanwhile."""
    await_(begin_immediate_async(connection, deadline_s))
