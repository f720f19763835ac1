"""An operator's mail templates (EMAIL_TEMPLATES_PATH) written for the old variables
($url, $email, $project_name) keep working now that the defaults use more."""

from __future__ import annotations

import html
from pathlib import Path
from typing import Any

import httpx
import pytest

from app.services.container import Services
from tests.conftest import create_user, gql
from tests.mail_links import delivered, link_in, smtp_settings
from tests.mail_server import Inbox, html_of, text_of

USER = "ada@example.com"
REQUEST = "mutation R($email: String!) { auth_password_request(email: $email) }"
SETTINGS = (
    "mutation S($data: update_directus_settings_input!) { update_settings(data: $data) { id } }"
)


@pytest.fixture
def templates(tmp_path: Path) -> Path:
    folder = tmp_path / "templates"
    folder.mkdir()
    (folder / "password-reset.txt").write_text("$project_name: reset $email at $url\n")
    (folder / "password-reset.html").write_text('<a href="$url">$project_name</a>')
    return folder


@pytest.fixture
def settings_overrides(smtp: tuple[int, Inbox], templates: Path) -> dict[str, Any]:
    return smtp_settings(smtp[0], email_templates_path=str(templates))


async def test_an_operator_template_with_the_old_variables_still_works(
    client: httpx.AsyncClient, services: Services, inbox: Inbox, admin_token: str
) -> None:
    await create_user(services, USER, "ada-password-1")
    data = {"project_name": "Acme <CMS>"}
    assert "errors" not in (await gql(client, SETTINGS, {"data": data}, token=admin_token)).body
    assert (await gql(client, REQUEST, {"email": USER})).data == {"auth_password_request": True}
    [message] = await delivered(services, inbox)
    link = link_in(message)
    assert text_of(message).strip() == f"Acme <CMS>: reset {USER} at {link}"
    assert html_of(message).strip() == f'<a href="{html.escape(link)}">Acme &lt;CMS&gt;</a>'
