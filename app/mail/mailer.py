"""Builds the messages the server sends (template, headers); the mail queue
(app.services.mail_queue) keeps them until they are sent."""

from __future__ import annotations

from email.message import EmailMessage
from email.utils import make_msgid

from app.mail.templates import TemplateStore


class MailComposer:
    def __init__(self, templates: TemplateStore, sender: str) -> None:
        self._templates = templates
        self._sender = sender

    def compose(
        self, *, to: str, subject: str, template: str, values: dict[str, str]
    ) -> EmailMessage:
        """A multipart message (text and HTML) from the template, from EMAIL_FROM."""
        body = self._templates.render(template, values)
        message = EmailMessage()
        message["From"] = self._sender
        message["To"] = to
        message["Subject"] = subject
        message["Message-ID"] = make_msgid(domain=self._sender.rpartition("@")[2] or None)
        message.set_content(body.text)
        message.add_alternative(body.html, subtype="html")
        return message
