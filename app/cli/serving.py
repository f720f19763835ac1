"""How `dauth serve` runs uvicorn (the benchmark's floor runs the same way)."""

from __future__ import annotations

# Python's own event loop, not uvloop: libuv accepts one connection per loop iteration,
# so while a worker is busy, each new client waited a whole iteration (tens of ms under
# load) before its first request was read; 32 connections opened at once saw a p99 of
# 200-450 ms. asyncio's loop accepts the whole backlog at once; throughput is the same,
# since the time goes to Python code, not to I/O.
EVENT_LOOP = "asyncio"
