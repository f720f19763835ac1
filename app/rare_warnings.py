"""A warning said at most once a minute: an outage under load would otherwise log one line
per request."""

from __future__ import annotations

import logging
import time

WARNING_INTERVAL_S = 60.0


class RareWarning:
    def __init__(self, logger: logging.Logger, interval_s: float = WARNING_INTERVAL_S) -> None:
        self._logger = logger
        self._interval_s = interval_s
        self._last = float("-inf")

    def warn(self, message: str, *args: object) -> None:
        now = time.monotonic()
        if now - self._last < self._interval_s:
            return
        self._last = now
        self._logger.warning(message, *args)


def cause_of(error: BaseException) -> str:
    """The error's kind and first line, short: what an operator needs, no traceback."""
    lines = str(error).strip().splitlines()
    return f"{type(error).__name__}: {lines[0][:200]}" if lines else type(error).__name__
