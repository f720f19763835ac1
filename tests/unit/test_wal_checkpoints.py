"""The WAL is copied back into the database by the checkpointer's thread, not by the
commits that serve requests (they only do so past a far larger bound)."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

from app.db.checkpoints import REQUEST_AUTOCHECKPOINT_PAGES, WalCheckpointer
from app.db.engine import SQLITE_PRAGMAS
from app.db.sqlite_inline import open_connection


def _fill(path: Path, rows: int) -> sqlite3.Connection:
    connection = open_connection(str(path), SQLITE_PRAGMAS)
    connection.execute("CREATE TABLE IF NOT EXISTS t (v TEXT)")
    for _ in range(rows):
        connection.execute("INSERT INTO t VALUES (?)", ("x" * 1000,))
    return connection


def test_request_connections_leave_checkpoints_to_the_thread(tmp_path: Path) -> None:
    connection = _fill(tmp_path / "db.sqlite", 500)
    (pages,) = connection.execute("PRAGMA wal_autocheckpoint").fetchone()
    assert pages == REQUEST_AUTOCHECKPOINT_PAGES
    # 500 commits of ~1 KB each stay in the log: nothing was copied back by a commit.
    assert (tmp_path / "db.sqlite").stat().st_size < 100_000
    assert (tmp_path / "db.sqlite-wal").stat().st_size > 500_000
    connection.close()


async def test_the_checkpointer_copies_the_log_back_in_the_background(tmp_path: Path) -> None:
    path = tmp_path / "db.sqlite"
    connection = _fill(path, 300)
    size_before = path.stat().st_size
    checkpointer = WalCheckpointer(str(path), SQLITE_PRAGMAS, interval=0.02)
    checkpointer.start()
    try:
        for _ in range(250):
            if path.stat().st_size > size_before + 250_000:
                break
            await asyncio.sleep(0.02)
    finally:
        await checkpointer.stop()
    assert path.stat().st_size > size_before + 250_000
    # Every frame of the log is in the database now.
    busy, frames, copied = checkpointer.checkpoint()
    assert (busy, frames) == (0, copied)
    (count,) = connection.execute("SELECT count(*) FROM t").fetchone()
    assert count == 300
    connection.close()
    await checkpointer.stop()  # stopping twice is harmless


def test_the_checkpointer_starts_again_on_another_loop(tmp_path: Path) -> None:
    """An app may be started by one event loop, stopped, then started by another."""
    path = tmp_path / "db.sqlite"
    checkpointer = WalCheckpointer(str(path), SQLITE_PRAGMAS, interval=0.02)

    async def cycle() -> None:
        checkpointer.start()
        await asyncio.sleep(0.1)
        await checkpointer.stop()

    asyncio.run(cycle())
    connection = _fill(path, 300)
    size_before = path.stat().st_size

    async def until_copied() -> None:
        checkpointer.start()
        try:
            for _ in range(250):
                if path.stat().st_size > size_before + 250_000:
                    return
                await asyncio.sleep(0.02)
        finally:
            await checkpointer.stop()

    asyncio.run(until_copied())
    assert path.stat().st_size > size_before + 250_000
    connection.close()
