"""Fixtures of the unit tests that need a database of their own."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from tests import databases


@pytest.fixture(params=["sqlite", "pg"])
async def empty_engine(
    request: pytest.FixtureRequest, tmp_path: Path
) -> AsyncIterator[AsyncEngine]:
    if request.param == "sqlite":
        engine = create_async_engine(f"sqlite+aiosqlite:///{tmp_path / 'old.db'}")
        yield engine
        await engine.dispose()
        return
    try:
        name = databases.create_empty_pg_database()
    except (OSError, ConnectionError) as error:
        if databases.running_in_ci():
            pytest.fail(f"PostgreSQL is not reachable: {error}")
        pytest.skip(f"PostgreSQL is not reachable: {error}")
    engine = create_async_engine(databases.pg_url(name))
    yield engine
    await engine.dispose()
    databases.drop_pg_database(name)
