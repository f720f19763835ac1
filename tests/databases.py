"""Real databases for the suite: a migrated SQLite template and a PostgreSQL database."""

from __future__ import annotations

import asyncio
import os
import shutil
import uuid
from collections.abc import Coroutine
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, TypeVar

import asyncpg
from sqlalchemy import text
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
    workers running at once (and database 0, which the e2e clusters share) never meet."""
    return 1 + worker_number() % 15


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


def truncate_pg(url: str) -> None:
    run_sync(_truncate_pg(url))


async def _truncate_pg(url: str) -> None:
    tables = ", ".join(f'"{table.name}"' for table in SQLModel.metadata.sorted_tables)
    engine = create_async_engine(url)
    try:
        async with engine.begin() as connection:
            await connection.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    finally:
        await engine.dispose()
