"""What CLI commands run on: the services over the configured database, as an admin."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from app.accountability import Accountability, ClientInfo
from app.clock import SystemClock
from app.config import Settings
from app.db.engine import Database, create_engine
from app.permissions.access import Access
from app.services.container import Services

CLI_CLIENT = ClientInfo(ip=None, user_agent="dauth-cli", origin=None)


@asynccontextmanager
async def services_for(settings: Settings) -> AsyncIterator[Services]:
    database = Database(create_engine(settings))
    services = Services.build(settings, SystemClock(), database)
    try:
        yield services
    finally:
        services.hasher.close()  # its hashing processes end with the command
        await database.dispose()


def operator_access() -> Access:
    """Whoever runs the CLI on the server is trusted like an admin."""
    return Access(Accountability(admin=True, app=True, client=CLI_CLIENT), [])
