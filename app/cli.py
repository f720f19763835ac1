"""`dauth`: the command line for operators."""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from collections.abc import Sequence

import uvicorn

from app.config import ConfigError, Settings, load_settings
from app.db import migrate
from app.db.engine import Database, create_engine
from app.security.passwords import PasswordHasher
from app.services.bootstrap import bootstrap


async def run_bootstrap(settings: Settings) -> None:
    """Creates or upgrades the database, then the first admin when there is none."""
    engine = create_engine(settings)
    try:
        await migrate.upgrade(engine)
        hasher = PasswordHasher(
            memory_cost=settings.hash_memory_cost,
            time_cost=settings.hash_time_cost,
            parallelism=settings.hash_parallelism,
            concurrency=settings.hash_concurrency,
        )
        report = await bootstrap(
            Database(engine), hasher, settings.admin_email, settings.admin_password
        )
    finally:
        await engine.dispose()
    print(f"Database ready at revision {migrate.head_revision()}.")
    if report.admin_created:
        print(f"Created the first admin: {report.admin_email}")
        if report.generated_password:
            print(f"Generated admin password (shown once): {report.generated_password}")


def serve(settings: Settings) -> None:
    # Workers build their own settings: hand them the same secret, generated or not.
    os.environ["SECRET"] = settings.secret
    uvicorn.run(
        "app.main:create_app",
        factory=True,
        host=settings.host,
        port=settings.port,
        workers=settings.workers,
        log_level=settings.log_level,
        proxy_headers=False,
    )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="dauth", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("bootstrap", help="create or migrate the database and the first admin")
    commands.add_parser("serve", help="serve the API on HOST:PORT with uvicorn")
    args = parser.parse_args(argv)
    try:
        settings = load_settings()
    except ConfigError as error:
        print(error, file=sys.stderr)
        return 2
    if args.command == "bootstrap":
        asyncio.run(run_bootstrap(settings))
    elif args.command == "serve":
        serve(settings)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
