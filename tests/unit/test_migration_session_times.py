"""Migration 0009 adds directus_sessions.created / last_used: sessions open at revision 0008
survive the upgrade (their times unknown) and the downgrade (SQLite and PostgreSQL)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from alembic import command
from sqlalchemy import Connection, inspect, text
from sqlalchemy.ext.asyncio import AsyncEngine

from app.db import migrate

USER_ID = str(uuid.uuid4())
SESSION_ID = str(uuid.uuid4())
FAMILY = str(uuid.uuid4())


async def _fill_0008(engine: AsyncEngine) -> None:
    async with engine.begin() as connection:
        await connection.execute(
            text(
                "INSERT INTO directus_users (id, email, status, provider, text_direction) "
                "VALUES (:id, 'ada@example.com', 'active', 'default', 'auto')"
            ),
            {"id": USER_ID},
        )
        await connection.execute(
            text(
                'INSERT INTO directus_sessions (id, token, "user", expires, ip, family) '
                "VALUES (:id, :token, :user, :expires, '203.0.113.7', :family)"
            ),
            {
                "id": SESSION_ID,
                "token": "a" * 64,
                "user": USER_ID,
                "expires": datetime.now(UTC) + timedelta(days=7),
                "family": FAMILY,
            },
        )


def _columns(connection: Connection) -> set[str]:
    return {column["name"] for column in inspect(connection).get_columns("directus_sessions")}


def _downgrade(connection: Connection, revision: str) -> None:
    config = migrate.alembic_config()
    config.attributes["connection"] = connection
    command.downgrade(config, revision)


async def test_sessions_keep_their_rows_through_upgrade_and_downgrade(
    empty_engine: AsyncEngine,
) -> None:
    await migrate.upgrade(empty_engine, "0008")
    await _fill_0008(empty_engine)

    await migrate.upgrade(empty_engine, "0009")
    async with empty_engine.connect() as connection:
        assert {"created", "last_used"} <= await connection.run_sync(_columns)
        row = (
            await connection.execute(
                text('SELECT id, "user", family, ip, created, last_used FROM directus_sessions')
            )
        ).one()
    # Rows from before 0009 do not know when their login began: null, not a made-up time.
    assert tuple(row) == (SESSION_ID, USER_ID, FAMILY, "203.0.113.7", None, None)

    async with empty_engine.begin() as connection:
        await connection.execute(
            text("UPDATE directus_sessions SET created = :now, last_used = :now"),
            {"now": datetime.now(UTC)},
        )
        await connection.run_sync(_downgrade, "0008")
    async with empty_engine.connect() as connection:
        assert not {"created", "last_used"} & await connection.run_sync(_columns)
        kept = (await connection.execute(text("SELECT id, family FROM directus_sessions"))).one()
    assert tuple(kept) == (SESSION_ID, FAMILY)

    await migrate.upgrade(empty_engine)
    assert await migrate.current_revision(empty_engine) == migrate.head_revision()
