"""Queries on directus_permissions (rows belong to policies)."""

from __future__ import annotations

from sqlalchemy import bindparam
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
