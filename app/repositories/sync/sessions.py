"""directus_sessions on a synchronous Connection (logins and refreshes, through
`Database.run_writes`): refresh sessions, keyed by the hash of their token."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, bindparam, delete, insert, select, update

from app.db.models import Session, new_id
from app.repositories.core import RowBuilder
from app.repositories.sync.callers import ROLES, USERS, owner_rows, with_owner
from app.repositories.users import UserAccess


@dataclass(frozen=True)
class SessionOwner:
    session: Session
    owner: UserAccess

    @property
    def user_status(self) -> str:
        return self.owner.status


# Logins and refreshes run these, as plain Core on one connection (see
# `Database.run_writes`); each is built once, not per request.
_SESSION_ROWS = RowBuilder(Session)
_SESSION_COUNT = len(_SESSION_ROWS.columns)
_SESSIONS = _SESSION_ROWS.table
_USERS, _ROLES = USERS.table, ROLES.table
_INSERT = insert(_SESSIONS)
_WITH_OWNER = _SESSIONS.join(_USERS, _USERS.c.id == _SESSIONS.c.user).outerjoin(
    _ROLES, _ROLES.c.id == _USERS.c.role
)
# The session, its user and role, and the user's policies: one statement, a row per policy.
_BY_TOKEN = with_owner(_SESSION_ROWS.columns, _WITH_OWNER, _SESSIONS.c.token == bindparam("key"))
_BY_ID = with_owner(_SESSION_ROWS.columns, _WITH_OWNER, _SESSIONS.c.id == bindparam("key"))
_GET = select(*_SESSION_ROWS.columns).where(_SESSIONS.c.id == bindparam("id"))
_CLAIM = (
    update(_SESSIONS)
    .where(
        _SESSIONS.c.id == bindparam("session_id"),
        _SESSIONS.c.rotated_at.is_(None),
        _SESSIONS.c.expires > bindparam("now"),
    )
    .values(rotated_at=bindparam("now"), successor=bindparam("successor_id"))
)
_CURRENT_OF_FAMILY = select(*_SESSION_ROWS.columns).where(
    _SESSIONS.c.family == bindparam("family"),
    _SESSIONS.c.rotated_at.is_(None),
    _SESSIONS.c.expires > bindparam("now"),
)
_DELETE_FAMILY = delete(_SESSIONS).where(_SESSIONS.c.family == bindparam("family"))
_DELETE_EXPIRED_OF_USER = delete(_SESSIONS).where(
    _SESSIONS.c.user == bindparam("user"), _SESSIONS.c.expires <= bindparam("now")
)


def add(
    connection: Connection,
    *,
    token_hash: str,
    user: str,
    expires: datetime,
    ip: str | None,
    user_agent: str | None,
    origin: str | None,
    family: str | None = None,
    session_id: str | None = None,
) -> str:
    """A plain INSERT; returns the new id. Without a family the session starts a login
    of its own."""
    new = session_id or new_id()
    values = {
        "id": new,
        "token": token_hash,
        "user": user,
        "expires": expires,
        "ip": ip,
        "user_agent": user_agent,
        "origin": origin,
        "family": family or new_id(),
        "rotated_at": None,
        "successor": None,
    }
    connection.execute(_INSERT, values)
    return new


def find_with_owner(
    connection: Connection, *, token_hash: str | None = None, session_id: str | None = None
) -> SessionOwner | None:
    """The session with its user, role and policies, so the refresh that follows reads
    nothing else."""
    if token_hash is not None:
        statement, key = _BY_TOKEN, token_hash
    elif session_id is not None:
        statement, key = _BY_ID, session_id
    else:
        return None
    rows = connection.execute(statement, {"key": key}).all()
    if not rows:
        return None
    return SessionOwner(
        session=_SESSION_ROWS.build(rows[0][:_SESSION_COUNT]),
        owner=owner_rows(rows, _SESSION_COUNT),
    )


def claim_for_rotation(
    connection: Connection, session_id: str, successor_id: str, now: datetime
) -> bool:
    """Mark a live session rotated; only one of many concurrent callers can win."""
    result = connection.execute(
        _CLAIM, {"session_id": session_id, "successor_id": successor_id, "now": now}
    )
    return bool(result.rowcount == 1)


def get(connection: Connection, session_id: str) -> Session | None:
    row = connection.execute(_GET, {"id": session_id}).first()
    return None if row is None else _SESSION_ROWS.build(row)


def current_of_family(connection: Connection, family: str, now: datetime) -> Session | None:
    """The login's live, not yet rotated session (a rotation leaves one per family)."""
    row = connection.execute(_CURRENT_OF_FAMILY, {"family": family, "now": now}).first()
    return None if row is None else _SESSION_ROWS.build(row)


def delete_family(connection: Connection, family: str) -> None:
    connection.execute(_DELETE_FAMILY, {"family": family})


def delete_expired_for_user(connection: Connection, user_id: str, now: datetime) -> None:
    connection.execute(_DELETE_EXPIRED_OF_USER, {"user": user_id, "now": now})
