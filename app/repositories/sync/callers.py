"""The reads that tell who is asking: made on every authenticated request and login.

Plain Core statements, built once and run together on one connection by
`Database.run_reads`: through an AsyncSession these reads cost several times SQLite's
own work. The rows come back as detached model instances, as the ORM would load them,
so the rest of the request reuses them instead of reading again.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, bindparam, func, or_, select

from app.db.models import Permission, Role, Session, User
from app.input_values import is_storable_text
from app.repositories.core import RowBuilder, table_of
from app.repositories.users import UserAccess, access_of

USERS = RowBuilder(User)
ROLES = RowBuilder(Role)
_PERMISSIONS = RowBuilder(Permission)
# A user's columns then its role's (all NULL without one): what `owner_of` reads.
OWNER_COLUMNS = (*USERS.columns, *ROLES.columns)
_USER_COUNT = len(USERS.columns)

_users, _roles, _permissions = USERS.table, ROLES.table, _PERMISSIONS.table
_sessions = table_of(Session)
_OWNER_COUNT = len(OWNER_COLUMNS)
# The user, its role and the role's permission rows in one statement: a row per
# permission (or one with NULLs when the role has none).
_WITH_ROLE = (
    select(*OWNER_COLUMNS, *_PERMISSIONS.columns)
    .select_from(
        _users.outerjoin(_roles, _roles.c.id == _users.c.role).outerjoin(
            _permissions, _permissions.c.role == _users.c.role
        )
    )
    .order_by(_permissions.c.id)
)
_BY_ID = _WITH_ROLE.where(_users.c.id == bindparam("key"))
_OWNER_BY_ID = (
    select(*OWNER_COLUMNS)
    .select_from(_users.outerjoin(_roles, _roles.c.id == _users.c.role))
    .where(_users.c.id == bindparam("key"))
)
_USER_BY_EMAIL = select(*USERS.columns).where(func.lower(_users.c.email) == bindparam("email"))
_BY_TOKEN = _WITH_ROLE.where(_users.c.token == bindparam("key"))
# Live: unexpired, and not rotated, or rotated by a session refresh after `rotated_since`
# (inside SESSION_REFRESH_GRACE_PERIOD).
_LIVE_SESSION = select(_sessions.c.id).where(
    _sessions.c.id == bindparam("id"),
    or_(_sessions.c.rotated_at.is_(None), _sessions.c.rotated_at > bindparam("rotated_since")),
    _sessions.c.expires > bindparam("now"),
)
_OF_PUBLIC = select(*_PERMISSIONS.columns).where(_permissions.c.role.is_(None))


@dataclass(frozen=True)
class AccessRows:
    """A user with its role; its role's permission rows unless it is an admin or inactive."""

    access: UserAccess
    permissions: tuple[Permission, ...] | None


@dataclass(frozen=True)
class AccessQuery:
    """Whom to read: a user id (from a JWT) or a static token's hash, and the session a
    session JWT names, which must still be live at `now` (a session rotated after
    `rotated_since` still is). Without `permissions` (a login only signs a token), the
    permission rows are not read."""

    user_id: str | None = None
    token_hash: str | None = None
    session_id: str | None = None
    now: datetime | None = None
    rotated_since: datetime | None = None
    permissions: bool = True

    def __call__(self, connection: Connection) -> AccessRows | None:
        if self.user_id is not None and not self.permissions:
            row = connection.execute(_OWNER_BY_ID, {"key": self.user_id}).first()
            return None if row is None else AccessRows(owner_of(row), None)
        if self.user_id is not None:
            statement, key = _BY_ID, self.user_id
        elif self.token_hash is not None:
            statement, key = _BY_TOKEN, self.token_hash
        else:
            return None
        rows = connection.execute(statement, {"key": key}).all()
        if not rows:
            return None
        if self.session_id is not None:
            live = connection.execute(
                _LIVE_SESSION,
                {
                    "id": self.session_id,
                    "now": self.now,
                    "rotated_since": self.rotated_since or self.now,
                },
            ).first()
            if live is None:
                return None
        access = owner_of(rows[0])
        permissions = None
        if access.status == "active" and not access.admin_access:
            if access.role is None:
                permissions = public_permissions(connection)
            else:
                permissions = tuple(
                    _PERMISSIONS.build(row[_OWNER_COUNT:])
                    for row in rows
                    if row[_OWNER_COUNT] is not None
                )
        return AccessRows(access, permissions)


def user_by_email(connection: Connection, email: str) -> User | None:
    """Case-insensitive, through the lower(email) unique index; a detached snapshot (to
    change the user, read it in an ORM unit with `users.get_by_email`)."""
    if not is_storable_text(email):
        return None  # no stored address has a NUL or a lone surrogate; drivers refuse them
    row = connection.execute(_USER_BY_EMAIL, {"email": email.lower()}).first()
    return None if row is None else USERS.build(row)


def owner_of(values: Sequence[Any]) -> UserAccess:
    """A user and its role from a row starting with OWNER_COLUMNS."""
    user = USERS.build(values[:_USER_COUNT])
    role_values = values[_USER_COUNT:_OWNER_COUNT]
    role = None if user.role is None or role_values[0] is None else ROLES.build(role_values)
    return access_of(user, role)


def public_permissions(connection: Connection) -> tuple[Permission, ...]:
    """The public's rows (a user without a role has those)."""
    return tuple(_PERMISSIONS.build(row) for row in connection.execute(_OF_PUBLIC).all())
