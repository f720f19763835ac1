"""directus_users on a synchronous Connection: what every login and refresh writes, as
plain Core statements built once (run through `Database.run_writes`, or `core.run` inside
a write unit)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection, bindparam, or_, select, update

from app.db.models import User
from app.repositories import core, login_claims

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


def claim_tfa_step(connection: Connection, user_id: str, step: int) -> bool:
    """Records a TOTP step as used; false when it (or a later one) was used before."""
    result = connection.execute(_CLAIM_TFA_STEP, {"user_id": user_id, "step": step})
    return bool(result.rowcount == 1)


def record_login(connection: Connection, user_id: str, when: datetime, claimed: bool) -> None:
    """A successful login: its time, and the failure count and lock cleared as they stand
    now (not as the login read them: a failure counted meanwhile is cleared too); a new run
    of failures starts, and the login's claim (`claimed`) is no longer in flight."""
    statement = _LOGGED_IN_CLAIMED if claimed else _LOGGED_IN
    connection.execute(statement, {"user_id": user_id, "when": when})


def exists(connection: Connection, user_id: str) -> bool:
    found = connection.execute(select(_USERS.c.id).where(_USERS.c.id == user_id)).first()
    return found is not None
