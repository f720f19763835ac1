"""The account mails as the pages' tests read them: the link a mail carries, as a path on
this server (the tests' client talks to the app, not to PUBLIC_URL)."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import httpx

from app.services.container import Services
from tests.mail_links import delivered, link_in, smtp_settings
from tests.mail_server import Inbox

FORM = {"content-type": "application/x-www-form-urlencoded"}
BROWSER = {"accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}


# The test client's own origin: the pages' cookies are Secure under an https PUBLIC_URL,
# which the client (plain http) would then never send back.
PUBLIC_URL = "http://testserver"


def page_settings(port: int, **extra: Any) -> dict[str, Any]:
    """Mail through the loopback SMTP server on `port`, links under the client's origin."""
    return {**smtp_settings(port, **extra), "public_url": PUBLIC_URL}


async def last_link(services: Services, inbox: Inbox) -> str:
    """The path and query of the token link in the newest mail (under PUBLIC_URL)."""
    messages = await delivered(services, inbox)
    assert messages, "no mail was sent"
    link = link_in(messages[-1])
    assert link.startswith(PUBLIC_URL + "/"), link
    parts = urlsplit(link)
    return f"{parts.path}?{parts.query}"


def text_of_page(response: httpx.Response) -> str:
    assert response.headers["content-type"].startswith("text/html"), response.text
    return response.text
