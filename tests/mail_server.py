"""A real SMTP server on loopback (aiosmtpd) that keeps what it receives."""

from __future__ import annotations

import asyncio
import email
import email.policy
import threading
from dataclasses import dataclass, field
from email.message import EmailMessage
from typing import Any

from aiosmtpd.controller import Controller

from tests.e2e.server_process import free_port


@dataclass
class Inbox:
    messages: list[EmailMessage] = field(default_factory=list)
    # The SMTP server runs in its own thread: arrivals are signalled across threads.
    _arrived: threading.Condition = field(default_factory=threading.Condition)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        parsed = email.message_from_bytes(envelope.content, policy=email.policy.default)
        assert isinstance(parsed, EmailMessage)
        with self._arrived:
            self.messages.append(parsed)
            self._arrived.notify_all()
        return "250 Message accepted for delivery"

    def to(self, address: str) -> list[EmailMessage]:
        return [m for m in self.messages if str(m["To"]).lower() == address.lower()]

    async def wait_for(self, count: int, seconds: float = 5.0) -> list[EmailMessage]:
        """Mail leaves in the background: wait (at most `seconds`) for `count` messages."""
        return await asyncio.to_thread(self._wait, count, seconds)

    def _wait(self, count: int, seconds: float) -> list[EmailMessage]:
        with self._arrived:
            self._arrived.wait_for(lambda: len(self.messages) >= count, timeout=seconds)
            return list(self.messages)


@dataclass
class RefusingInbox(Inbox):
    """An inbox whose server answers RCPT TO for the addresses in `replies` with their
    reply (`"550 5.1.1 No such user"`), and keeps which addresses it refused."""

    replies: dict[str, str] = field(default_factory=dict)
    refused: list[str] = field(default_factory=list)

    async def handle_RCPT(  # noqa: N802
        self, server: Any, session: Any, envelope: Any, address: str, options: list[str]
    ) -> str:
        reply = self.replies.get(address.lower())
        if reply is not None:
            self.refused.append(address)
            return reply
        envelope.rcpt_tos.append(address)
        envelope.rcpt_options.extend(options)
        return "250 OK"


def start_smtp() -> tuple[Controller, Inbox]:
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    return controller, inbox


def text_of(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("plain",))
    assert part is not None
    return str(part.get_content())


def html_of(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("html",))
    assert part is not None
    return str(part.get_content())
