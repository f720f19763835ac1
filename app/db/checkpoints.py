"""WAL checkpoints in a thread of their own, not in the request that happened to commit.

SQLite copies the write-ahead log back into the database (two fsyncs and up to a
thousand page writes) inside whichever commit crosses `wal_autocheckpoint`. Every
statement here runs on the loop's thread, so that commit (a refresh, a login) stalled
every request of the worker for the checkpoint's length. Here a passive checkpoint runs
every `interval` seconds on its own connection in a worker thread (SQLite releases the
GIL while it writes); the connections that serve requests keep a far larger automatic
threshold only as a bound on the log should this thread fall behind.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sqlite3
from collections.abc import Sequence

from app.db.sqlite_inline import open_connection

logger = logging.getLogger(__name__)

# Pages the log may hold before a committing request checkpoints it itself (32 MiB at
# 4 KiB pages); the thread normally keeps it far below.
REQUEST_AUTOCHECKPOINT_PAGES = 8192


class WalCheckpointer:
    def __init__(self, path: str, pragmas: Sequence[str], interval: float = 0.5) -> None:
        self.path = path
        self.pragmas = tuple(pragmas)
        self.interval = interval
        self._task: asyncio.Task[None] | None = None
        self._stopping: asyncio.Event | None = None
        self._connection: sqlite3.Connection | None = None

    def start(self) -> None:
        """On the running loop; again after `stop` (an app may be started by several loops)."""
        if self._task is None:
            # An Event belongs to the loop that first waits on it: one per start.
            self._stopping = asyncio.Event()
            self._task = asyncio.get_running_loop().create_task(self._run(self._stopping))

    async def stop(self) -> None:
        """Lets a checkpoint in progress finish (its thread holds the connection)."""
        task, self._task = self._task, None
        if task is not None and self._stopping is not None:
            self._stopping.set()
            # Shielded: a cancelled stop must not close the connection under the thread.
            await asyncio.shield(task)
        connection, self._connection = self._connection, None
        if connection is not None:
            connection.close()

    def checkpoint(self) -> tuple[int, int, int]:
        """(busy, frames in the log, frames copied back); blocking: call it in a thread."""
        if self._connection is None:
            self._connection = open_connection(self.path, self.pragmas)
        row = self._connection.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
        return int(row[0]), int(row[1]), int(row[2])

    async def _run(self, stopping: asyncio.Event) -> None:
        failing = False
        while True:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stopping.wait(), self.interval)
                return
            try:
                await asyncio.to_thread(self.checkpoint)
            except Exception as error:  # the loop must outlive any one round
                # (Another process's checkpoint makes this one report busy, not fail.)
                # Say it once per spell of failures; commits checkpoint past the bound.
                if not failing:
                    logger.warning("WAL checkpoint failed (retrying every round): %s", error)
                failing = True
            else:
                failing = False
