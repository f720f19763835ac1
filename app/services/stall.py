"""Padding answers to a fixed duration, so how long they take says nothing."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import anyio


@asynccontextmanager
async def stalled(milliseconds: int) -> AsyncIterator[None]:
    """Whatever happens inside (success or error), leave no sooner than `milliseconds`."""
    started = time.monotonic()
    try:
        yield
    finally:
        remaining = milliseconds / 1000 - (time.monotonic() - started)
        if remaining > 0:
            await anyio.sleep(remaining)
