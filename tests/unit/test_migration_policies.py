"""Migration 0008 moves rights from roles to policies without changing anyone's access: a
database filled at revision 0007 (roles with flags, users, role and public permissions) is
upgraded, and every user gets what it got before, at every address (SQLite and PostgreSQL)."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field
from typing import Any

from alembic import command
from sqlalchemy import Connection, event, text
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel.ext.asyncio.session import AsyncSession

from app.db import migrate
from app.db.models import PUBLIC_POLICY_ID, Role
from app.repositories.sync.callers import AccessQuery, public_policies


@dataclass(frozen=True)
class OldRole:
    name: str
    admin: bool = False
    app: bool = True
    tfa: bool = False
    ip: list[str] | None = None
    id: str = field(default_factory=lambda: str(uuid.uuid4()))


ADMINS = OldRole("Admins", admin=True)
EDITORS = OldRole("Editors", tfa=True, ip=["10.0.0.0/8", "192.168.1.7"])
VIEWERS = OldRole("Viewers", app=False)
ROLES = (ADMINS, EDITORS, VIEWERS)
# Each user's role (None: no role).
USERS = {"admin": ADMINS, "editor": EDITORS, "viewer": VIEWERS, "loner": None}
# (role, collection, action, fields, filter); role None is the public.
PERMISSIONS: tuple[tuple[OldRole | None, str, str, list[str], dict[str, Any] | None], ...] = (
    (EDITORS, "directus_users", "read", ["id", "email"], {"id": {"_eq": "$CURRENT_USER"}}),
    (EDITORS, "directus_users", "update", ["first_name"], None),
    (VIEWERS, "directus_roles", "read", ["*"], None),
    (None, "directus_settings", "read", ["project_name"], None),
)
ADDRESSES = (None, "10.1.2.3", "192.168.1.7", "203.0.113.7")


def _enforce_foreign_keys(engine: AsyncEngine) -> None:
    """As the app's own SQLite connections do: the migration must not cascade anything."""

    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()


async def _fill_0007(engine: AsyncEngine, user_ids: dict[str, str]) -> None:
    async with engine.begin() as connection:
        for role in ROLES:
            await connection.execute(
                text(
                    "INSERT INTO directus_roles (id, name, icon, ip_access, enforce_tfa, "
                    "admin_access, app_access) VALUES (:id, :name, 'x', :ip, :tfa, :admin, :app)"
                ),
                {
                    "id": role.id,
                    "name": role.name,
                    "ip": None if role.ip is None else json.dumps(role.ip),
                    "tfa": role.tfa,
                    "admin": role.admin,
                    "app": role.app,
                },
            )
        for key, user_role in USERS.items():
            await connection.execute(
                text(
                    "INSERT INTO directus_users (id, email, status, role, provider, "
                    "text_direction) VALUES (:id, :email, 'active', :role, 'default', 'auto')"
                ),
                {
                    "id": user_ids[key],
                    "email": f"{key}@example.com",
                    "role": None if user_role is None else user_role.id,
                },
            )
        for index, (owner, collection, action, fields, rule) in enumerate(PERMISSIONS, 1):
            await connection.execute(
                text(
                    "INSERT INTO directus_permissions (id, role, collection, action, fields, "
                    "permissions) VALUES (:id, :role, :collection, :action, :fields, :rule)"
                ),
                {
                    "id": index * 10,
                    "role": None if owner is None else owner.id,
                    "collection": collection,
                    "action": action,
                    "fields": json.dumps(fields),
                    "rule": None if rule is None else json.dumps(rule),
                },
            )


def _rows_of(role: OldRole | None) -> list[tuple[int, str, str, list[str]]]:
    return [
        (index * 10, collection, action, fields)
        for index, (owner, collection, action, fields, _) in enumerate(PERMISSIONS, 1)
        if owner is role
    ]


def _inside(ip: str | None, networks: list[str] | None) -> bool:
    """Revision 0007's rule, spelled out for these networks."""
    if not networks:
        return True
    return ip is not None and (ip.startswith("10.") or ip == "192.168.1.7")


async def test_every_user_keeps_its_access_through_the_upgrade(
    empty_engine: AsyncEngine,
) -> None:
    if empty_engine.dialect.name == "sqlite":
        _enforce_foreign_keys(empty_engine)
    await migrate.upgrade(empty_engine, "0007")
    user_ids = {key: str(uuid.uuid4()) for key in USERS}
    await _fill_0007(empty_engine, user_ids)

    await migrate.upgrade(empty_engine)
    assert await migrate.current_revision(empty_engine) == migrate.head_revision()

    public_rows = _rows_of(None)
    async with empty_engine.connect() as connection:
        for key, role in USERS.items():
            access = await connection.run_sync(AccessQuery(user_id=user_ids[key]))
            assert access is not None, key
            assert access.role == (None if role is None else role.id), key
            for ip in ADDRESSES:
                got = access.at(ip)
                rows = [(p.id, p.collection, p.action, p.fields) for p in got.permissions]
                if role is None or not _inside(ip, role.ip):
                    # No role, or outside its networks: no rights. 0007 gave such a user the
                    # public's; Directus 11/12 give the public's policies to requests with no
                    # user only (deliberate: the model follows Directus).
                    assert (got.admin, got.app, got.enforce_tfa) == (False, False, False)
                    assert rows == [], (key, ip)
                    continue
                assert (got.admin, got.app, got.enforce_tfa) == (role.admin, role.app, role.tfa)
                if not role.admin:
                    assert rows == sorted(_rows_of(role)), (key, ip)
        # The public's rows, moved to the Public policy, reach anonymous requests.
        anonymous = await connection.run_sync(public_policies)
        rows_of_public = [row for grant in anonymous for row in grant.permissions]
        moved = sorted((p.id, p.collection, p.action, p.fields) for p in rows_of_public)
        assert moved == public_rows
        filters = await connection.execute(
            text("SELECT permissions FROM directus_permissions WHERE id = 10")
        )
        stored = filters.scalar_one()
        assert (json.loads(stored) if isinstance(stored, str) else stored) == PERMISSIONS[0][4]
        public = await connection.execute(
            text("SELECT policy FROM directus_permissions WHERE id = 40")
        )
        assert public.scalar_one() == PUBLIC_POLICY_ID

    # The Directus 10 view of each role reads what was stored at 0007.
    async with AsyncSession(empty_engine) as session:
        for role in ROLES:
            row = await session.get(Role, role.id)
            assert row is not None
            assert row.name == role.name
            assert (row.admin_access, row.app_access, row.enforce_tfa) == (
                role.admin,
                role.app,
                role.tfa,
            )
            assert row.ip_access == role.ip
            assert row.parent is None

    # Every user kept its role: nothing cascaded while the tables changed.
    async with empty_engine.connect() as connection:
        kept = await connection.execute(text("SELECT id, role FROM directus_users"))
        roles = {row.id: row.role for row in kept}
    assert roles == {
        user_ids[key]: None if role is None else role.id for key, role in USERS.items()
    }


def _downgrade(connection: Connection, revision: str) -> None:
    config = migrate.alembic_config()
    config.attributes["connection"] = connection
    command.downgrade(config, revision)


async def test_a_downgrade_puts_the_flags_and_rows_back_on_the_roles(
    empty_engine: AsyncEngine,
) -> None:
    if empty_engine.dialect.name == "sqlite":
        _enforce_foreign_keys(empty_engine)
    await migrate.upgrade(empty_engine, "0007")
    user_ids = {key: str(uuid.uuid4()) for key in USERS}
    await _fill_0007(empty_engine, user_ids)
    await migrate.upgrade(empty_engine)
    async with empty_engine.begin() as connection:
        await connection.run_sync(_downgrade, "0007")
    async with empty_engine.connect() as connection:
        roles = await connection.execute(
            text("SELECT id, admin_access, app_access, enforce_tfa, ip_access FROM directus_roles")
        )
        stored = {
            row.id: (
                bool(row.admin_access),
                bool(row.app_access),
                bool(row.enforce_tfa),
                json.loads(row.ip_access) if isinstance(row.ip_access, str) else row.ip_access,
            )
            for row in roles
        }
        assert stored == {role.id: (role.admin, role.app, role.tfa, role.ip) for role in ROLES}
        rows = await connection.execute(text("SELECT id, role FROM directus_permissions"))
        assert {row.id: row.role for row in rows} == {
            index * 10: None if owner is None else owner.id
            for index, (owner, *_) in enumerate(PERMISSIONS, 1)
        }
        users = await connection.execute(text("SELECT id, role FROM directus_users"))
        assert {row.id: row.role for row in users} == {
            user_ids[key]: None if role is None else role.id for key, role in USERS.items()
        }
    await migrate.upgrade(empty_engine)
    assert await migrate.current_revision(empty_engine) == migrate.head_revision()
