"""Queries on directus_permissions (rows belong to policies)."""

from __future__ import annotations

from sqlalchemy import bindparam, text
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.db.models import Permission
from app.permissions.policies import PolicyGrant
from app.repositories.core import run
from app.repositories.sync.callers import public_policies

_OF_POLICY = select(Permission).where(col(Permission.policy) == bindparam("policy"))


async def for_policy(session: AsyncSession, policy: str) -> list[Permission]:
    """The rows of one policy, in id order."""
    statement = _OF_POLICY.order_by(col(Permission.id))
    return list((await session.exec(statement, params={"policy": policy})).all())


async def public_grants(session: AsyncSession) -> tuple[PolicyGrant, ...]:
    """The public's policies with their rows (which apply depends on the address)."""
    return await run(session, public_policies)


async def policy_of_row(session: AsyncSession, row_id: int) -> str | None:
    """The policy the row with this id belongs to, if the row exists."""
    statement = select(col(Permission.policy)).where(col(Permission.id) == row_id)
    return (await session.exec(statement)).first()


async def follow_ids(session: AsyncSession) -> None:
    """After rows were written with their ids given (an import): PostgreSQL's id sequence
    moves past them, so the next row created here does not take an id already used.
    SQLite picks max(id) + 1 by itself."""
    bind = session.bind
    if bind is None or bind.dialect.name != "postgresql":
        return
    await session.exec(  # type: ignore[call-overload]
        text(
            "SELECT setval(pg_get_serial_sequence('directus_permissions', 'id'), "
            "COALESCE(MAX(id), 0) + 1, false) FROM directus_permissions"
        )
    )
