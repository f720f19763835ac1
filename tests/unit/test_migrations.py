"""The Alembic migrations build exactly the tables the models describe, email index included."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
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
    """The database's plan of `statement`, as text (PostgreSQL: with sequential and bitmap
    scans off, so that an empty table still shows the index it would use, and whether that
    index gives the order)."""
    engine = create_async_engine(settings.database_url())
    try:
        async with engine.connect() as connection:
            if engine.dialect.name == "sqlite":
                plan = (await connection.execute(text(f"EXPLAIN QUERY PLAN {statement}"))).all()
                return " ".join(str(row[-1]) for row in plan)
            await connection.execute(text("SET enable_seqscan = off"))
            await connection.execute(text("SET enable_bitmapscan = off"))
            plan = (await connection.execute(text(f"EXPLAIN {statement}"))).all()
            return " ".join(str(row[0]) for row in plan)
    finally:
        await engine.dispose()


async def test_a_logins_expired_session_cleanup_uses_the_user_expiry_index(settings: Any) -> None:
    """DELETE of one user's expired sessions reaches them by (user, expires), not by
    visiting every session the user has."""
    statement = "DELETE FROM directus_sessions WHERE \"user\" = 'u' AND expires <= '2026-01-01'"
    assert "ix_directus_sessions_user_expires" in await _plan(settings, statement)


async def _users_in_roles(settings: Any, count: int = 2000, roles: int = 10) -> None:
    """`count` users over `roles` roles (ids "r0"…), a few active recently, and the
    database's statistics: the planner weighs the indexes over rows, not an empty table."""
    engine = create_async_engine(settings.database_url())
    try:
        async with engine.begin() as connection:
            await connection.execute(
                text("INSERT INTO directus_roles (id, name, icon) VALUES (:id, :name, 'badge')"),
                [{"id": f"r{index}", "name": f"Role {index}"} for index in range(roles)],
            )
            await connection.execute(
                text(
                    "INSERT INTO directus_users (id, email, status, provider, text_direction,"
                    " role, last_access) VALUES (:id, :email, 'active', 'default', 'auto',"
                    " :role, :seen)"
                ),
                [
                    {
                        "id": str(uuid.uuid4()),
                        "email": f"user{index}@example.com",
                        "role": f"r{index % roles}",
                        "seen": None
                        if index % 7
                        else datetime(2026, 1, 1 + index % 28, tzinfo=UTC),
                    }
                    for index in range(count)
                ],
            )
            await connection.execute(text("ANALYZE"))
    finally:
        await engine.dispose()


async def test_users_newest_active_first_read_the_last_access_index(settings: Any) -> None:
    """A page of users sorted "-last_access" (the engine's ORDER BY: last_access DESC, then
    the key) reads the index in order instead of sorting every user."""
    await _users_in_roles(settings)
    statement = "SELECT id FROM directus_users ORDER BY last_access DESC, id ASC LIMIT 25"
    details = await _plan(settings, statement)
    assert "ix_directus_users_last_access" in details
    assert "TEMP B-TREE" not in details  # SQLite's sort
    assert "Sort" not in details  # PostgreSQL's


async def test_a_roles_users_newest_active_first_read_the_role_last_access_index(
    settings: Any,
) -> None:
    """A page of one role's users sorted "-last_access" (the engine's WHERE once the role's
    ids are read first: `role IN (…)`) reads that role's index in order: no sort of the role."""
    await _users_in_roles(settings)
    statement = (
        "SELECT id FROM directus_users WHERE role IN ('r3') "
        "ORDER BY last_access DESC, id ASC LIMIT 25"
    )
    details = await _plan(settings, statement)
    assert "ix_directus_users_role_last_access" in details
    assert "TEMP B-TREE" not in details
    assert "Sort" not in details
