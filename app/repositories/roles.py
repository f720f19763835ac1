"""Queries on directus_roles."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import bindparam, func
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.db.models import Role


async def get_many(session: AsyncSession, ids: Sequence[str]) -> list[Role]:
    if not ids:
        return []
    return list((await session.exec(select(Role).where(col(Role.id).in_(ids)))).all())


async def add(session: AsyncSession, role: Role) -> Role:
    session.add(role)
    await session.flush()
    return role


async def get_by_names(session: AsyncSession, names: Sequence[str]) -> list[Role]:
    """Roles whose name is one of `names`, compared case-insensitively."""
    wanted = sorted({name.lower() for name in names})
    if not wanted:
        return []
    statement = select(Role).where(func.lower(col(Role.name)).in_(wanted)).order_by(col(Role.name))
    return list((await session.exec(statement)).all())


async def chain(session: AsyncSession, role_id: str, max_depth: int) -> list[str]:
    """The role and its ancestors, nearest first (at most `max_depth` up: a cycle ends)."""
    ids = [role_id]
    statement = select(Role.parent).where(col(Role.id) == bindparam("role"))
    while len(ids) <= max_depth:
        parent = (await session.exec(statement, params={"role": ids[-1]})).first()
        if parent is None or parent in ids:
            break
        ids.append(parent)
    return ids
