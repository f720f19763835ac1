"""Reading the mail the server sends: the one token link in it, the token in that link,
the .eml files of the outbox transport, and the SMTP settings the mail tests share.

One copy for every mail test (GraphQL, REST and e2e), so that a change in how a link is
written is followed in one place."""

from __future__ import annotations

import email
import email.policy
import re
from email.message import EmailMessage
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from app.services.container import Services
from tests.mail_server import Inbox, text_of

PUBLIC_URL = "https://cms.example.com"
SENDER = "cms-mailer@example.com"

LINK = re.compile(r"https?://[^\s\"'<>]+")
HREF = re.compile(r'href="([^"]+)"')


def smtp_settings(port: int, **extra: Any) -> dict[str, Any]:
    """Settings that send mail to the loopback SMTP server on `port`, from SENDER, with
    links under PUBLIC_URL; `extra` adds the flow's own settings (URL allow lists)."""
    return {
        "email_transport": "smtp",
        "email_smtp_host": "127.0.0.1",
        "email_smtp_port": port,
        "email_from": SENDER,
        "public_url": PUBLIC_URL,
        **extra,
    }


async def delivered(services: Services, inbox: Inbox) -> list[EmailMessage]:
    """Everything the server has handed to the SMTP server so far (mail leaves in the
    background: drain the mailer first)."""
    await services.mailer.drain()
    return list(inbox.messages)


def token_links(text: str) -> list[str]:
    """Every URL in `text` that carries a token."""
    return [link for link in LINK.findall(text) if "token=" in link]


def link_in(message: EmailMessage) -> str:
    """The one token link in the plain-text body of `message`."""
    links = token_links(text_of(message))
    assert len(links) == 1, text_of(message)
    return links[0]


def token_of(link: str) -> str:
    """The one `token` query parameter of `link`."""
    values = parse_qs(urlsplit(link).query)["token"]
    assert len(values) == 1, link
    return values[0]


def token_in(message: EmailMessage, link_prefix: str) -> str:
    """The token of the one token link in `message`, which must start with `link_prefix`."""
    link = link_in(message)
    assert link.startswith(link_prefix), link
    return token_of(link)


def read_eml(path: Path) -> EmailMessage:
    """A message the outbox transport wrote to `path`."""
    message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
    assert isinstance(message, EmailMessage)
    return message
