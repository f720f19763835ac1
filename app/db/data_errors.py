"""The second line behind input validation: a value the driver or database refuses as
data (not a fault of ours) becomes a coded 400 instead of INTERNAL_SERVER_ERROR.

Only errors that can be caused by the values a client sent are recognised: text a
driver cannot encode, integers past a column's range, PostgreSQL's "data exception"
class (SQLSTATE 22…: NUL in text, numbers out of range, bad dates), and SQLite's limits
on one statement. Anything else (a missing table, a lost connection) stays unexpected.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy.exc import DBAPIError, StatementError

from app.errors import DirectusError, InvalidPayloadError, InvalidQueryError

_SQLITE_LIMITS = (
    "too many sql variables",
    "expression tree is too large",
    "like or glob pattern too complex",
    "string or blob too big",
)


def _is_data_error(error: BaseException) -> bool:
    if isinstance(error, UnicodeEncodeError | OverflowError):
        return True
    if isinstance(error, DBAPIError):
        code = str(getattr(error.orig, "sqlstate", None) or getattr(error.orig, "pgcode", ""))
        if code.startswith("22"):
            return True
        cause = getattr(error.orig, "__cause__", None)
        return type(cause).__name__ == "DataError" or isinstance(
            cause, UnicodeEncodeError | OverflowError
        )
    if isinstance(error, StatementError) and error.orig is not None:
        return isinstance(error.orig, UnicodeEncodeError | OverflowError)
    return False


def _is_limit(error: BaseException) -> bool:
    message = str(getattr(error, "orig", error)).lower()
    return isinstance(error, DBAPIError) and any(text in message for text in _SQLITE_LIMITS)


def input_error(error: BaseException, *, writing: bool) -> DirectusError | None:
    """The coded error for a refusal caused by the request's values, or None."""
    if isinstance(error, DirectusError):
        return None
    if _is_limit(error):
        return InvalidQueryError("The query is too large for the database")
    if _is_data_error(error):
        if writing:
            return InvalidPayloadError("A value is out of the range the database can store")
        return InvalidQueryError("A value is out of the range the database can compare")
    return None


@contextmanager
def refused_values(*, writing: bool) -> Iterator[None]:
    """Re-raises a data refusal as its coded error (the transaction has rolled back)."""
    try:
        yield
    except Exception as error:
        coded = input_error(error, writing=writing)
        if coded is None:
            raise
        raise coded from None
