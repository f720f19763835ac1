"""The embedded mail transport (an outbox folder of .eml files), and mail failures."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import httpx
import pytest

from app.db.models import new_id
from app.services.container import Services
from tests.conftest import ADMIN_EMAIL, create_role, create_user, gql, login
from tests.e2e.server_process import free_port
from tests.mail_links import PUBLIC_URL, SENDER, link_in, read_eml, token_of
from tests.mail_server import html_of

USER_EMAIL = "reader@example.com"
PASSWORD = "reader-password-1"

REQUEST = "mutation Request($email: String!) { auth_password_request(email: $email) }"
RESET = """
mutation Reset($token: String!, $password: String!) {
  auth_password_reset(token: $token, password: $password)
}
"""
INVITE = """
mutation Invite($email: String!, $role: String!) { users_invite(email: $email, role: $role) }
"""


@pytest.fixture
def outbox(tmp_path: Path) -> Path:
    return tmp_path / "outbox"


@pytest.fixture
def settings_overrides(outbox: Path) -> dict[str, Any]:
    return {
        "email_transport": "outbox",
        "email_outbox_path": str(outbox),
        "email_from": SENDER,
        "public_url": PUBLIC_URL,
    }


def written(outbox: Path) -> list[Path]:
    return sorted(outbox.glob("*")) if outbox.exists() else []


async def test_password_request_writes_one_eml_with_the_link(
    client: httpx.AsyncClient, services: Services, outbox: Path
) -> None:
    await create_user(services, USER_EMAIL, PASSWORD)
    reply = await gql(client, REQUEST, {"email": USER_EMAIL})
    assert reply.body == {"data": {"auth_password_request": True}}
    await services.mailer.drain()

    files = written(outbox)
    assert len(files) == 1
    assert files[0].suffix == ".eml"
    message = read_eml(files[0])
    assert message["To"] == USER_EMAIL
    assert message["From"] == SENDER
    assert message["Subject"] == "Password Reset Request"
    link = link_in(message)
    assert link.startswith(f"{PUBLIC_URL}/admin/reset-password?token=")
    assert "Reset your password" in html_of(message)

    token = token_of(link)
    done = await gql(client, RESET, {"token": token, "password": "brand-new-password-2"})
    assert done.data == {"auth_password_reset": True}
    assert (await login(client, USER_EMAIL, "brand-new-password-2"))["access_token"]


async def test_unknown_email_writes_nothing(
    client: httpx.AsyncClient, services: Services, outbox: Path
) -> None:
    reply = await gql(client, REQUEST, {"email": "nobody@example.com"})
    assert reply.body == {"data": {"auth_password_request": True}}
    await services.mailer.drain()
    assert written(outbox) == []


async def test_each_message_gets_its_own_file(
    client: httpx.AsyncClient, services: Services, outbox: Path
) -> None:
    await create_user(services, USER_EMAIL, PASSWORD)
    for address in (USER_EMAIL, ADMIN_EMAIL, USER_EMAIL):
        assert (await gql(client, REQUEST, {"email": address})).data == {
            "auth_password_request": True
        }
    await services.mailer.drain()
    files = written(outbox)
    assert len(files) == 3
    assert sorted(str(read_eml(path)["To"]) for path in files) == sorted(
        [USER_EMAIL, ADMIN_EMAIL, USER_EMAIL]
    )


async def test_invitation_goes_to_the_outbox_too(
    client: httpx.AsyncClient, services: Services, outbox: Path
) -> None:
    role = new_id()
    await create_role(services, role, "Guests")
    admin = await login(client)
    reply = await gql(
        client, INVITE, {"email": "guest@example.com", "role": role}, token=admin["access_token"]
    )
    assert reply.body == {"data": {"users_invite": True}}
    await services.mailer.drain()
    [path] = written(outbox)
    message = read_eml(path)
    assert message["To"] == "guest@example.com"
    assert message["Subject"] == "You've been invited"
    assert link_in(message).startswith(f"{PUBLIC_URL}/admin/accept-invite?token=")


class TestMailFailure:
    """An SMTP server that is not there: the answer is unchanged, the error only logged."""

    @pytest.fixture
    def settings_overrides(self) -> dict[str, Any]:
        return {
            "email_transport": "smtp",
            "email_smtp_host": "127.0.0.1",
            "email_smtp_port": free_port(),  # bound once, then released: nothing listens
            "email_smtp_timeout": 2000,
            "email_from": SENDER,
        }

    async def test_password_request_still_answers_true(
        self,
        client: httpx.AsyncClient,
        services: Services,
        caplog: pytest.LogCaptureFixture,
    ) -> None:
        await create_user(services, USER_EMAIL, PASSWORD)
        with caplog.at_level(logging.WARNING, logger="app.mail"):
            reply = await gql(client, REQUEST, {"email": USER_EMAIL})
            assert reply.status == 200
            assert reply.body == {"data": {"auth_password_request": True}}
            await services.mailer.drain()
        failures = [
            record
            for record in caplog.records
            if record.name == "app.mail" and record.levelno >= logging.WARNING
        ]
        # One line naming the failure's class (it is retried), no traceback below debug.
        assert len(failures) == 1
        assert "Could not send mail" in failures[0].getMessage()
        assert USER_EMAIL in failures[0].getMessage()
        assert "retried later" in failures[0].getMessage()
        assert not failures[0].exc_info

        # The server keeps working after the failure.
        again = await gql(client, REQUEST, {"email": USER_EMAIL})
        assert again.body == {"data": {"auth_password_request": True}}
        await services.mailer.drain()
