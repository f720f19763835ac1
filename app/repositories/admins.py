"""How many active admins there are, counted under a lock that serialises such changes."""

from __future__ import annotations

from sqlalchemy import and_, func, literal, or_, text
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.db.models import Policy, PolicyAccess, Role, User
from app.repositories.sync.callers import MAX_ROLE_DEPTH

# Any constant works: it names the one advisory lock that admin-changing writes share.
_ADMIN_LOCK_KEY = 0x0DA17A


async def lock(session: AsyncSession) -> None:
    """PostgreSQL needs an explicit lock; SQLite's BEGIN IMMEDIATE already serialises."""
    bind = session.bind
    if bind is not None and bind.dialect.name == "postgresql":
        await session.exec(text(f"SELECT pg_advisory_xact_lock({_ADMIN_LOCK_KEY})"))  # type: ignore[call-overload]


def _admin_policies() -> object:
    return select(Policy.id).where(col(Policy.admin_access).is_(True))


async def count_active(session: AsyncSession) -> int:
    """Active users who get admin access from some policy: attached to them, to their role
    or an ancestor of it (as deep as a caller's policies are looked up), or to the public.
    Whatever the policies' ip_access: an admin reachable from somewhere still counts."""
    admin_policy = col(PolicyAccess.policy).in_(_admin_policies())  # type: ignore[arg-type]
    admin_roles = (
        select(col(PolicyAccess.role).label("id"), literal(0).label("depth"))
        .where(admin_policy, col(PolicyAccess.role).is_not(None))
        .cte("admin_roles", recursive=True)
    )
    admin_roles = admin_roles.union_all(
        select(col(Role.id), admin_roles.c.depth + 1).where(
            col(Role.parent) == admin_roles.c.id, admin_roles.c.depth < MAX_ROLE_DEPTH
        )
    )
    direct = select(PolicyAccess.user).where(admin_policy, col(PolicyAccess.user).is_not(None))
    public = (
        select(PolicyAccess.id)
        .where(admin_policy, col(PolicyAccess.role).is_(None), col(PolicyAccess.user).is_(None))
        .exists()
    )
    statement = (
        select(func.count())
        .select_from(User)
        .where(
            col(User.status) == "active",
            or_(
                col(User.role).in_(select(admin_roles.c.id)),
                col(User.id).in_(direct),
                and_(public),
            ),
        )
    )
    return int((await session.exec(statement)).one())
