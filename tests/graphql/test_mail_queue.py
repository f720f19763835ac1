"""The durable mail queue (dauth_mail_queue) through the real app, on SQLite and PostgreSQL:
a mail is a row written with its action, sent once, its body blanked; a down SMTP server
delays it (backoff) without changing the answer; past EMAIL_RETRY_MAX_AGE it is failed and
audited, `dauth mail list` shows it and `dauth mail retry` requeues it; claims are exclusive
and leases run out."""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator, Iterator
from datetime import timedelta
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import httpx
import pytest
from aiosmtpd.controller import Controller
from sqlmodel import col, select

from app.clock import SettableClock
from app.config import Settings
from app.db.engine import Database, create_engine
from app.db.models import QueuedMail
from app.repositories import mail_queue as queue_repo
from app.services.container import Services
from app.services.mail_delivery import backoff_ms
from tests.conftest import TEST_SECRET, create_user, gql, login
from tests.e2e.server_process import free_port, run_dauth
from tests.graphql.security_helpers import activity_rows
from tests.mail_links import link_in, smtp_settings, token_of
from tests.mail_server import Inbox

USER_EMAIL = "reader@example.com"
PASSWORD = "reader-password-1"
REQUEST = "mutation Request($email: String!) { auth_password_request(email: $email) }"
RESET = """
mutation Reset($token: String!, $password: String!) {
  auth_password_reset(token: $token, password: $password)
}
"""
ANSWER = {"data": {"auth_password_request": True}}
BACKOFF_MS = 2_000
MAX_AGE_MS = 3_600_000


@pytest.fixture
def settings_overrides(smtp: tuple[int, Inbox]) -> dict[str, Any]:
    return smtp_settings(smtp[0])


async def queue_rows(services: Services) -> list[QueuedMail]:
    async with services.db.read() as session:
        statement = select(QueuedMail).order_by(col(QueuedMail.created), col(QueuedMail.id))
        return list((await session.exec(statement)).all())


async def requested(client: httpx.AsyncClient, services: Services) -> None:
    """A reset request for USER_EMAIL, answered as always."""
    await create_user(services, USER_EMAIL, PASSWORD)
    reply = await gql(client, REQUEST, {"email": USER_EMAIL})
    assert reply.status == 200
    assert reply.body == ANSWER


async def test_a_mail_is_a_row_sent_once_then_blanked(
    client: httpx.AsyncClient, services: Services, inbox: Inbox
) -> None:
    await requested(client, services)
    await services.mailer.drain()
    [message] = await inbox.wait_for(1)
    assert message["To"] == USER_EMAIL
    [row] = await queue_rows(services)
    assert (row.status, row.recipient, row.subject) == ("sent", USER_EMAIL, message["Subject"])
    assert row.attempts == 1
    assert row.sent_at is not None
    assert row.claimed_by is None
    assert row.message == ""  # the token link is not kept once sent
    await services.mailer.drain()
    assert len(inbox.messages) == 1
    done = await gql(client, RESET, {"token": token_of(link_in(message)), "password": "n-pass-2"})
    assert done.data == {"auth_password_reset": True}


class TestSmtpDown:
    """The SMTP server is down when the reset is requested, and comes back later (a real
    aiosmtpd started on the same port)."""

    @pytest.fixture
    def port(self) -> int:
        return free_port()  # bound once, then released: nothing listens yet

    @pytest.fixture
    def settings_overrides(self, port: int) -> dict[str, Any]:
        return smtp_settings(
            port,
            email_smtp_timeout=2000,
            email_retry_backoff=BACKOFF_MS,
            email_retry_max_age=MAX_AGE_MS,
        )

    @pytest.fixture
    def revived(self, port: int) -> Iterator[tuple[Inbox, list[Controller]]]:
        """Starts the SMTP server on `port` when the test calls the returned starter."""
        inbox = Inbox()
        controllers: list[Controller] = []
        yield inbox, controllers
        for controller in controllers:
            controller.stop()

    def start(self, port: int, revived: tuple[Inbox, list[Controller]]) -> Inbox:
        inbox, controllers = revived
        controller = Controller(inbox, hostname="127.0.0.1", port=port)
        controller.start()
        controllers.append(controller)
        return inbox

    async def test_the_mail_arrives_when_the_server_comes_back(
        self,
        client: httpx.AsyncClient,
        services: Services,
        clock: SettableClock,
        port: int,
        revived: tuple[Inbox, list[Controller]],
    ) -> None:
        await requested(client, services)
        await services.mailer.drain()
        [row] = await queue_rows(services)
        assert (row.status, row.attempts) == ("queued", 1)
        assert row.next_attempt == row.created + timedelta(milliseconds=BACKOFF_MS)
        # The kind of failure only: never the recipient, the body or the server's text.
        assert re.fullmatch(r"[A-Za-z]+( \d{3})?", row.last_error or ""), row.last_error

        inbox = self.start(port, revived)
        await services.mailer.drain()  # not due yet: the backoff holds it
        assert inbox.messages == []
        clock.advance(timedelta(milliseconds=BACKOFF_MS))
        await services.mailer.drain()
        [message] = await inbox.wait_for(1)
        assert message["To"] == USER_EMAIL
        [row] = await queue_rows(services)
        assert (row.status, row.attempts, row.message) == ("sent", 2, "")
        done = await gql(client, RESET, {"token": token_of(link_in(message)), "password": "n-2"})
        assert done.data == {"auth_password_reset": True}

    async def test_given_up_audited_listed_then_retried_and_sent(
        self,
        client: httpx.AsyncClient,
        services: Services,
        clock: SettableClock,
        settings: Settings,
        port: int,
        revived: tuple[Inbox, list[Controller]],
        tmp_path: Path,
    ) -> None:
        await requested(client, services)
        await services.mailer.drain()
        clock.advance(timedelta(milliseconds=MAX_AGE_MS))
        await services.mailer.drain()  # the last try, at EMAIL_RETRY_MAX_AGE: failed
        [row] = await queue_rows(services)
        assert (row.status, row.attempts) == ("failed", 2)
        assert row.message  # kept: `dauth mail retry` may send it still

        admin = await login(client)
        [audited] = [r for r in await activity_rows(client, admin["access_token"]) if
                     r["action"] == "mail.failed"]  # fmt: skip
        assert audited["collection"] == "dauth_mail_queue"
        assert audited["item"] == row.id
        assert USER_EMAIL in audited["comment"]
        assert "token" not in audited["comment"]

        env = cli_env(settings)
        listed = run_dauth(tmp_path, env, "mail", "list")
        assert listed.returncode == 0, listed.stderr
        assert row.id in listed.stdout
        assert "failed" in listed.stdout
        assert USER_EMAIL in listed.stdout
        assert "http" not in listed.stdout  # never a body, never a link
        assert listed.stdout.strip().endswith("1 message not sent.")

        inbox = self.start(port, revived)
        retried = run_dauth(tmp_path, env, "mail", "retry")
        assert retried.returncode == 0, retried.stderr
        assert retried.stdout.startswith("Requeued 1 message")
        await services.mailer.drain()
        [message] = await inbox.wait_for(1)
        assert message["To"] == USER_EMAIL
        [row] = await queue_rows(services)
        assert (row.status, row.message) == ("sent", "")
        again = run_dauth(tmp_path, env, "mail", "retry", "--id", row.id)
        assert again.returncode == 1
        assert f'No failed or queued message has the id "{row.id}"' in again.stderr
        assert run_dauth(tmp_path, env, "mail", "list").stdout == "No queued or failed mail.\n"


def cli_env(settings: Settings) -> dict[str, str]:
    """`dauth` on the test's database."""
    database = (
        {"DB_CLIENT": "sqlite3", "DB_FILENAME": str(settings.db_filename)}
        if settings.db_client == "sqlite3"
        else {"DB_CLIENT": "pg", "DB_CONNECTION_STRING": str(settings.db_connection_string)}
    )
    return {"SECRET": TEST_SECRET, **database}


class TestClaims:
    """Two claimants on one database (each with its own engine, as two processes have)."""

    @pytest.fixture
    async def queued(self, services: Services) -> list[str]:
        """Five queued rows, and this app's own sender stopped (it would claim them)."""
        await services.mailer.stop()
        await create_user(services, USER_EMAIL, PASSWORD)
        async with services.db.write() as session:
            for index in range(5):
                await services.mailer.enqueue(session, numbered_message(index))
        return [row.id for row in await queue_rows(services)]

    @pytest.fixture
    async def other(self, settings: Settings) -> AsyncIterator[Database]:
        database = Database(create_engine(settings))
        yield database
        await database.dispose()

    async def claim(
        self, db: Database, who: str, clock: SettableClock, lease_s: float = 60
    ) -> list[str]:
        now = clock.now()
        async with db.write() as session:
            rows = await queue_repo.claim(
                session,
                who,
                now=now,
                due_by=now,
                lease_until=now + timedelta(seconds=lease_s),
                limit=3,
            )
        return [row.id for row in rows]

    async def test_claimants_take_different_rows(
        self, services: Services, other: Database, clock: SettableClock, queued: list[str]
    ) -> None:
        first, second = await asyncio.gather(
            self.claim(services.db, "a", clock), self.claim(other, "b", clock)
        )
        assert len(first) + len(second) == 5
        assert set(first).isdisjoint(second)
        assert set(first) | set(second) == set(queued)
        assert await self.claim(services.db, "c", clock) == []

    async def test_an_expired_lease_frees_the_row_and_the_old_claimant_changes_nothing(
        self, services: Services, other: Database, clock: SettableClock, queued: list[str]
    ) -> None:
        taken = await self.claim(services.db, "a", clock, lease_s=30)
        assert len(taken) == 3
        clock.advance(timedelta(seconds=29))
        assert set(await self.claim(other, "b", clock)) == set(queued) - set(taken)
        clock.advance(timedelta(seconds=1))
        retaken = await self.claim(other, "c", clock)
        assert set(retaken) == set(taken)
        async with services.db.write() as session:
            assert not await queue_repo.mark_sent(session, taken[0], "a", clock.now())
            assert await queue_repo.mark_sent(session, taken[0], "c", clock.now())

    async def test_release_hands_the_rows_back_at_once(
        self, services: Services, other: Database, clock: SettableClock, queued: list[str]
    ) -> None:
        taken = await self.claim(services.db, "a", clock)
        async with services.db.write() as session:
            assert await queue_repo.release(session, "a") == len(taken)
        assert set(await self.claim(other, "b", clock)) == set(taken)


def numbered_message(index: int) -> EmailMessage:
    message = EmailMessage()
    message["To"] = USER_EMAIL
    message["Subject"] = f"Message {index}"
    message.set_content(f"body {index}")
    return message


class TestWake:
    """A message leaves as soon as its transaction commits, not at the next poll."""

    @pytest.fixture
    def settings_overrides(self, smtp: tuple[int, Inbox]) -> dict[str, Any]:
        return smtp_settings(smtp[0], email_queue_poll_interval=600_000)

    async def test_the_sender_is_woken_by_the_commit(
        self, client: httpx.AsyncClient, services: Services, inbox: Inbox
    ) -> None:
        await requested(client, services)
        [message] = await inbox.wait_for(1, seconds=10)  # no drain: the sender's own doing
        assert message["To"] == USER_EMAIL


def test_backoff_doubles_from_the_base_up_to_the_cap() -> None:
    settings = Settings(
        _env_file=None,
        secret=TEST_SECRET,
        email_retry_backoff="5s",
        email_retry_backoff_max="1m",
    )
    waits = [backoff_ms(settings, failures) for failures in range(1, 7)]
    assert waits == [5_000, 10_000, 20_000, 40_000, 60_000, 60_000]
    assert backoff_ms(settings, 500) == 60_000
