"""First start: the Administrator role with its Administrator policy, the Public policy, the
first admin and the settings row; never again."""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from app.db.engine import Database
from app.db.models import ProjectSettings, Role, User
from app.db.types import AsyncSession
from app.repositories import policies as policies_repo
from app.repositories import project_settings as settings_repo
from app.repositories import users as users_repo
from app.security.passwords import PasswordHasher


@dataclass(frozen=True)
class BootstrapReport:
    admin_created: bool
    admin_email: str | None = None
    generated_password: str | None = None
    # ADMIN_PASSWORD was given, the database has users already and it is not the password
    # of the ADMIN_EMAIL user (or there is no such user): it was not applied.
    admin_password_ignored: bool = False


async def bootstrap(
    db: Database, hasher: PasswordHasher, admin_email: str, admin_password: str | None
) -> BootstrapReport:
    """Creates what a fresh database lacks; an existing user base is left untouched."""
    async with db.read() as session:
        has_users = await users_repo.count(session) > 0
    password = admin_password or secrets.token_urlsafe(12)
    hashed = None if has_users else await hasher.hash(password)
    async with db.write() as session:
        if await settings_repo.get(session) is None:
            await settings_repo.add(session, ProjectSettings())
        await policies_repo.ensure_public(session)
        # Re-checked inside the write transaction: another instance may have won.
        if hashed is None or await users_repo.count(session) > 0:
            existing = await users_repo.get_by_email(session, admin_email)
            created = False
        else:
            await _add_first_admin(session, admin_email, hashed)
            created = True
    if not created:
        ignored = admin_password is not None and not (
            existing is not None
            and existing.password is not None
            and await hasher.verify(admin_password, existing.password)
        )
        return BootstrapReport(admin_created=False, admin_password_ignored=ignored)
    return BootstrapReport(
        admin_created=True,
        admin_email=admin_email,
        generated_password=None if admin_password else password,
    )


async def _add_first_admin(session: AsyncSession, admin_email: str, hashed: str) -> None:
    # The role's own policy (named after it): admin and app access.
    role = await policies_repo.add_role(
        session,
        Role(
            name="Administrator",
            icon="verified",
            description="Initial administrative role with unrestricted App/API access.",
        ),
        {"admin_access": True, "app_access": True},
    )
    await users_repo.add(
        session,
        User(
            email=admin_email,
            password=hashed,
            role=role.id,
            status="active",
            first_name="Admin",
            last_name="User",
        ),
    )
