"""A permanent SMTP refusal (a 5xx for the recipient) fails the mail at once — audited,
logged as a warning, never retried — while a 4xx keeps the backoff. A real aiosmtpd that
answers RCPT TO per address."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import aiosmtplib
import httpx
import pytest
from aiosmtpd.controller import Controller

from app.clock import SettableClock
from app.mail.refusals import is_permanent
from app.services.container import Services
from tests.conftest import create_user, gql, login
from tests.e2e.server_process import free_port
from tests.graphql.security_helpers import activity_rows
from tests.graphql.test_mail_queue import ANSWER, REQUEST, queue_rows
from tests.mail_links import smtp_settings
from tests.mail_server import RefusingInbox

PASSWORD = "reader-password-1"
GONE = "gone@example.com"
BUSY = "busy@example.com"
HERE = "here@example.com"
GONE_REPLY = "550 5.1.1 No such user gone-secret-text"
BUSY_REPLY = "450 4.2.1 Mailbox busy, try later"
BACKOFF_MS = 2_000
MAX_AGE_MS = 3_600_000


@pytest.fixture
def refusing() -> Iterator[tuple[int, RefusingInbox]]:
    inbox = RefusingInbox(replies={GONE: GONE_REPLY, BUSY: BUSY_REPLY})
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        yield int(controller.port), inbox
    finally:
        controller.stop()


@pytest.fixture
def settings_overrides(refusing: tuple[int, RefusingInbox]) -> dict[str, Any]:
    return smtp_settings(
        refusing[0], email_retry_backoff=BACKOFF_MS, email_retry_max_age=MAX_AGE_MS
    )


async def request_resets(client: httpx.AsyncClient, services: Services, *emails: str) -> None:
    for email in emails:
        await create_user(services, email, PASSWORD)
        reply = await gql(client, REQUEST, {"email": email})
        assert reply.body == ANSWER


async def test_a_5xx_for_the_recipient_fails_the_mail_at_once(
    client: httpx.AsyncClient,
    services: Services,
    clock: SettableClock,
    refusing: tuple[int, RefusingInbox],
    caplog: pytest.LogCaptureFixture,
) -> None:
    inbox = refusing[1]
    with caplog.at_level(logging.INFO, logger="app.mail"):
        await request_resets(client, services, GONE, HERE)
        await services.mailer.drain()
    [delivered] = await inbox.wait_for(1)
    assert delivered["To"] == HERE
    assert inbox.refused == [GONE]
    rows = {row.recipient: row for row in await queue_rows(services)}
    gone = rows[GONE]
    assert (gone.status, gone.attempts) == ("failed", 1)
    assert gone.last_error == "SMTPRecipientsRefused 550"  # the class, not the server's text
    assert gone.message  # kept: `dauth mail retry` may send it still
    assert rows[HERE].status == "sent"

    admin = await login(client)
    [audited] = [r for r in await activity_rows(client, admin["access_token"]) if
                 r["action"] == "mail.failed"]  # fmt: skip
    assert (audited["collection"], audited["item"]) == ("dauth_mail_queue", gone.id)
    assert audited["comment"].endswith(f"to {GONE}: SMTPRecipientsRefused 550")
    assert "secret-text" not in audited["comment"]

    mail_records = [r for r in caplog.records if r.name == "app.mail"]
    [warning] = [r for r in mail_records if r.levelno == logging.WARNING]
    assert "refused" in warning.getMessage()
    assert GONE in warning.getMessage()
    assert "secret-text" not in warning.getMessage()
    assert warning.exc_info is None
    assert not [r for r in mail_records if r.levelno >= logging.ERROR]

    clock.advance(timedelta(milliseconds=MAX_AGE_MS))
    await services.mailer.drain()  # failed is not due: no further attempt
    assert inbox.refused == [GONE]
    [row] = [row for row in await queue_rows(services) if row.recipient == GONE]
    assert (row.status, row.attempts) == ("failed", 1)


async def test_a_4xx_for_the_recipient_keeps_the_backoff(
    client: httpx.AsyncClient,
    services: Services,
    clock: SettableClock,
    refusing: tuple[int, RefusingInbox],
) -> None:
    inbox = refusing[1]
    await request_resets(client, services, BUSY)
    await services.mailer.drain()
    [row] = await queue_rows(services)
    assert (row.status, row.attempts) == ("queued", 1)
    assert row.last_error == "SMTPRecipientsRefused 450"
    assert row.next_attempt == row.created + timedelta(milliseconds=BACKOFF_MS)
    clock.advance(timedelta(milliseconds=BACKOFF_MS))
    await services.mailer.drain()
    assert inbox.refused == [BUSY, BUSY]
    [row] = await queue_rows(services)
    assert (row.status, row.attempts) == ("queued", 2)


@pytest.mark.parametrize(
    ("error", "permanent"),
    [
        (aiosmtplib.SMTPSenderRefused(550, "no", "a@example.com"), True),
        (aiosmtplib.SMTPSenderRefused(451, "later", "a@example.com"), False),
        (aiosmtplib.SMTPDataError(552, "too big"), True),
        (aiosmtplib.SMTPDataError(451, "later"), False),
        (
            aiosmtplib.SMTPRecipientsRefused(
                [
                    aiosmtplib.SMTPRecipientRefused(550, "no", "a@example.com"),
                    aiosmtplib.SMTPRecipientRefused(450, "later", "b@example.com"),
                ]
            ),
            False,
        ),
        (aiosmtplib.SMTPAuthenticationError(535, "bad password"), False),
        (aiosmtplib.SMTPConnectResponseError(554, "go away"), False),
        (aiosmtplib.SMTPConnectError("refused"), False),
        (aiosmtplib.SMTPServerDisconnected("gone"), False),
    ],
)
def test_only_a_5xx_refusal_of_the_message_is_permanent(error: Exception, permanent: bool) -> None:
    assert is_permanent(error) is permanent
