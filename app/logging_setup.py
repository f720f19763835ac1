"""Logging for the server and the CLI: LOG_LEVEL, and LOG_STYLE pretty (for people) or json
(for machines). Request lines never carry query strings, bodies, tokens or passwords."""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime

ACCESS_FIELDS = ("method", "path", "operation", "status", "duration_ms", "ip", "user", "outcome")


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, object] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(),
            "level": record.levelname.lower(),
            "logger": record.name,
            "msg": record.getMessage(),
        }
        for name in ACCESS_FIELDS:
            if hasattr(record, name):
                entry[name] = getattr(record, name)
        if record.exc_info:
            entry["error"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str)


def configure_logging(level: str, style: str = "pretty") -> None:
    handler = logging.StreamHandler()
    if style == "json":
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.handlers = [handler]
    root.setLevel(level.upper())
    # Client libraries log requests at INFO, and database drivers log statements with their
    # parameters (password hashes, token hashes) at DEBUG: never below WARNING, whatever
    # LOG_LEVEL says.
    for quiet in (
        "httpx",
        "httpcore",
        "aiosmtplib",
        "mail.log",
        "aiosqlite",
        "asyncpg",
        "sqlalchemy",
    ):
        logging.getLogger(quiet).setLevel(logging.WARNING)
