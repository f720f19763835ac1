"""A database or Redis that cannot be reached, in-process: a loopback port where nothing
listens (refused), or a socket that accepts and never answers. The fault tests in
tests/faults do the same to real PostgreSQL, Redis and PgBouncer processes."""

from __future__ import annotations

import asyncio
import logging
import socket
from collections.abc import Iterator

import pytest
from sqlalchemy import text

from app.clock import SystemClock
from app.config import Settings
from app.db.engine import Database, create_engine
from app.errors import RequestsExceededError, ServiceUnavailableError
from app.events import RedisBus, UserEvent
from app.mail.transports import transport_for
from app.security.rate_limits import RateLimits
from app.services.audit import AuditLog
from app.services.mail_queue import MailQueue
from tests.e2e.server_process import free_port


@pytest.fixture
def silent_port() -> Iterator[int]:
    """A port whose connections the kernel accepts and nobody ever answers."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(16)
        yield listener.getsockname()[1]


def _database(port: int) -> Database:
    settings = Settings(
        _env_file=None, db_client="pg", db_host="127.0.0.1", db_port=port, db_connect_timeout=300
    )
    return Database(create_engine(settings))


@pytest.mark.parametrize("answers", [False, True], ids=["refused", "silent"])
async def test_every_unit_of_work_is_service_unavailable(answers: bool, silent_port: int) -> None:
    database = _database(silent_port if answers else free_port())
    try:
        with pytest.raises(ServiceUnavailableError):
            await database.ping()
        with pytest.raises(ServiceUnavailableError):
            await database.run_reads(lambda connection: connection.exec_driver_sql("SELECT 1"))
        with pytest.raises(ServiceUnavailableError):
            async with database.write() as session:
                await session.exec(text("SELECT 1"))  # type: ignore[call-overload]
    finally:
        await database.dispose()


async def test_a_statement_error_is_not_an_outage() -> None:
    database = Database(create_engine(Settings(_env_file=None, db_filename=":memory:")))
    try:
        with pytest.raises(Exception, match="no_such_table") as raised:
            await database.run_reads(
                lambda connection: connection.exec_driver_sql("SELECT * FROM no_such_table")
            )
        assert not isinstance(raised.value, ServiceUnavailableError)
    finally:
        await database.dispose()


async def test_rate_limits_count_in_memory_while_redis_is_refused(
    caplog: pytest.LogCaptureFixture,
) -> None:
    limits = RateLimits(
        Settings(
            _env_file=None,
            rate_limiter_enabled=True,
            rate_limiter_store="redis",
            rate_limiter_redis=f"redis://127.0.0.1:{free_port()}",
            rate_limiter_auth_points=3,
        )
    )
    try:
        with caplog.at_level(logging.WARNING, logger="app.rate_limits"):
            for _ in range(3):
                await limits.hit_auth("10.0.0.1")
            with pytest.raises(RequestsExceededError):
                await limits.hit_auth("10.0.0.1")
            await limits.hit_auth("10.0.0.2")
        warnings = [r for r in caplog.records if "cannot be reached" in r.getMessage()]
        assert len(warnings) == 1
    finally:
        await limits.close()


async def test_events_reach_local_subscribers_while_redis_is_refused() -> None:
    bus = RedisBus(f"redis://127.0.0.1:{free_port()}", "test:users")
    try:
        async with bus.subscribe() as events:
            await bus.publish(UserEvent("create", ("one",)))
            event = await asyncio.wait_for(anext(events), 5)
        assert event == UserEvent("create", ("one",))
    finally:
        await bus.close()


async def test_the_mail_sender_waits_out_a_database_outage_quietly(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """It polls every EMAIL_QUEUE_POLL_INTERVAL: an outage is the database's one warning a
    minute, not an ERROR and a traceback per poll and process."""
    attempts = 0
    enough = asyncio.Event()

    async def hang_up(_reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        nonlocal attempts
        attempts += 1
        if attempts >= 6:
            enough.set()
        writer.close()

    server = await asyncio.start_server(hang_up, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    settings = Settings(
        _env_file=None,
        db_client="pg",
        db_host="127.0.0.1",
        db_port=port,
        db_connect_timeout=300,
        email_queue_poll_interval=10,
    )
    database = Database(create_engine(settings))
    clock = SystemClock()
    queue = MailQueue(database, settings, clock, transport_for(settings), AuditLog(database, clock))
    try:
        with caplog.at_level(logging.DEBUG, logger="app"):
            queue.start()
            await asyncio.wait_for(enough.wait(), 30)
            await queue.stop()
        errors = [record for record in caplog.records if record.levelno >= logging.ERROR]
        assert errors == []
        assert [record.name for record in caplog.records if record.levelno >= logging.WARNING]
    finally:
        server.close()
        await database.dispose()
