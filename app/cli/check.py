"""`dauth check`: settings, database, migrations, SMTP and Redis, each problem on one line,
exit 1 when there is any. Settings themselves were read (or refused, exit 2) before."""

from __future__ import annotations

import sys

import redis.asyncio as aioredis

from app.config import Settings
from app.db import migrate
from app.db.engine import create_engine
from app.db.reachability import DatabaseUnavailableError, check_database, location
from app.mail.probe import smtp_problem


async def revision_problem(settings: Settings) -> str | None:
    """The line to show when the database (which opens) is not at the latest migration."""
    engine = create_engine(settings)
    try:
        current = await migrate.current_revision(engine)
    finally:
        await engine.dispose()
    head = migrate.head_revision()
    if current != head:
        return (
            f"Database {location(settings)} is at revision {current or 'none'}, not {head}: "
            "run dauth bootstrap"
        )
    return None


async def _database_problems(settings: Settings) -> list[str]:
    try:
        await check_database(settings)
    except DatabaseUnavailableError as error:
        return [error.message]
    problem = await revision_problem(settings)
    return [] if problem is None else [problem]


async def _redis_problem(variable: str, url: str) -> str | None:
    client = aioredis.Redis.from_url(url, socket_connect_timeout=3, socket_timeout=3)
    try:
        await client.ping()
    except (aioredis.RedisError, OSError) as error:
        return f"{variable} ({_without_password(url)}): {error}"
    finally:
        await client.aclose()
    return None


def _without_password(url: str) -> str:
    head, at, tail = url.rpartition("@")
    if not at:
        return url
    scheme, _, _credentials = head.partition("://")
    return f"{scheme}://…@{tail}"


async def run_check(settings: Settings, notices: list[str]) -> int:
    problems = list(notices)
    problems += await _database_problems(settings)
    if settings.email_transport == "smtp":
        problem = await smtp_problem(settings)
        problems += [problem] if problem else []
    stores = [
        ("RATE_LIMITER_REDIS", settings.rate_limiter_redis, settings.rate_limiter_store),
        ("MESSENGER_REDIS", settings.messenger_redis, settings.messenger_store),
    ]
    for variable, url, store in stores:
        problem = await _redis_problem(variable, url) if store == "redis" else None
        problems += [problem] if problem else []
    for problem in problems:
        print(problem, file=sys.stderr)
    if problems:
        return 1
    print(f"All checks passed: settings, database {location(settings)} at the latest revision.")
    return 0
