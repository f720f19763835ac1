"""directus_sessions on a synchronous Connection (logins and refreshes, through
`Database.run_writes`): refresh sessions, keyed by the hash of their token."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, bindparam, delete, insert, select, update

from app.db.models import Session, new_id
from app.repositories.core import RowBuilder
from app.repositories.sync.callers import (
    ROLES,
    USERS,
    owner_rows,
    with_owner,
    with_second_factor,
)
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
    created: datetime | None = None,
    issued: datetime | None = None,
) -> str:
    """A plain INSERT; returns the new id. Without a family the session starts a login
    of its own. `created`: when the login began (a rotation passes its predecessor's);
    `issued`: now, the row's login or refresh (its `last_used`)."""
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
        # A rotation of a row from before migration 0009 does not know when its login began.
        "created": created if family else issued,
        "last_used": issued,
    }
    connection.execute(_INSERT, values)
    return new


def find_with_owner(
    connection: Connection,
    *,
    token_hash: str | None = None,
    session_id: str | None = None,
    ip: str | None = None,
) -> SessionOwner | None:
    """The session with its user, role and policies, so the refresh that follows reads
    nothing else (but whether the user has a passkey, when a policy enforcing TFA applies
    at the client's address `ip`)."""
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
        owner=with_second_factor(connection, owner_rows(rows, _SESSION_COUNT), ip),
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


_LIVE_OF_USER = (
    select(*_SESSION_ROWS.columns)
    .where(
        _SESSIONS.c.user == bindparam("user"),
        _SESSIONS.c.rotated_at.is_(None),
        _SESSIONS.c.expires > bindparam("now"),
    )
    .order_by(_SESSIONS.c.last_used.desc(), _SESSIONS.c.id)
)
_FAMILY_BY_ID = select(_SESSIONS.c.family).where(_SESSIONS.c.id == bindparam("key"))
_FAMILY_BY_TOKEN = select(_SESSIONS.c.family).where(_SESSIONS.c.token == bindparam("key"))


def live_of_user(connection: Connection, user_id: str, now: datetime) -> list[Session]:
    """One row per login that can still be refreshed: each family's unrotated, unexpired
    row, most recently used first."""
    rows = connection.execute(_LIVE_OF_USER, {"user": user_id, "now": now})
    return [_SESSION_ROWS.build(row) for row in rows]


def family_of(
    connection: Connection, *, session_id: str | None = None, token_hash: str | None = None
) -> str | None:
    """The login (family) a session row belongs to, found by id or by token hash."""
    if session_id is not None:
        found = connection.execute(_FAMILY_BY_ID, {"key": session_id}).scalar()
    elif token_hash is not None:
        found = connection.execute(_FAMILY_BY_TOKEN, {"key": token_hash}).scalar()
    else:
        return None
    return None if found is None else str(found)


def end_families(
    connection: Connection,
    *,
    users: Sequence[str],
    family: str | None = None,
    keep_family: str | None = None,
    now: datetime,
) -> list[tuple[str, str]]:
    """Deletes every row of the given users' logins (only `family`, if given; all but
    `keep_family`, if given) and answers the (user, family) of each login that was still
    alive, for the audit trail. One DELETE … RETURNING (SQLite 3.35+, PostgreSQL)."""
    statement = delete(_SESSIONS).where(_SESSIONS.c.user.in_(list(users)))
    if family is not None:
        statement = statement.where(_SESSIONS.c.family == family)
    if keep_family is not None:
        statement = statement.where(_SESSIONS.c.family != keep_family)
    returning = statement.returning(
        _SESSIONS.c.user, _SESSIONS.c.family, _SESSIONS.c.rotated_at, _SESSIONS.c.expires
    )
    ended: dict[tuple[str, str], None] = {}
    for row in connection.execute(returning):
        if row.rotated_at is None and row.expires > now:
            ended[(str(row.user), str(row.family))] = None
    return sorted(ended)
