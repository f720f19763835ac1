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


def _copied(path: Path, size_before: int) -> bool:
    """Whether the database file has grown by the log's 300 rows of ~1 KB."""
    return path.stat().st_size > size_before + 250_000


async def _run_until_copied(checkpointer: WalCheckpointer, path: Path, size_before: int) -> None:
    """Runs the checkpointer until the database file has grown by the log's pages (5 s
    at most), then stops it."""
    checkpointer.start()
    try:
        for _ in range(250):
            if _copied(path, size_before):
                return
            await asyncio.sleep(0.02)
    finally:
        await checkpointer.stop()


async def test_the_checkpointer_copies_the_log_back_in_the_background(tmp_path: Path) -> None:
    path = tmp_path / "db.sqlite"
    connection = _fill(path, 300)
    size_before = path.stat().st_size
    checkpointer = WalCheckpointer(str(path), SQLITE_PRAGMAS, interval=0.02)
    await _run_until_copied(checkpointer, path, size_before)
    assert _copied(path, size_before)
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

    asyncio.run(_run_until_copied(checkpointer, path, size_before))
    assert _copied(path, size_before)
    connection.close()
