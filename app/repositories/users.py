"""Queries on directus_users."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, bindparam, func, or_, update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.db.models import Role, User
from app.input_values import is_storable_text
from app.repositories import core, login_claims


@dataclass(frozen=True)
class UserAccess:
    """What a request needs to know about its user, read in one query."""

    user_id: str
    status: str
    role: str | None
    admin_access: bool
    app_access: bool
    enforce_tfa: bool
    has_tfa: bool
    ip_access: list[str] | None
    # The rows themselves, so the rest of the request need not read them again.
    user_row: User | None = field(default=None, compare=False, repr=False)
    role_row: Role | None = field(default=None, compare=False, repr=False)


async def get_by_id(session: AsyncSession, user_id: str) -> User | None:
    return await session.get(User, user_id)


async def get_by_email(session: AsyncSession, email: str) -> User | None:
    """Case-insensitive, through the lower(email) unique index."""
    if not is_storable_text(email):
        return None  # no stored address has a NUL or a lone surrogate; drivers refuse them
    statement = select(User).where(func.lower(col(User.email)) == email.lower())
    return (await session.exec(statement)).first()


@dataclass(frozen=True)
class Credentials:
    """A user's email and static-token hash as stored: what an audit compares against."""

    email: str | None
    token: str | None


async def credentials_of(session: AsyncSession, ids: list[str]) -> dict[str, Credentials]:
    statement = select(User.id, User.email, User.token).where(col(User.id).in_(ids))
    rows = (await session.exec(statement)).all()
    return {row[0]: Credentials(email=row[1], token=row[2]) for row in rows}


def access_of(user: User, role: Role | None) -> UserAccess:
    return UserAccess(
        user_id=user.id,
        status=user.status,
        role=user.role,
        admin_access=bool(role and role.admin_access),
        app_access=bool(role and role.app_access),
        enforce_tfa=bool(role and role.enforce_tfa),
        has_tfa=user.tfa_secret is not None,
        ip_access=role.ip_access if role else None,
        user_row=user,
        role_row=role,
    )


# Every login and refresh runs this, as plain Core; built once.
_USERS = core.table_of(User)
_THE_USER = update(_USERS).where(_USERS.c.id == bindparam("user_id"))
_TOUCH = _THE_USER.values(last_access=bindparam("when"))
_CLAIM_TFA_STEP = _THE_USER.where(
    or_(_USERS.c.tfa_last_step.is_(None), _USERS.c.tfa_last_step < bindparam("step"))
).values(tfa_last_step=bindparam("step"))
_LOGGED_IN = _THE_USER.values(
    last_access=bindparam("when"),
    failed_login_attempts=0,
    locked_until=None,
    login_run=_USERS.c.login_run + 1,
)
_LOGGED_IN_CLAIMED = _LOGGED_IN.values(login_claims=login_claims.one_settled(bindparam("when")))
_SET_PASSWORD = _THE_USER.values(password=bindparam("hashed"))


def touch_last_access(connection: Connection, user_id: str, when: datetime) -> None:
    connection.execute(_TOUCH, {"user_id": user_id, "when": when})


_AS_CHECKED = (
    select(_USERS.c.status, _USERS.c.password, _USERS.c.locked_until)
    .where(_USERS.c.id == bindparam("user_id"))
    .with_for_update()
)


def still_as_checked(
    connection: Connection, user_id: str, password: str | None, now: datetime
) -> bool:
    """Whether the user is still active with the password hash a login checked, and not
    locked: a reset, a suspension or a lock (only verified failures start one) committed
    meanwhile must not be outlived by the login's session. Locks the row on PostgreSQL;
    SQLite's write transaction already excludes writers."""
    row = connection.execute(_AS_CHECKED, {"user_id": user_id}).first()
    if row is None or row.status != "active" or row.password != password:
        return False
    locked: datetime | None = row.locked_until
    return locked is None or locked <= now


def set_password_hash(connection: Connection, user_id: str, hashed: str) -> None:
    """A login's hash upgrade: its transaction has first made sure, with
    `still_as_checked`, that the stored hash is still the one it verified."""
    connection.execute(_SET_PASSWORD, {"user_id": user_id, "hashed": hashed})


async def count(session: AsyncSession) -> int:
    return int((await session.exec(select(func.count()).select_from(User))).one())


async def add(session: AsyncSession, user: User) -> User:
    session.add(user)
    await session.flush()
    return user


def claim_tfa_step(connection: Connection, user_id: str, step: int) -> bool:
    """Records a TOTP step as used; false when it (or a later one) was used before."""
    result = connection.execute(_CLAIM_TFA_STEP, {"user_id": user_id, "step": step})
    return bool(result.rowcount == 1)


async def update_values(session: AsyncSession, user_id: str, **values: Any) -> None:
    await session.exec(update(User).where(col(User.id) == user_id).values(**values))


def record_login(connection: Connection, user_id: str, when: datetime, claimed: bool) -> None:
    """A successful login: its time, and the failure count and lock cleared as they stand
    now (not as the login read them: a failure counted meanwhile is cleared too); a new run
    of failures starts, and the login's claim (`claimed`) is no longer in flight."""
    statement = _LOGGED_IN_CLAIMED if claimed else _LOGGED_IN
    connection.execute(statement, {"user_id": user_id, "when": when})


async def update_if(
    session: AsyncSession,
    user_id: str,
    *,
    expect_status: str,
    expect_password: str | object | None = ...,
    **values: Any,
) -> bool:
    """Updates only while the row still has that status (and password hash, when given);
    false when a concurrent request changed it first. Single-use tokens rely on this."""
    conditions = [col(User.id) == user_id, col(User.status) == expect_status]
    if expect_password is not ...:
        column = col(User.password)
        conditions.append(
            column.is_(None) if expect_password is None else column == expect_password
        )
    result = await session.exec(update(User).where(*conditions).values(**values))
    return bool(result.rowcount == 1)


async def get_by_external_identifier(session: AsyncSession, identifier: str) -> User | None:
    """The user an identity provider knows by this id (case-insensitive, as Directus)."""
    statement = select(User).where(func.lower(col(User.external_identifier)) == identifier.lower())
    return (await session.exec(statement)).first()
