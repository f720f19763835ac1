"""SQLite on the loop's thread: writers wait asynchronously and never corrupt a count."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import pytest
from sqlalchemy import Connection, event, text
from sqlmodel.ext.asyncio.session import AsyncSession

from app.config import Settings
from app.db.engine import Database, create_engine


async def run(session: AsyncSession, sql: str, **params: int) -> list[tuple[int, ...]]:
    connection = await session.connection()
    result = await connection.execute(text(sql), params)
    return [tuple(row) for row in result.all()] if result.returns_rows else []


@pytest.fixture
async def database(tmp_path: Path) -> AsyncIterator[Database]:
    db = Database(create_engine(Settings(db_client="sqlite3", db_filename=str(tmp_path / "t.db"))))
    async with db.write() as session:
        await run(session, "CREATE TABLE counter (id INTEGER PRIMARY KEY, n INTEGER)")
        await run(session, "INSERT INTO counter (id, n) VALUES (1, 0)")
    yield db
    await db.dispose()


async def _count(db: Database) -> int:
    async with db.read() as session:
        return (await run(session, "SELECT n FROM counter WHERE id = 1"))[0][0]


async def test_concurrent_read_modify_write_units_lose_nothing(database: Database) -> None:
    async def increment() -> None:
        async with database.write() as session:
            n = (await run(session, "SELECT n FROM counter WHERE id = 1"))[0][0]
            await asyncio.sleep(0)  # let every other task try to write meanwhile
            await run(session, "UPDATE counter SET n = :n WHERE id = 1", n=n + 1)

    await asyncio.gather(*(increment() for _ in range(60)))
    assert await _count(database) == 60


async def _write_in_unit(database: Database) -> None:
    async with database.write() as session:
        await run(session, "UPDATE counter SET n = 7 WHERE id = 1")


async def _write_in_run(database: Database) -> None:
    await database.run_writes(
        lambda connection: connection.execute(text("UPDATE counter SET n = 7 WHERE id = 1"))
    )


@pytest.mark.parametrize("write_seven", [_write_in_unit, _write_in_run])
async def test_a_write_waits_for_another_process_writer_and_then_succeeds(
    database: Database,
    tmp_path: Path,
    write_seven: Callable[[Database], Awaitable[None]],
) -> None:
    other = sqlite3.connect(tmp_path / "t.db", isolation_level=None, check_same_thread=False)
    other.execute("BEGIN IMMEDIATE")  # holds the write lock, like another worker would
    events: list[str] = []

    async def write() -> None:
        await write_seven(database)
        events.append("written")

    async def release() -> None:
        await asyncio.sleep(0.2)
        events.append("released")
        other.execute("COMMIT")

    await asyncio.gather(write(), release())
    other.close()
    assert events == ["released", "written"]
    assert await _count(database) == 7


async def test_reads_go_on_while_a_write_unit_is_open(database: Database) -> None:
    async with database.write() as session:
        await run(session, "UPDATE counter SET n = 5 WHERE id = 1")
        # WAL: a reader sees the last committed value and is never blocked.
        assert await _count(database) == 0
    assert await _count(database) == 5


async def test_a_write_unit_inside_another_is_refused(database: Database) -> None:
    async with database.write():
        with pytest.raises(RuntimeError, match="inside another"):
            async with database.write():
                pass


async def test_a_failed_unit_leaves_nothing_behind(database: Database) -> None:
    async def fail_midway() -> None:
        async with database.write() as session:
            await run(session, "UPDATE counter SET n = 99 WHERE id = 1")
            raise ZeroDivisionError

    with pytest.raises(ZeroDivisionError):
        await fail_midway()
    assert await _count(database) == 0
    async with database.write() as session:  # and the next writer is not locked out
        await run(session, "UPDATE counter SET n = 1 WHERE id = 1")
    assert await _count(database) == 1


async def test_concurrent_short_reads_share_one_connection(database: Database) -> None:
    connects: list[object] = []
    event.listen(database.engine.sync_engine, "connect", lambda *_: connects.append(1))

    async def read() -> None:
        async with database.read() as session:
            await run(session, "SELECT n FROM counter WHERE id = 1")

    await asyncio.gather(*(read() for _ in range(32)))
    # A unit that never suspends gives its connection back before the next one starts;
    # opening a connection (and its pragmas) per request would cost more than the read.
    assert connects == []


def _increment(connection: Connection) -> int:
    n = int(connection.execute(text("SELECT n FROM counter WHERE id = 1")).scalar_one())
    connection.execute(text("UPDATE counter SET n = :n WHERE id = 1"), {"n": n + 1})
    return n + 1


async def test_run_writes_commits_all_or_nothing(database: Database) -> None:
    assert await database.run_writes(_increment) == 1

    def fail_midway(connection: Connection) -> None:
        connection.execute(text("UPDATE counter SET n = 99 WHERE id = 1"))
        raise ZeroDivisionError

    with pytest.raises(ZeroDivisionError):
        await database.run_writes(fail_midway)
    assert await _count(database) == 1
    # Interleaved with ORM units, nothing is lost and nobody is locked out.
    await asyncio.gather(*(database.run_writes(_increment) for _ in range(20)))
    assert await _count(database) == 21


async def test_run_writes_inside_a_write_unit_is_refused(database: Database) -> None:
    async with database.write():
        with pytest.raises(RuntimeError, match="inside another"):
            await database.run_writes(_increment)


async def test_run_reads_see_committed_rows_only(database: Database) -> None:
    def count(connection: Connection) -> int:
        return int(connection.execute(text("SELECT n FROM counter WHERE id = 1")).scalar_one())

    async with database.write() as session:
        await run(session, "UPDATE counter SET n = 5 WHERE id = 1")
        assert await database.run_reads(count) == 0
    assert await database.run_reads(count) == 5
