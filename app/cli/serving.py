"""How `dauth serve` runs uvicorn (the benchmark's floor runs the same way)."""

from __future__ import annotations

import signal
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType

# Python's own event loop, not uvloop: libuv accepts one connection per loop iteration,
# so while a worker is busy, each new client waited a whole iteration (tens of ms under
# load) before its first request was read; 32 connections opened at once saw a p99 of
# 200-450 ms. asyncio's loop accepts the whole backlog at once; throughput is the same,
# since the time goes to Python code, not to I/O.
EVENT_LOOP = "asyncio"


@contextmanager
def exit_zero_on_sigterm() -> Iterator[None]:
    """After a graceful shutdown uvicorn raises the signal that asked for it again, under the
    handler it found: with the default one a SIGTERM'd server would die of it (exit 143)
    however cleanly it stopped. Under this one the process exits 0, then as before uvicorn
    took the signal over (while the app loads) as after it handed it back."""

    def stopped(_signal: int, _frame: FrameType | None) -> None:
        raise SystemExit(0)

    previous = signal.signal(signal.SIGTERM, stopped)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)
