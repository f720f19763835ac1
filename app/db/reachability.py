"""Whether the configured database can be opened, told as one line that names the variable
and the cause (no traceback, no password): what start-up says before it gives up."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError, SQLAlchemyError

from app.config import Settings
from app.db.engine import create_engine


class DatabaseUnavailableError(Exception):
    """The database named by the settings cannot be used; the message says which variable
    and why, in one line."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def sqlite_folder_created(filename: str) -> Path | None:
    """Creates DB_FILENAME's folder when only that last folder is missing (a typo'd deeper
    path is refused rather than built); the folder created, or None."""
    if filename in ("", ":memory:"):
        return None
    folder = Path(filename).parent
    if folder.is_dir():
        return None
    if not folder.parent.is_dir():
        raise DatabaseUnavailableError(
            f"DB_FILENAME={filename}: its folder {folder} does not exist, "
            f"nor does {folder.parent} (only the last folder is created)"
        )
    try:
        folder.mkdir()
    except OSError as error:
        raise DatabaseUnavailableError(
            f"DB_FILENAME={filename}: cannot create its folder {folder} ({error.strerror})"
        ) from None
    return folder


def _sqlite_problem(filename: str) -> str | None:
    path = Path(filename)
    if path.is_dir():
        return f"DB_FILENAME={filename} is a folder, not a database file"
    if path.exists() and not os.access(path, os.R_OK | os.W_OK):
        return f"DB_FILENAME={filename} cannot be read and written by this user"
    if not path.exists() and not os.access(path.parent, os.W_OK):
        return f"DB_FILENAME={filename}: its folder {path.parent} is not writable by this user"
    return None


def _pg_variables(settings: Settings) -> str:
    if settings.db_connection_string:
        return "DB_CONNECTION_STRING"
    return "DB_HOST/DB_PORT/DB_DATABASE/DB_USER/DB_PASSWORD"


def _pg_where(settings: Settings) -> str:
    url = make_url(settings.database_url())
    return f"{url.username or ''}@{url.host}:{url.port or 5432}/{url.database}"


def _cause(error: BaseException) -> str:
    """The driver's own words for what went wrong, without the SQL or the parameters."""
    original = error.orig if isinstance(error, DBAPIError) and error.orig else error
    name = type(original).__name__
    if isinstance(original, ConnectionRefusedError) or "refused" in str(original).lower():
        return "connection refused (is the server running, on this host and port?)"
    if name == "InvalidPasswordError":
        return "wrong password (DB_PASSWORD)"
    if name == "InvalidAuthorizationSpecificationError":
        return f"the role is not allowed in: {str(original).strip()} (DB_USER)"
    if name == "InvalidCatalogNameError":
        return f"{str(original).strip()} (DB_DATABASE)"
    if isinstance(original, sqlite3.DatabaseError):
        return str(original)
    if isinstance(original, OSError):
        return original.strerror or str(original)
    text_ = str(original).strip().splitlines()
    return f"{name}: {text_[0]}" if text_ else name


def describe(settings: Settings, error: BaseException) -> str:
    """One line for an error met opening the database."""
    if settings.db_client == "sqlite3":
        return f"DB_FILENAME={settings.db_filename}: cannot open the database ({_cause(error)})"
    return f"{_pg_variables(settings)} ({_pg_where(settings)}): cannot connect ({_cause(error)})"


async def check_database(settings: Settings) -> list[str]:
    """Opens the database once (`SELECT 1`); raises DatabaseUnavailableError with one line,
    returns the notices for the operator (a folder created)."""
    notices: list[str] = []
    if settings.db_client == "sqlite3":
        created = sqlite_folder_created(settings.db_filename)
        if created is not None:
            notices.append(f"Created the folder {created} for DB_FILENAME={settings.db_filename}.")
        problem = _sqlite_problem(settings.db_filename)
        if problem:
            raise DatabaseUnavailableError(problem)
    engine = create_engine(settings)
    try:
        async with engine.connect() as connection:
            await connection.execute(text("SELECT 1"))
            if settings.db_client == "sqlite3":
                # Opening an SQLite file reads nothing yet: make it read its header.
                await connection.execute(text("SELECT count(*) FROM sqlite_master"))
    except (SQLAlchemyError, OSError, sqlite3.Error) as error:
        raise DatabaseUnavailableError(describe(settings, error)) from error
    finally:
        await engine.dispose()
    return notices
