"""directus_users in an AsyncSession (the statements every login runs on a Connection are in
app/repositories/sync/users.py)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.db.models import Role, User
from app.input_values import is_storable_text
from app.permissions.policies import Effective, PolicyGrant, effective


@dataclass(frozen=True)
class UserAccess:
    """What a request needs to know about its user, read in one round: the user, its role
    and the policies it may get (which of them apply depends on the request's address)."""

    user_id: str
    status: str
    role: str | None
    has_tfa: bool
    policies: tuple[PolicyGrant, ...] = ()
    # The rows themselves, so the rest of the request need not read them again.
    user_row: User | None = field(default=None, compare=False, repr=False)
    role_row: Role | None = field(default=None, compare=False, repr=False)

    def at(self, ip: str | None) -> Effective:
        """The access the policies give at the client's address `ip`."""
        return effective(self.policies, ip)


async def get_by_id(session: AsyncSession, user_id: str) -> User | None:
    return await session.get(User, user_id)


async def get_by_email(session: AsyncSession, email: str) -> User | None:
    """Case-insensitive, through the lower(email) unique index."""
    if not is_storable_text(email):
        return None  # no stored address has a NUL or a lone surrogate; drivers refuse them
    statement = select(User).where(func.lower(col(User.email)) == email.lower())
    return (await session.exec(statement)).first()


async def email_taken(session: AsyncSession, email: str, except_id: str) -> bool:
    """Whether another user than `except_id` has this address (case-insensitively)."""
    statement = select(func.count()).where(
        func.lower(col(User.email)) == email.lower(), col(User.id) != except_id
    )
    return bool((await session.exec(statement)).one())


@dataclass(frozen=True)
class Credentials:
    """A user's email and static-token hash as stored: what an audit compares against."""

    email: str | None
    token: str | None


async def credentials_of(session: AsyncSession, ids: list[str]) -> dict[str, Credentials]:
    statement = select(User.id, User.email, User.token).where(col(User.id).in_(ids))
    rows = (await session.exec(statement)).all()
    return {row[0]: Credentials(email=row[1], token=row[2]) for row in rows}


def access_of(user: User, role: Role | None, policies: Sequence[PolicyGrant]) -> UserAccess:
    """`role` as read from its table: its Directus 10 flags (the policies attached directly
    to it) are filled in from `policies`, as an ORM read of it would show them."""
    if role is not None:
        direct = [policy for policy in policies if policy.on_role]
        own = next((policy for policy in direct if policy.id == role.id), None)
        role.__dict__.update(
            ip_access=None if own is None else own.ip_access,
            enforce_tfa=any(policy.enforce_tfa for policy in direct),
            admin_access=any(policy.admin_access for policy in direct),
            app_access=any(policy.app_access for policy in direct),
        )
    return UserAccess(
        user_id=user.id,
        status=user.status,
        role=user.role,
        has_tfa=user.tfa_secret is not None,
        policies=tuple(policies),
        user_row=user,
        role_row=role,
    )


async def count(session: AsyncSession) -> int:
    return int((await session.exec(select(func.count()).select_from(User))).one())


async def add(session: AsyncSession, user: User) -> User:
    session.add(user)
    await session.flush()
    return user


async def update_values(session: AsyncSession, user_id: str, **values: Any) -> None:
    await session.exec(update(User).where(col(User.id) == user_id).values(**values))


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


async def set_tfa_secret_if_none(
    session: AsyncSession, user_id: str, secret: str, step: int
) -> bool:
    """Turns TFA on only while it is still off; false when a concurrent enable did first
    (so one secret, and one set of recovery codes, wins)."""
    statement = (
        update(User)
        .where(col(User.id) == user_id, col(User.tfa_secret).is_(None))
        .values(tfa_secret=secret, tfa_last_step=step)
    )
    result = await session.exec(statement)
    return bool(result.rowcount == 1)
