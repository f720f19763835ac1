"""Unexpected failures are answered with a code and nothing else: no SQL, no paths, no trace."""

from __future__ import annotations

import httpx
from sqlalchemy import text

from app.services.container import Services
from tests.conftest import ADMIN_EMAIL, ADMIN_PASSWORD, LOGIN, gql


async def _rename(services: Services, old: str, new: str) -> None:
    """A missing table is a real database fault; the rename is undone for later tests."""
    async with services.db.write() as session:
        await session.exec(text(f"ALTER TABLE {old} RENAME TO {new}"))  # type: ignore[call-overload]


async def test_database_fault_is_masked(client: httpx.AsyncClient, services: Services) -> None:
    await _rename(services, "directus_sessions", "directus_sessions_away")
    try:
        reply = await gql(client, LOGIN, {"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD})
    finally:
        await _rename(services, "directus_sessions_away", "directus_sessions")
    assert reply.status == 200
    assert "data" not in reply.body
    assert reply.body["errors"] == [
        {
            "message": "An unexpected error occurred.",
            "extensions": {"code": "INTERNAL_SERVER_ERROR"},
            "locations": [{"line": 3, "column": 3}],
            "path": ["auth_login"],
        }
    ]
    raw = reply.response.text.lower()
    for leak in ("directus_sessions", "insert", "sqlite", "asyncpg", "traceback", ".py"):
        assert leak not in raw
