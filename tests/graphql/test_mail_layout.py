"""The account mails' layout, as sent through a real SMTP server: in both parts the link (a
button and the link as text in HTML), how long it works (from the TTL settings) and the
project's name; the colour in the HTML part."""

from __future__ import annotations

import html
from typing import Any

import httpx
import pytest

from app.db.models import new_id
from app.services.container import Services
from tests.conftest import create_role, create_user, gql
from tests.mail_links import HREF, delivered, link_in, smtp_settings
from tests.mail_server import Inbox, html_of, text_of

USER = "ada@example.com"
REQUEST = "mutation R($email: String!) { auth_password_request(email: $email) }"
INVITE = "mutation I($email: String!, $role: String!) { users_invite(email: $email, role: $role) }"
REGISTER = (
    "mutation G($email: String!, $password: String!) "
    "{ users_register(email: $email, password: $password) }"
)
SETTINGS = (
    "mutation S($data: update_directus_settings_input!) { update_settings(data: $data) { id } }"
)


@pytest.fixture
def settings_overrides(smtp: tuple[int, Inbox]) -> dict[str, Any]:
    return smtp_settings(
        smtp[0],
        password_reset_token_ttl="90m",
        user_invite_token_ttl="3d",
        email_verification_token_ttl="1d",
    )


async def _face(client: httpx.AsyncClient, admin_token: str, **extra: Any) -> None:
    data = {"project_name": "Acme <CMS>", "project_color": "#0A7C3E", **extra}
    reply = await gql(client, SETTINGS, {"data": data}, token=admin_token)
    assert "errors" not in reply.body, reply.body


def _check_layout(message: Any, valid_for: str) -> None:
    text, rich = text_of(message), html_of(message)
    link = link_in(message)  # exactly one link in the text part
    assert "Acme <CMS>" in text
    assert valid_for in text
    assert "Directus" not in text
    assert "Acme &lt;CMS&gt;" in rich
    assert "Acme <CMS>" not in rich
    assert valid_for in rich
    assert "#0A7C3E" in rich
    # A button and the link as text, both the same link.
    hrefs = [html.unescape(href) for href in HREF.findall(rich)]
    assert hrefs == [link, link]
    assert html.escape(link) in rich.replace("</a>", " </a>")


async def test_the_reset_mail_has_the_layout(
    client: httpx.AsyncClient, services: Services, inbox: Inbox, admin_token: str
) -> None:
    await create_user(services, USER, "ada-password-1")
    await _face(client, admin_token)
    assert (await gql(client, REQUEST, {"email": USER})).data == {"auth_password_request": True}
    [message] = await delivered(services, inbox)
    _check_layout(message, "90 minutes")
    assert "Reset your password" in html_of(message)


async def test_the_invitation_has_the_layout(
    client: httpx.AsyncClient, services: Services, inbox: Inbox, admin_token: str
) -> None:
    role = new_id()
    await create_role(services, role, "Guests")
    await _face(client, admin_token)
    reply = await gql(client, INVITE, {"email": USER, "role": role}, token=admin_token)
    assert reply.data == {"users_invite": True}
    [message] = await delivered(services, inbox)
    _check_layout(message, "3 days")


async def test_the_verification_mail_has_the_layout(
    client: httpx.AsyncClient, services: Services, inbox: Inbox, admin_token: str
) -> None:
    role = new_id()
    await create_role(services, role, "Members")
    await _face(
        client, admin_token, public_registration=True, public_registration_role={"id": role}
    )
    reply = await gql(client, REGISTER, {"email": USER, "password": "ada-password-1"})
    assert reply.data == {"users_register": True}
    [message] = await delivered(services, inbox)
    _check_layout(message, "1 day")


async def test_without_settings_the_mail_names_directus_and_its_colour(
    client: httpx.AsyncClient, services: Services, inbox: Inbox
) -> None:
    await create_user(services, USER, "ada-password-1")
    assert (await gql(client, REQUEST, {"email": USER})).data == {"auth_password_request": True}
    [message] = await delivered(services, inbox)
    assert "Directus" in text_of(message)
    assert "#6644FF" in html_of(message)
