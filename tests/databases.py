"""Real databases for the suite: a migrated SQLite template and a PostgreSQL database."""

from __future__ import annotations

import asyncio
import io
import os
import re
import shutil
import threading
import uuid
from collections.abc import Coroutine
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, TypeVar

import asyncpg
from sqlalchemy.ext.asyncio import create_async_engine
from sqlmodel import SQLModel

import app.db.models  # noqa: F401  (registers the tables)
from app.db import migrate

T = TypeVar("T")

PG_ADMIN_DSN = os.environ.get("TEST_PG_DSN", "postgresql://postgres@127.0.0.1:5432/test")


def run_sync(coroutine: Coroutine[Any, Any, T]) -> T:
    """Runs a coroutine to completion in its own thread and loop, away from pytest's loop."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


def worker_number() -> int:
    """This pytest-xdist worker's number (gw3 → 3); 0 when the suite runs in one process."""
    worker = os.environ.get("PYTEST_XDIST_WORKER", "gw0")
    return int(worker.removeprefix("gw") or 0)


def worker_redis_db() -> int:
    """A Redis database (1 to 15) of this worker's own, for tests that clear what they wrote:
    workers running at once (and database 0, which the e2e clusters share) never meet.
    TEST_REDIS_DB_OFFSET shifts the range, for several suites running at once on one machine."""
    offset = int(os.environ.get("TEST_REDIS_DB_OFFSET", "0"))
    return 1 + (offset + worker_number()) % 15


def running_in_ci() -> bool:
    return os.environ.get("CI", "").lower() in {"1", "true", "yes"}


async def _migrate(url: str) -> None:
    engine = create_async_engine(url)
    try:
        await migrate.upgrade(engine)
    finally:
        await engine.dispose()


def make_sqlite_template(folder: Path) -> Path:
    template = folder / "template.db"
    run_sync(_migrate(f"sqlite+aiosqlite:///{template}"))
    return template


def copy_sqlite(template: Path, folder: Path) -> Path:
    target = folder / f"{uuid.uuid4().hex}.db"
    shutil.copyfile(template, target)
    return target


async def _pg_admin(statement: str) -> None:
    connection = await asyncpg.connect(PG_ADMIN_DSN, timeout=5)
    try:
        await connection.execute(statement)
    finally:
        await connection.close()


def pg_url(database: str) -> str:
    base = PG_ADMIN_DSN.rsplit("/", 1)[0].replace("postgresql://", "postgresql+asyncpg://")
    return f"{base}/{database}"


def create_pg_database() -> str:
    """A fresh, migrated database for this test session; raises OSError when PG is down."""
    name = f"dauth_test_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    run_sync(_pg_admin(f'CREATE DATABASE "{name}"'))
    run_sync(_migrate(pg_url(name)))
    return name


def create_empty_pg_database() -> str:
    """A fresh database with no tables, for migration tests."""
    name = f"dauth_empty_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    run_sync(_pg_admin(f'CREATE DATABASE "{name}"'))
    return name


def drop_pg_database(name: str) -> None:
    run_sync(_pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


class _PgEmptier:
    """Empties a test database between tests: a DELETE per table (children first) and every
    sequence restarted, on one connection per database kept open on a loop thread of its own.
    On tables of a few rows that is ~2 ms, where a TRUNCATE on a new engine took ~40 ms a test
    (files replaced per table, an engine and a loop built each time)."""

    def __init__(self) -> None:
        self._loop: asyncio.AbstractEventLoop | None = None
        self._connections: dict[str, tuple[asyncpg.Connection, str]] = {}
        self._lock = threading.Lock()

    def _run(self, coroutine: Coroutine[Any, Any, T]) -> T:
        with self._lock:
            if self._loop is None:
                self._loop = asyncio.new_event_loop()
                threading.Thread(
                    target=self._loop.run_forever, name="pg-emptier", daemon=True
                ).start()
            loop = self._loop
        return asyncio.run_coroutine_threadsafe(coroutine, loop).result()

    def empty(self, url: str) -> None:
        self._run(self._empty(url))

    def forget(self, url: str) -> None:
        """Closes the database's connection (before it is dropped)."""
        if url in self._connections:
            self._run(self._close(url))

    async def _empty(self, url: str) -> None:
        if url not in self._connections:
            connection = await asyncpg.connect(
                url.replace("postgresql+asyncpg://", "postgresql://")
            )
            sequences = await connection.fetch(
                "SELECT quote_ident(schemaname) || '.' || quote_ident(sequencename) AS name "
                "FROM pg_sequences"
            )
            tables = reversed(SQLModel.metadata.sorted_tables)
            statements = [f'DELETE FROM "{table.name}"' for table in tables]
            statements += [f"ALTER SEQUENCE {row['name']} RESTART" for row in sequences]
            self._connections[url] = (connection, "; ".join(statements))
        connection, script = self._connections[url]
        await connection.execute(script)

    async def _close(self, url: str) -> None:
        connection, _ = self._connections.pop(url)
        await connection.close()


_EMPTIER = _PgEmptier()


def empty_pg(url: str) -> None:
    """The database as migrated: every table empty, every sequence restarted."""
    _EMPTIER.empty(url)


def forget_pg(url: str) -> None:
    _EMPTIER.forget(url)


_COPY = re.compile(r"^COPY (\w+)\.(\w+) \((.*)\) FROM stdin;$")


async def _restore(url: str, dump: str) -> None:
    """Runs a plain pg_dump script: its SQL as scripts, its COPY blocks through the COPY
    protocol; its comments and psql meta-commands (\\restrict ...) left out."""
    connection = await asyncpg.connect(url.replace("postgresql+asyncpg://", "postgresql://"))
    try:
        script: list[str] = []
        lines = iter(dump.splitlines())
        for line in lines:
            copy = _COPY.match(line)
            if copy is None:
                if line.strip() and not line.startswith(("\\", "--")):
                    script.append(line)
                continue
            if script:
                await connection.execute("\n".join(script))
                script = []
            data = []
            for row in lines:
                if row == "\\.":
                    break
                data.append(row + "\n")
            schema, table, columns = copy.groups()
            await connection.copy_to_table(
                table,
                schema_name=schema,
                columns=[name.strip().strip('"') for name in columns.split(",")],
                source=io.BytesIO("".join(data).encode()),
                format="text",
            )
        if script:
            await connection.execute("\n".join(script))
    finally:
        await connection.close()


def restore_pg_dump(dump: Path) -> str:
    """A fresh database holding a plain pg_dump (e.g. a Directus database); drop it with
    drop_pg_database."""
    name = f"dauth_dump_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    run_sync(_pg_admin(f'CREATE DATABASE "{name}"'))
    run_sync(_restore(pg_url(name), dump.read_text(encoding="utf-8")))
    return name
