"""Where messages go: an SMTP server, or a folder of .eml files (the embedded default)."""

from __future__ import annotations

import logging
import uuid
from datetime import UTC, datetime
from email.message import EmailMessage
from pathlib import Path
from typing import Protocol

import aiosmtplib
import anyio

from app.config import Settings

logger = logging.getLogger("app.mail")


class Transport(Protocol):
    async def deliver(self, message: EmailMessage) -> None: ...


class SmtpTransport:
    def __init__(self, settings: Settings) -> None:
        self._settings = settings

    async def deliver(self, message: EmailMessage) -> None:
        settings = self._settings
        await aiosmtplib.send(
            message,
            hostname=settings.email_smtp_host,
            port=settings.email_smtp_port,
            username=settings.email_smtp_user,
            password=settings.email_smtp_password,
            use_tls=settings.email_smtp_secure,
            start_tls=False if settings.email_smtp_ignore_tls else None,
            timeout=settings.email_smtp_timeout / 1000,
        )


class OutboxTransport:
    """Writes each message to EMAIL_OUTBOX_PATH as .eml and logs who it was for."""

    def __init__(self, folder: str) -> None:
        self._folder = Path(folder)

    async def deliver(self, message: EmailMessage) -> None:
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
        path = self._folder / f"{stamp}-{uuid.uuid4().hex[:8]}.eml"
        await anyio.to_thread.run_sync(self._write, path, message.as_bytes())
        logger.info(
            "Mail to %s, subject %r, written to %s", message["To"], message["Subject"], path
        )

    def _write(self, path: Path, content: bytes) -> None:
        self._folder.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content)


def transport_for(settings: Settings) -> Transport:
    if settings.email_transport == "smtp":
        return SmtpTransport(settings)
    return OutboxTransport(settings.email_outbox_path)
