"""A database that cannot be reached (down, restarting, not answering, out of connections)
is answered SERVICE_UNAVAILABLE (503) at once, not INTERNAL_SERVER_ERROR and not a hang.

A unit of work that lost its connection rolled back with it: nothing half-written remains.
SQLAlchemy invalidates the pool's connections when it sees a disconnect, so the requests after
the database returns open new ones; the server is never restarted for it.
"""

from __future__ import annotations

import errno
import logging
import socket
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy.exc import DBAPIError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError

from app.errors import ServiceUnavailableError
from app.rare_warnings import RareWarning, cause_of

logger = logging.getLogger("app.db")

# PostgreSQL SQLSTATEs that mean "not now" rather than "this request is wrong": class 08
# (connection exception), admin/crash shutdown, starting up, too many connections.
_UNAVAILABLE_STATES = ("08", "57P01", "57P02", "57P03", "53300")
_UNREACHABLE_ERRNOS = {
    errno.ECONNREFUSED,
    errno.ECONNRESET,
    errno.ECONNABORTED,
    errno.EHOSTUNREACH,
    errno.ENETUNREACH,
    errno.ETIMEDOUT,
    errno.EPIPE,
}


def _links(error: BaseException) -> Iterator[BaseException]:
    seen: list[BaseException] = []
    current: BaseException | None = error
    while current is not None and not any(current is link for link in seen):
        seen.append(current)
        yield current
        inner = current.orig if isinstance(current, DBAPIError) else None
        current = inner or current.__cause__ or current.__context__


def is_unavailable(error: BaseException) -> bool:
    """Whether `error` says the database could not be reached or used, not that the
    statement or its values were wrong."""
    for link in _links(error):
        if isinstance(link, DBAPIError) and link.connection_invalidated:
            return True
        if isinstance(link, PoolTimeoutError | TimeoutError | ConnectionError | socket.gaierror):
            return True
        if isinstance(link, OSError) and link.errno in _UNREACHABLE_ERRNOS:
            return True
        state = getattr(link, "sqlstate", None)
        if isinstance(state, str) and state.startswith(_UNAVAILABLE_STATES):
            return True
    return False


_warning = RareWarning(logger)


@contextmanager
def unavailable_as_503() -> Iterator[None]:
    """Re-raises a lost or refused database connection as ServiceUnavailableError."""
    try:
        yield
    except ServiceUnavailableError:
        raise
    except Exception as error:
        if not is_unavailable(error):
            raise
        _warning.warn(
            "The database is unavailable; answering SERVICE_UNAVAILABLE until it is back "
            "(%s; said at most once a minute)",
            cause_of(error),
        )
        raise ServiceUnavailableError() from None
