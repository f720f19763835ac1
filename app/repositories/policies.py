"""directus_policies and directus_access: a role's own policy (what Directus 10's role
flags read and write) and the public policy."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import delete, exists, update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.db.models import PUBLIC_POLICY_ID, Policy, PolicyAccess, Role

# What a role created through Directus 10's API had when a flag was not given.
V10_ROLE_DEFAULTS: Mapping[str, Any] = {
    "ip_access": None,
    "enforce_tfa": False,
    "admin_access": False,
    "app_access": True,
}


def policy_of(role_id: str | None) -> str:
    """The policy a Directus 10 permission row of `role_id` belongs to: the role's own, or
    the Public policy for the public (None)."""
    return PUBLIC_POLICY_ID if role_id is None else role_id


async def set_own_flags(
    session: AsyncSession,
    role_id: str,
    role_name: str,
    flags: Mapping[str, Any],
    *,
    defaults: Mapping[str, Any] | None = None,
) -> None:
    """Writes `flags` on the role's own policy (the policy with the role's id), creating it
    (named after the role, from `defaults`, else all off) and attaching it on first need."""
    policy = await session.get(Policy, role_id)
    if policy is None:
        values = {**(defaults or {}), **flags}
        session.add(Policy(id=role_id, name=role_name, **values))
        await session.flush()
    elif flags:
        await session.exec(update(Policy).where(col(Policy.id) == role_id).values(**flags))
    attached = select(col(PolicyAccess.id)).where(
        col(PolicyAccess.role) == role_id, col(PolicyAccess.policy) == role_id
    )
    if (await session.exec(attached)).first() is None:
        session.add(PolicyAccess(role=role_id, policy=role_id, sort=1))
        await session.flush()


async def add_role(
    session: AsyncSession, role: Role, flags: Mapping[str, Any] | None = None
) -> Role:
    """A role with its own policy holding `flags` (over Directus 10's defaults)."""
    session.add(role)
    await session.flush()
    await set_own_flags(session, role.id, role.name, flags or {}, defaults=V10_ROLE_DEFAULTS)
    return role


async def ensure_public(session: AsyncSession) -> str:
    """The Public policy (attached to no role and no user), created when missing."""
    if await session.get(Policy, PUBLIC_POLICY_ID) is None:
        session.add(
            Policy(
                id=PUBLIC_POLICY_ID,
                name="Public",
                icon="public",
                description="Controls what the public (callers without a token) may do.",
            )
        )
        await session.flush()
    attached = select(col(PolicyAccess.id)).where(
        col(PolicyAccess.policy) == PUBLIC_POLICY_ID,
        col(PolicyAccess.role).is_(None),
        col(PolicyAccess.user).is_(None),
    )
    if (await session.exec(attached)).first() is None:
        session.add(PolicyAccess(policy=PUBLIC_POLICY_ID, sort=1))
        await session.flush()
    return PUBLIC_POLICY_ID


async def attach(
    session: AsyncSession, policy_id: str, *, role: str | None = None, user: str | None = None
) -> None:
    session.add(PolicyAccess(policy=policy_id, role=role, user=user))
    await session.flush()


async def delete_unattached(session: AsyncSession, ids: Sequence[str]) -> None:
    """After deleting roles: their own policies, unless something else still uses them."""
    if not ids:
        return
    used = exists().where(col(PolicyAccess.policy) == col(Policy.id))
    await session.exec(delete(Policy).where(col(Policy.id).in_(list(ids)), ~used))


async def set_flags(session: AsyncSession, policy_id: str, flags: Mapping[str, Any]) -> None:
    """Writes `flags` on an existing policy, keeping its name and description."""
    await session.exec(update(Policy).where(col(Policy.id) == policy_id).values(**flags))


async def access_id(
    session: AsyncSession, policy_id: str, *, role: str | None, user: str | None
) -> str | None:
    """The id of the row attaching `policy_id` to `role`, to `user` or (neither) to the
    public, if there is one."""
    statement = select(col(PolicyAccess.id)).where(
        col(PolicyAccess.policy) == policy_id,
        col(PolicyAccess.role).is_(None) if role is None else col(PolicyAccess.role) == role,
        col(PolicyAccess.user).is_(None) if user is None else col(PolicyAccess.user) == user,
    )
    return (await session.exec(statement)).first()


async def detach_role_except(session: AsyncSession, role_id: str, kept: Sequence[str]) -> None:
    """Removes the role's access rows other than `kept` (a role's policies replaced)."""
    statement = delete(PolicyAccess).where(
        col(PolicyAccess.role) == role_id, col(PolicyAccess.id).not_in(list(kept))
    )
    await session.exec(statement)
