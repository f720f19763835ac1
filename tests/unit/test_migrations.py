"""The Alembic migrations build exactly the tables the models describe, email index included."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import text
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import create_async_engine
from sqlmodel import SQLModel

from app.db import migrate


def _diff(connection: Connection) -> list[Any]:
    context = MigrationContext.configure(connection, opts={"compare_type": True})
    return list(compare_metadata(context, SQLModel.metadata))


def _insert_user(connection: Connection, email: str) -> None:
    connection.execute(
        text(
            "INSERT INTO directus_users (id, email, status, provider, text_direction) "
            "VALUES (:id, :email, 'active', 'default', 'auto')"
        ),
        {"id": str(uuid.uuid4()), "email": email},
    )


@pytest.mark.filterwarnings("ignore:autogenerate skipping metadata-specified expression-based")
@pytest.mark.filterwarnings("ignore:Skipped unsupported reflection of expression-based index")
async def test_migrated_schema_matches_models(settings: Any) -> None:
    engine = create_async_engine(settings.database_url())
    try:
        assert await migrate.current_revision(engine) == migrate.head_revision()
        async with engine.connect() as connection:
            assert await connection.run_sync(_diff) == []
        async with engine.connect() as connection:
            await connection.run_sync(_insert_user, "Someone@Example.com")
            with pytest.raises(IntegrityError):
                await connection.run_sync(_insert_user, "someone@example.COM")
    finally:
        await engine.dispose()


async def _plan(settings: Any, statement: str) -> str:
    """The database's plan of `statement`, as text (PostgreSQL: with sequential scans off, so
    that an empty table still shows the index it would use)."""
    engine = create_async_engine(settings.database_url())
    try:
        async with engine.connect() as connection:
            if engine.dialect.name == "sqlite":
                plan = (await connection.execute(text(f"EXPLAIN QUERY PLAN {statement}"))).all()
                return " ".join(str(row[-1]) for row in plan)
            await connection.execute(text("SET enable_seqscan = off"))
            plan = (await connection.execute(text(f"EXPLAIN {statement}"))).all()
            return " ".join(str(row[0]) for row in plan)
    finally:
        await engine.dispose()


async def test_a_logins_expired_session_cleanup_uses_the_user_expiry_index(settings: Any) -> None:
    """DELETE of one user's expired sessions reaches them by (user, expires), not by
    visiting every session the user has."""
    statement = "DELETE FROM directus_sessions WHERE \"user\" = 'u' AND expires <= '2026-01-01'"
    assert "ix_directus_sessions_user_expires" in await _plan(settings, statement)


async def test_users_newest_active_first_read_the_last_access_index(settings: Any) -> None:
    """A page of users sorted "-last_access" (the engine's ORDER BY: last_access DESC, then
    the key) reads the index in order instead of sorting every user."""
    statement = "SELECT id FROM directus_users ORDER BY last_access DESC, id ASC LIMIT 25"
    details = await _plan(settings, statement)
    assert "ix_directus_users_last_access" in details
    assert "TEMP B-TREE" not in details  # SQLite's sort
    assert "Sort" not in details  # PostgreSQL's
