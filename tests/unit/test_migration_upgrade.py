"""An older database is upgraded in place: created at the first revision, filled, then
migrated to head without losing a row (on SQLite and PostgreSQL)."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine

from app.db import migrate

ROLE = str(uuid.uuid4())
USERS = [str(uuid.uuid4()) for _ in range(3)]


async def test_upgrade_from_the_first_revision_keeps_every_row(empty_engine: AsyncEngine) -> None:
    await migrate.upgrade(empty_engine, "0001")
    assert await migrate.current_revision(empty_engine) == "0001"
    async with empty_engine.begin() as connection:
        await connection.execute(
            text(
                "INSERT INTO directus_roles (id, name, icon, enforce_tfa, admin_access, app_access)"
                " VALUES (:id, 'Old role', 'x', false, true, true)"
            ),
            {"id": ROLE},
        )
        for index, user_id in enumerate(USERS):
            await connection.execute(
                text(
                    "INSERT INTO directus_users (id, email, status, role, provider, "
                    "text_direction, tags) VALUES (:id, :email, 'active', :role, 'default', "
                    "'auto', :tags)"
                ),
                {
                    "id": user_id,
                    "email": f"old{index}@example.com",
                    "role": ROLE,
                    # Revision 0001 stored an absent JSON value as the text 'null'.
                    "tags": "null" if index == 0 else '["kept"]',
                },
            )

    await migrate.upgrade(empty_engine)
    assert await migrate.current_revision(empty_engine) == migrate.head_revision()

    async with empty_engine.connect() as connection:
        rows = (
            await connection.execute(
                text(
                    "SELECT id, email, role, tags, failed_login_attempts, locked_until, "
                    "tfa_last_step FROM directus_users ORDER BY email"
                )
            )
        ).all()
        assert [row.id for row in rows] == USERS
        assert {row.role for row in rows} == {ROLE}
        assert [row.failed_login_attempts for row in rows] == [0, 0, 0]
        assert {row.locked_until for row in rows} == {None}
        assert {row.tfa_last_step for row in rows} == {None}
        assert rows[0].tags is None
        assert rows[1].tags in ('["kept"]', ["kept"])
        roles = (await connection.execute(text("SELECT name FROM directus_roles"))).all()
        assert [role.name for role in roles] == ["Old role"]
        activity = (await connection.execute(text("SELECT count(*) FROM directus_activity"))).one()
        assert activity[0] == 0

    # The case-insensitive unique email index survived the upgrade.
    with pytest.raises(IntegrityError):
        async with empty_engine.begin() as connection:
            await connection.execute(
                text(
                    "INSERT INTO directus_users (id, email, status, provider, text_direction) "
                    "VALUES (:id, 'OLD1@example.com', 'active', 'default', 'auto')"
                ),
                {"id": str(uuid.uuid4())},
            )
