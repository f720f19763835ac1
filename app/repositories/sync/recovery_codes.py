"""dauth_tfa_recovery_codes and dauth_tfa_enabled_secrets on a synchronous Connection (run
through `Database.run_writes` or `run_reads`, or `core.run` inside a write unit). Hashes
only: the codes and the secrets never get here."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import Connection, bindparam, delete, func, insert, select, update

from app.db.models import TfaEnabledSecret, TfaRecoveryCode, User, new_id
from app.repositories import core

_CODES = core.table_of(TfaRecoveryCode)
_UNUSED = _CODES.c.used_at.is_(None)
_FIND = select(_CODES.c.id).where(
    _CODES.c.user == bindparam("user_id"), _CODES.c.code_hash == bindparam("code_hash"), _UNUSED
)
# The guarded spend: of two logins with the same code, exactly one changes the row.
_SPEND = (
    update(_CODES)
    .where(_CODES.c.id == bindparam("code_id"), _UNUSED)
    .values(used_at=bindparam("when"))
)
_MARKS = core.table_of(TfaEnabledSecret)
_USERS = core.table_of(User)
# Counted only while the user has TFA on: without it no code is honoured.
_LEFT = (
    select(func.count())
    .select_from(_CODES.join(_USERS, _USERS.c.id == _CODES.c.user))
    .where(_CODES.c.user == bindparam("user_id"), _UNUSED, _USERS.c.tfa_secret.is_not(None))
)


def replace(connection: Connection, user_id: str, hashes: Sequence[str], now: datetime) -> None:
    """The user's set becomes `hashes`: every earlier code, used or not, is gone."""
    delete_for(connection, [user_id])
    connection.execute(
        insert(_CODES),
        [
            {"id": new_id(), "user": user_id, "code_hash": value, "date_created": now}
            for value in hashes
        ],
    )


def delete_for(connection: Connection, user_ids: Sequence[str]) -> None:
    connection.execute(delete(_CODES).where(_CODES.c.user.in_(list(user_ids))))


def find_unused(connection: Connection, user_id: str, code_hash: str) -> str | None:
    """The id of the user's unused code with this hash."""
    found = connection.execute(_FIND, {"user_id": user_id, "code_hash": code_hash}).first()
    return None if found is None else str(found.id)


def spend(connection: Connection, code_id: str, when: datetime) -> bool:
    """Marks a code used; false when it was used (or deleted) meanwhile."""
    result = connection.execute(_SPEND, {"code_id": code_id, "when": when})
    return bool(result.rowcount == 1)


def left(connection: Connection, user_id: str) -> int:
    """How many of the user's codes are unused (0 without TFA)."""
    return int(connection.execute(_LEFT, {"user_id": user_id}).scalar_one())


def mark_enabled(connection: Connection, user_id: str, mark: str, now: datetime) -> bool:
    """Records that the user turned TFA on with the secret `mark` stands for; false when
    it had been (its derived set was stored once already)."""
    seen = connection.execute(
        select(_MARKS.c.id).where(_MARKS.c.user == user_id, _MARKS.c.mark == mark).limit(1)
    ).first()
    if seen is not None:
        return False
    connection.execute(
        insert(_MARKS).values(id=new_id(), user=user_id, mark=mark, date_created=now)
    )
    return True
