"""Copies roles, policies, access rows, users and permissions out of a Directus database.

Directus 11 and 12 (detected by their directus_policies and directus_access tables): roles
with their parents, policies with their flags and ip_access, the rows attaching them to
roles, users and the public, and the permission rows of each policy. Directus's Public policy
has the same fixed id as ours: its flags and rows land on ours, its public access row is the
one we have. Directus 10: a role's flags become its own policy (as migration 0008 does); the
public's permission rows go to the Public policy.

Ids are kept. Users keep their argon2 password hashes (they log in with their old
passwords), TFA secrets (their authenticator apps keep working) and statuses. Static tokens,
stored in clear by Directus, are stored hashed here. Running it again updates what it
copied; what cannot be copied (an address another user has here, a permission id another
policy uses here) is skipped and said in the report.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from app.db.models import PUBLIC_POLICY_ID
from app.db.types import AsyncSession
from app.errors import InvalidPayloadError
from app.repositories import core, directus_source
from app.repositories import items as items_repo
from app.repositories import permissions as permissions_repo
from app.repositories import policies as policies_repo
from app.repositories import users as users_repo
from app.repositories.sync import recovery_codes as recovery_sync
from app.services import directus_rows
from app.services.container import Services

Rows = list[dict[str, Any]]
TABLES = (
    "directus_roles",
    "directus_policies",
    "directus_access",
    "directus_users",
    "directus_permissions",
)


@dataclass
class ImportReport:
    roles: int = 0
    users: int = 0
    permissions: int = 0
    policies: int = 0
    access: int = 0
    skipped: list[str] = field(default_factory=list)

    def summary(self) -> str:
        lines = [
            f"Imported {self.roles} roles, {self.policies} policies, {self.access} access rows, "
            f"{self.users} users and {self.permissions} permissions."
        ]
        lines += [f"Skipped: {reason}" for reason in self.skipped]
        return "\n".join(lines)


@dataclass
class _Imported:
    """The ids written so far, so later rows only point at what is here."""

    roles: set[str] = field(default_factory=set)
    users: set[str] = field(default_factory=set)
    policies: set[str] = field(default_factory=lambda: {PUBLIC_POLICY_ID})


def source_url(source: str) -> str:
    """A SQLite file path or a PostgreSQL URL, as SQLAlchemy's async URL."""
    for prefix in ("postgres://", "postgresql://", "postgresql+asyncpg://"):
        if source.startswith(prefix):
            return "postgresql+asyncpg://" + source[len(prefix) :]
    path = Path(source).expanduser()
    if not path.is_file():
        raise InvalidPayloadError(f'"{source}" is neither a PostgreSQL URL nor a SQLite file')
    return f"sqlite+aiosqlite:///{path.resolve()}"


async def import_directus(services: Services, source: str) -> ImportReport:
    tables = await directus_source.read_tables(
        source_url(source), TABLES, required=("directus_users", "directus_roles")
    )
    if tables is None:
        raise InvalidPayloadError("The source has no directus_users and directus_roles tables")
    access_model = "directus_policies" in tables and "directus_access" in tables
    report = ImportReport()
    done = _Imported()
    async with services.db.write() as session:
        await policies_repo.ensure_public(session)
        if access_model:
            await _roles(session, tables["directus_roles"], done, report)
            await _policies(session, tables["directus_policies"], done, report)
        else:
            await _v10_roles(session, tables["directus_roles"], done, report)
        await _users(session, tables["directus_users"], done, report)
        if access_model:
            await _access(session, tables["directus_access"], done, report)
        await _permissions(session, tables.get("directus_permissions", []), done, report)
    return report


async def _v10_roles(
    session: AsyncSession, rows: Rows, done: _Imported, report: ImportReport
) -> None:
    """Directus 10: each role's flags go to its own policy (which has the role's id)."""
    for row in rows:
        role = await items_repo.merge(session, directus_rows.role(row))
        await session.flush()
        await policies_repo.set_own_flags(
            session, role.id, role.name, directus_rows.role_flags(row)
        )
        done.roles.add(role.id)
        done.policies.add(role.id)
        report.roles += 1


async def _roles(session: AsyncSession, rows: Rows, done: _Imported, report: ImportReport) -> None:
    """Every role first, then the parents (a parent may come after its child)."""
    for row in rows:
        role = directus_rows.role(row)
        role.parent = None
        await items_repo.merge(session, role)
        done.roles.add(role.id)
        report.roles += 1
    await session.flush()
    for row in rows:
        parent = directus_rows.parent_of(row)
        if parent is not None and parent not in done.roles:
            report.skipped.append(f"role {row['id']}: its parent {parent} is not in the source")
            parent = None
        if parent is not None:
            role = directus_rows.role(row)
            role.parent = parent
            await items_repo.merge(session, role)
    await session.flush()


async def _policies(
    session: AsyncSession, rows: Rows, done: _Imported, report: ImportReport
) -> None:
    for row in rows:
        policy = directus_rows.policy(row)
        if policy.id == PUBLIC_POLICY_ID:
            # Ours keeps its name and description (Directus's are app translation keys).
            await policies_repo.set_flags(session, policy.id, directus_rows.policy_flags(row))
        else:
            await items_repo.merge(session, policy)
        done.policies.add(policy.id)
        report.policies += 1
    await session.flush()


async def _users(session: AsyncSession, rows: Rows, done: _Imported, report: ImportReport) -> None:
    for row in rows:
        user = directus_rows.user(row)
        if user.role is not None and user.role not in done.roles:
            user.role = None
        if user.email and await users_repo.email_taken(session, user.email, user.id):
            report.skipped.append(f"user {user.id}: {user.email} is already taken here")
            continue
        before = await users_repo.get_by_id(session, user.id)
        secret_before = before.tfa_secret if before is not None else None
        await items_repo.merge(session, user)
        if before is not None and secret_before != user.tfa_secret:
            # Recovery codes belong to the TOTP secret they were made beside.
            await core.run(session, recovery_sync.delete_for, [user.id])
        done.users.add(user.id)
        report.users += 1
    await session.flush()


async def _access(session: AsyncSession, rows: Rows, done: _Imported, report: ImportReport) -> None:
    """Each attachment once: one we already have (the public's, or from an earlier run
    under another id) is kept as it is."""
    for row in rows:
        link = directus_rows.access(row)
        missing = _missing_target(link.policy, link.role, link.user, done)
        if missing:
            report.skipped.append(f"access {link.id}: {missing}")
            continue
        found = await policies_repo.access_id(session, link.policy, role=link.role, user=link.user)
        if found is None or found == link.id:
            await items_repo.merge(session, link)
            await session.flush()
        report.access += 1


def _missing_target(policy: str, role: str | None, user: str | None, done: _Imported) -> str:
    if policy not in done.policies:
        return f"unknown policy {policy}"
    if role is not None and role not in done.roles:
        return f"unknown role {role}"
    if user is not None and user not in done.users:
        return f"user {user} was not imported"
    return ""


async def _permissions(
    session: AsyncSession, rows: Rows, done: _Imported, report: ImportReport
) -> None:
    for row in rows:
        permission = directus_rows.permission(row)
        if permission.policy not in done.policies:
            report.skipped.append(f"permission {permission.id}: unknown policy or role")
            continue
        if permission.id is not None:
            owner = await permissions_repo.policy_of_row(session, permission.id)
            if owner is not None and owner != permission.policy:
                report.skipped.append(
                    f"permission {permission.id}: the id is another policy's row here"
                )
                continue
        await items_repo.merge(session, permission)
        report.permissions += 1
    await session.flush()
    await permissions_repo.follow_ids(session)
