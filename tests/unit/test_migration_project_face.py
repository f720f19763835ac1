"""The migration that adds project_color and project_logo to directus_settings: an existing
settings row keeps its values and gets neither; the logo follows its file (a deleted file
leaves no dangling id); a downgrade drops the two columns only. On SQLite and PostgreSQL."""

from __future__ import annotations

import uuid

from alembic import command
from sqlalchemy import text
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine

from app.db import migrate

ROLE = str(uuid.uuid4())
FILE = str(uuid.uuid4())


async def test_the_settings_row_is_kept_and_the_logo_follows_its_file(
    empty_engine: AsyncEngine,
) -> None:
    await migrate.upgrade(empty_engine, "0009")
    async with empty_engine.begin() as connection:
        await connection.execute(
            text(
                "INSERT INTO directus_roles (id, name, icon, parent)"
                " VALUES (:id, 'Members', 'x', NULL)"
            ),
            {"id": ROLE},
        )
        await connection.execute(
            text(
                "INSERT INTO directus_settings (id, project_name, public_registration, "
                "public_registration_verify_email, public_registration_role, "
                "auth_login_attempts) VALUES (1, 'Acme', true, false, :role, 7)"
            ),
            {"role": ROLE},
        )
    await migrate.upgrade(empty_engine)
    assert await migrate.current_revision(empty_engine) == migrate.head_revision()

    async with empty_engine.begin() as connection:
        row = (
            await connection.execute(
                text(
                    "SELECT project_name, public_registration, public_registration_role, "
                    "auth_login_attempts, project_color, project_logo FROM directus_settings"
                )
            )
        ).one()
        assert tuple(row) == ("Acme", True, ROLE, 7, None, None)
        await connection.execute(
            text(
                "INSERT INTO directus_files (id, storage, filename_download)"
                " VALUES (:id, 'local', 'logo.png')"
            ),
            {"id": FILE},
        )
        await connection.execute(
            text("UPDATE directus_settings SET project_logo = :id, project_color = '#0A7C3E'"),
            {"id": FILE},
        )
    async with empty_engine.begin() as connection:
        if empty_engine.dialect.name == "sqlite":
            await connection.execute(text("PRAGMA foreign_keys = ON"))
        await connection.execute(text("DELETE FROM directus_files WHERE id = :id"), {"id": FILE})
        logo, color = (
            await connection.execute(
                text("SELECT project_logo, project_color FROM directus_settings")
            )
        ).one()
        assert (logo, color) == (None, "#0A7C3E")

    async with empty_engine.begin() as connection:
        await connection.run_sync(_downgrade, "0009")
    async with empty_engine.connect() as connection:
        columns = (await connection.execute(text("SELECT * FROM directus_settings"))).keys()
        assert "project_color" not in columns
        assert "project_logo" not in columns
        name = (await connection.execute(text("SELECT project_name FROM directus_settings"))).one()
        assert tuple(name) == ("Acme",)


def _downgrade(connection: Connection, revision: str) -> None:
    config = migrate.alembic_config()
    config.attributes["connection"] = connection
    command.downgrade(config, revision)
