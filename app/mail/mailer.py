"""Sends mail in the background: a slow or failing mail server neither delays nor changes
an answer, so answers cannot tell which addresses exist."""

from __future__ import annotations

import asyncio
import logging
from email.message import EmailMessage
from email.utils import make_msgid

from app.mail.templates import TemplateStore
from app.mail.transports import Transport
from app.observability.metrics import MAIL_FAILURES

logger = logging.getLogger("app.mail")


class Mailer:
    def __init__(self, transport: Transport, templates: TemplateStore, sender: str) -> None:
        self._transport = transport
        self._templates = templates
        self._sender = sender
        self._pending: set[asyncio.Task[None]] = set()

    def send(self, *, to: str, subject: str, template: str, values: dict[str, str]) -> None:
        """Queues the message and returns at once."""
        body = self._templates.render(template, values)
        message = EmailMessage()
        message["From"] = self._sender
        message["To"] = to
        message["Subject"] = subject
        message["Message-ID"] = make_msgid(domain=self._sender.rpartition("@")[2] or None)
        message.set_content(body.text)
        message.add_alternative(body.html, subtype="html")
        task = asyncio.get_running_loop().create_task(self._deliver(message))
        self._pending.add(task)
        task.add_done_callback(self._pending.discard)

    async def _deliver(self, message: EmailMessage) -> None:
        try:
            await self._transport.deliver(message)
        except Exception:  # a mail failure must never reach the client
            MAIL_FAILURES.inc()
            logger.exception("Could not send mail %r to %s", message["Subject"], message["To"])

    def queued(self) -> int:
        """Messages not yet handed to the transport (dauth_mail_queue_depth)."""
        return len(self._pending)

    async def drain(self) -> None:
        """Waits for queued messages (at shutdown, and in tests)."""
        while self._pending:
            await asyncio.gather(*list(self._pending), return_exceptions=True)
