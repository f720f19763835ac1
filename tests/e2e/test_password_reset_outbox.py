"""A real server with the default mail transport: the reset mail lands in data/outbox."""

from __future__ import annotations

import time
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.server_process import running_server
from tests.graphql_reply import post_graphql
from tests.mail_links import read_eml, token_links, token_of

pytestmark = pytest.mark.e2e

ADMIN = "owner@example.com"
OLD_PASSWORD = "e2e-password-1"
NEW_PASSWORD = "e2e-new-password-2"
PUBLIC_URL = "https://cms.example.test"

REQUEST = "mutation R($email: String!) { auth_password_request(email: $email) }"
RESET = (
    "mutation S($token: String!, $password: String!) "
    "{ auth_password_reset(token: $token, password: $password) }"
)
LOGIN = (
    "mutation L($email: String!, $password: String!) "
    "{ auth_login(email: $email, password: $password) { access_token } }"
)


def post(url: str, query: str, variables: dict[str, Any]) -> dict[str, Any]:
    reply = post_graphql(url, query, variables)
    assert reply.status == 200, reply.body
    return reply.body


def reset_link(message: EmailMessage) -> str | None:
    """The one token link of a complete message; None while the message is not whole."""
    part = message.get_body(preferencelist=("plain",))
    if part is None:
        return None
    links = token_links(str(part.get_content()))
    return links[0] if len(links) == 1 else None


def wait_for_mail(outbox: Path, log: Path) -> tuple[Path, EmailMessage, str]:
    """Mail leaves in the background: wait until one complete message is in the outbox."""
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        files = sorted(outbox.glob("*.eml")) if outbox.is_dir() else []
        if files:
            message = read_eml(files[0])
            link = reset_link(message)
            if link is not None:
                return files[0], message, link
        time.sleep(0.05)
    raise AssertionError(f"no mail in {outbox}:\n{log.read_text()}")


def test_password_reset_through_the_default_outbox(tmp_path: Path) -> None:
    env = {
        "SECRET": "e2e-secret-long-enough-for-hs256-0123456789",
        "ADMIN_EMAIL": ADMIN,
        "ADMIN_PASSWORD": OLD_PASSWORD,
        "PUBLIC_URL": PUBLIC_URL,
        "HASH_MEMORY_COST": "1024",
        "HASH_TIME_COST": "1",
        "HASH_PARALLELISM": "1",
        "LOGIN_STALL_TIME": "0",
    }
    outbox = tmp_path / "data" / "outbox"
    with running_server(tmp_path, env) as server:
        unknown = post(server.url, REQUEST, {"email": "nobody@example.com"})
        assert unknown == {"data": {"auth_password_request": True}}
        known = post(server.url, REQUEST, {"email": ADMIN})
        assert known == {"data": {"auth_password_request": True}}

        path, message, link = wait_for_mail(outbox, server.log)
        assert path.suffix == ".eml"
        assert message["To"] == ADMIN
        assert message["Subject"] == "Password Reset Request"
        assert message.get_body(preferencelist=("html",)) is not None
        assert link.startswith(f"{PUBLIC_URL}/admin/reset-password?token=")
        token = token_of(link)

        done = post(server.url, RESET, {"token": token, "password": NEW_PASSWORD})
        assert done == {"data": {"auth_password_reset": True}}

        fresh = post(server.url, LOGIN, {"email": ADMIN, "password": NEW_PASSWORD})
        assert fresh["data"]["auth_login"]["access_token"]
        old = post(server.url, LOGIN, {"email": ADMIN, "password": OLD_PASSWORD})
        assert old["errors"][0]["extensions"]["code"] == "INVALID_CREDENTIALS"

        reused = post(server.url, RESET, {"token": token, "password": "third-password-3"})
        assert reused["errors"][0]["extensions"]["code"] == "FORBIDDEN"

        # Only the known address got mail.
        assert len(list(outbox.glob("*.eml"))) == 1
