"""What the mail queue keeps: sent rows are deleted by the sender once
EMAIL_QUEUE_KEEP_SENT old (in batches, at most once a minute); failed rows stay until
`dauth mail retry` or `dauth mail purge --failed`; `dauth mail list` with nothing to show
says so."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from app.clock import SettableClock
from app.config import Settings
from app.db.models import QueuedMail
from app.services.container import Services
from app.services.mail_retention import PURGE_BATCH
from tests.conftest import TEST_SECRET
from tests.e2e.server_process import run_dauth
from tests.graphql.test_mail_queue import USER_EMAIL, cli_env, queue_rows, requested
from tests.mail_links import smtp_settings
from tests.mail_server import Inbox

KEEP = timedelta(days=1)


@pytest.fixture
def settings_overrides(smtp: tuple[int, Inbox]) -> dict[str, Any]:
    return smtp_settings(smtp[0], email_queue_keep_sent="1d")


async def add_rows(services: Services, status: str, count: int, at: datetime) -> None:
    """`count` rows in `status`, made (and sent, for `sent`) at `at`."""
    async with services.db.write() as session:
        for index in range(count):
            session.add(
                QueuedMail(
                    created=at,
                    queued_at=at,
                    recipient=f"old-{index}@example.com",
                    subject=f"Old {index}",
                    message="" if status == "sent" else "To: x@example.com\n\nbody\n",
                    status=status,
                    attempts=1,
                    next_attempt=at,
                    sent_at=at if status == "sent" else None,
                    last_error="SMTPRecipientsRefused 550" if status == "failed" else None,
                )
            )


def by_status(rows: list[QueuedMail]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for row in rows:
        counts[row.status] = counts.get(row.status, 0) + 1
    return counts


async def test_sent_rows_are_deleted_past_keep_sent_at_most_once_a_minute(
    client: httpx.AsyncClient, services: Services, clock: SettableClock, inbox: Inbox
) -> None:
    await requested(client, services)
    await services.mailer.drain()
    await inbox.wait_for(1)
    start = clock.now()
    # More than one batch of old sent rows, and failed rows older still.
    await add_rows(services, "sent", PURGE_BATCH + 1, start - KEEP - timedelta(minutes=1))
    await add_rows(services, "failed", 2, start - 30 * KEEP)

    clock.advance(timedelta(minutes=1))  # past the pass made at start-up
    await services.mailer.drain()
    rows = await queue_rows(services)
    assert by_status(rows) == {"sent": 1, "failed": 2}
    [sent] = [row for row in rows if row.status == "sent"]
    assert sent.recipient == USER_EMAIL  # one minute old: kept

    clock.advance(KEEP - timedelta(minutes=1, seconds=30))  # a pass: it is 30 s short of KEEP
    await services.mailer.drain()
    assert by_status(await queue_rows(services)) == {"sent": 1, "failed": 2}
    clock.advance(timedelta(seconds=31))  # past KEEP, but the last pass was 31 s ago
    await services.mailer.drain()
    assert by_status(await queue_rows(services)) == {"sent": 1, "failed": 2}
    clock.advance(timedelta(seconds=29))  # a minute since the last pass
    await services.mailer.drain()
    assert by_status(await queue_rows(services)) == {"failed": 2}


async def test_purge_failed_deletes_the_failed_rows_and_list_says_when_none_are_left(
    services: Services, clock: SettableClock, settings: Settings, tmp_path: Path
) -> None:
    env = cli_env(settings)
    empty = run_dauth(tmp_path, env, "mail", "list")
    assert (empty.returncode, empty.stdout, empty.stderr) == (0, "No queued or failed mail.\n", "")

    await add_rows(services, "failed", 2, clock.now())
    await add_rows(services, "sent", 1, clock.now())
    listed = run_dauth(tmp_path, env, "mail", "list")
    assert listed.returncode == 0, listed.stderr
    assert listed.stdout.strip().endswith("2 messages not sent.")

    refused = run_dauth(tmp_path, env, "mail", "purge")  # --failed is required
    assert refused.returncode == 2
    assert "--failed" in refused.stderr
    assert len(await queue_rows(services)) == 3

    purged = run_dauth(tmp_path, env, "mail", "purge", "--failed")
    assert (purged.returncode, purged.stdout) == (0, "Deleted 2 failed messages.\n"), purged.stderr
    assert by_status(await queue_rows(services)) == {"sent": 1}  # the sender's to expire
    again = run_dauth(tmp_path, env, "mail", "purge", "--failed")
    assert (again.returncode, again.stdout) == (0, "Deleted 0 failed messages.\n")
    assert run_dauth(tmp_path, env, "mail", "list").stdout == "No queued or failed mail.\n"


def test_keep_sent_defaults_to_seven_days_and_reads_durations() -> None:
    assert Settings(_env_file=None, secret=TEST_SECRET).email_queue_keep_sent == 7 * 86_400_000
    settings = Settings(_env_file=None, secret=TEST_SECRET, email_queue_keep_sent="36h")
    assert settings.email_queue_keep_sent == 36 * 3_600_000
