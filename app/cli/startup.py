"""What every command does before its work: show the settings notices once, then make sure
the database opens, or stop with one line (exit 1) naming the variable and the cause."""

from __future__ import annotations

import asyncio
import sys
import traceback

from app.config import Settings
from app.db.reachability import DatabaseUnavailableError, check_database


def warn(lines: list[str]) -> None:
    for line in lines:
        print(f"Warning: {line}", file=sys.stderr)


def database_ready(settings: Settings) -> bool:
    """True when the database opens; else the one line (and, with LOG_LEVEL=debug only,
    the traceback) is on stderr."""
    try:
        created = asyncio.run(check_database(settings))
    except DatabaseUnavailableError as error:
        if settings.log_level == "debug":
            traceback.print_exception(error)
        print(error.message, file=sys.stderr)
        return False
    for line in created:
        print(line, file=sys.stderr)
    return True
