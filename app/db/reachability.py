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


# PostgreSQL's SQLSTATE for a refused login or database, and the variable to fix.
_PG_STATES = {
    "28P01": "DB_PASSWORD",  # invalid_password
    "28000": "DB_USER",  # invalid_authorization_specification (unknown role, pg_hba)
    "3D000": "DB_DATABASE",  # invalid_catalog_name
}


def _chain(error: BaseException) -> list[BaseException]:
    """The error, the driver's error it wraps, and their causes, outermost first."""
    seen: list[BaseException] = []
    current: BaseException | None = error
    while current is not None and current not in seen:
        seen.append(current)
        inner = current.orig if isinstance(current, DBAPIError) else None
        current = inner or current.__cause__ or current.__context__
    return seen


def _first_line(error: BaseException) -> str:
    lines = str(error).strip().splitlines()
    return lines[0] if lines else type(error).__name__


# A prepared statement another client's transaction left on a shared server connection,
# or one made on another: what PgBouncer's transaction pooling does to prepared statements.
_POOLER_STATES = {"42P05", "26000"}  # duplicate_prepared_statement, invalid_sql_statement_name


def _pg_variable_and_cause(error: BaseException) -> tuple[str, str]:
    for link in _chain(error):
        if getattr(link, "sqlstate", None) in _POOLER_STATES:
            return "DB_PREPARED_STATEMENTS", (
                f"{_first_line(link)} (behind PgBouncer in transaction pooling mode? "
                "set DB_PREPARED_STATEMENTS=false)"
            )
    for link in _chain(error):
        state = getattr(link, "sqlstate", None)
        if isinstance(state, str) and state in _PG_STATES:
            return _PG_STATES[state], _first_line(link)
    for link in _chain(error):
        if isinstance(link, ConnectionRefusedError) or "refused" in str(link).lower():
            return "DB_HOST/DB_PORT", "connection refused (is PostgreSQL running there?)"
    for link in _chain(error):
        if isinstance(link, TimeoutError):
            return "DB_HOST/DB_PORT", "no answer within DB_CONNECT_TIMEOUT"
    for link in _chain(error):
        if isinstance(link, OSError) and link.strerror:
            return "DB_HOST/DB_PORT", link.strerror
    return "DB_HOST/DB_PORT/DB_DATABASE/DB_USER/DB_PASSWORD", _first_line(_chain(error)[-1])


def location(settings: Settings) -> str:
    """Where the database is, without its password: the SQLite file, or user@host:port/db."""
    if settings.db_client == "sqlite3":
        return settings.db_filename
    url = make_url(settings.database_url())
    return f"{url.username or ''}@{url.host}:{url.port or 5432}/{url.database}"


def describe(settings: Settings, error: BaseException) -> str:
    """One line for an error met opening the database: the variable, where, the cause."""
    if settings.db_client == "sqlite3":
        for link in _chain(error):
            if isinstance(link, sqlite3.Error | OSError):
                cause = link.strerror if isinstance(link, OSError) and link.strerror else link
                return f"DB_FILENAME={settings.db_filename}: cannot open the database ({cause})"
        return f"DB_FILENAME={settings.db_filename}: cannot open the database ({error})"
    where = location(settings)
    variable, cause = _pg_variable_and_cause(error)
    if settings.db_connection_string and variable != "DB_PREPARED_STATEMENTS":
        variable = "DB_CONNECTION_STRING"
    return f"{variable} ({where}): {cause}"


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
