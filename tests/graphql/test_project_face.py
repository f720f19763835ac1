"""project_color and project_logo (Directus's settings fields): admins write them, checked
(#RRGGBB; the id of a file here), anyone reads them with the project's name (/server/info,
a public settings grant), and the account pages show the name and colour."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from app.db.models import File, new_id
from app.services.container import Services
from tests.conftest import create_user, gql, login
from tests.graphql.mutation_seed import settings_row
from tests.graphql_reply import ok, refused
from tests.rest import assert_error, bearer

UPDATE = """
mutation U($data: update_directus_settings_input!) {
  update_settings(data: $data) { project_name project_color project_logo { id filename_download } }
}
"""
SERVER = "{ server_info { project { project_name project_color project_logo } } }"


async def _file(services: Services) -> str:
    file_id = new_id()
    async with services.db.write() as session:
        session.add(File(id=file_id, storage="local", filename_download="logo.png"))
    return file_id


async def test_an_admin_sets_the_colour_and_logo_and_anyone_reads_them(
    client: httpx.AsyncClient, services: Services, admin_token: str
) -> None:
    logo = await _file(services)
    data = {"project_name": "Acme", "project_color": "#0a7c3e", "project_logo": {"id": logo}}
    updated = ok(await gql(client, UPDATE, {"data": data}, token=admin_token), "update_settings")
    assert updated == {
        "project_name": "Acme",
        "project_color": "#0a7c3e",
        "project_logo": {"id": logo, "filename_download": "logo.png"},
    }
    row = await settings_row(services)
    assert (row.project_color, row.project_logo) == ("#0a7c3e", logo)

    public = await gql(client, SERVER)
    assert public.data["server_info"]["project"] == {
        "project_name": "Acme",
        "project_color": "#0a7c3e",
        "project_logo": logo,
    }
    rest = await client.get("/server/info")
    assert rest.json()["data"]["project"]["project_color"] == "#0a7c3e"
    assert rest.json()["data"]["project"]["project_logo"] == logo

    cleared = await gql(client, UPDATE, {"data": {"project_logo": None}}, token=admin_token)
    assert ok(cleared, "update_settings")["project_logo"] is None


@pytest.mark.parametrize("color", ["red", "#12345", "#GGGGGG", "#1234567", "6644FF", " #6644FF"])
async def test_a_colour_that_is_not_rrggbb_is_refused(
    client: httpx.AsyncClient, services: Services, admin_token: str, color: str
) -> None:
    data = {"project_color": color, "project_name": "Not saved"}
    reply = await gql(client, UPDATE, {"data": data}, token=admin_token)
    refused(reply, "FAILED_VALIDATION")
    assert reply.body["errors"][0]["extensions"]["field"] == "project_color"
    row = await settings_row(services)
    assert (row.project_color, row.project_name) == (None, "Directus")


async def test_a_logo_must_be_a_file_here(
    client: httpx.AsyncClient, services: Services, admin_token: str
) -> None:
    unknown = await gql(
        client, UPDATE, {"data": {"project_logo": {"id": new_id()}}}, token=admin_token
    )
    refused(unknown, "INVALID_FOREIGN_KEY")
    rest = await client.patch(
        "/settings", json={"project_logo": "not-a-uuid"}, headers=bearer(admin_token)
    )
    assert_error(rest, 400, "FAILED_VALIDATION")
    new_file = await client.patch(
        "/settings",
        json={"project_logo": {"storage": "local", "filename_download": "x.png"}},
        headers=bearer(admin_token),
    )
    assert_error(new_file, 400, "INVALID_PAYLOAD")
    assert (await settings_row(services)).project_logo is None


async def test_rest_writes_the_colour_and_an_app_user_may_not(
    client: httpx.AsyncClient, services: Services, admin_token: str
) -> None:
    logo = await _file(services)
    written = await client.patch(
        "/settings",
        params={"fields": "project_color,project_logo"},
        json={"project_color": "#123ABC", "project_logo": logo},
        headers=bearer(admin_token),
    )
    assert written.json() == {"data": {"project_color": "#123ABC", "project_logo": logo}}
    await create_user(services, "bob@example.com", "bob-password-1")
    bob = (await login(client, "bob@example.com", "bob-password-1"))["access_token"]
    refused_write = await client.patch(
        "/settings", json={"project_color": "#000000"}, headers=bearer(bob)
    )
    assert refused_write.status_code == 403
    assert (await settings_row(services)).project_color == "#123ABC"


async def test_the_pages_show_the_name_and_colour_but_no_logo(
    client: httpx.AsyncClient, services: Services, admin_token: str
) -> None:
    logo = await _file(services)
    data: dict[str, Any] = {
        "project_name": "Acme <Docs>",
        "project_color": "#0A7C3E",
        "project_logo": {"id": logo},
    }
    ok(await gql(client, UPDATE, {"data": data}, token=admin_token), "update_settings")
    page = await client.get("/admin/reset-password")
    assert '<span class="project">Acme &lt;Docs&gt;</span>' in page.text
    assert "<title>Reset your password · Acme &lt;Docs&gt;</title>" in page.text
    # This server serves no file contents: a logo would be a broken image.
    assert "<img" not in page.text
    assert logo not in page.text
    theme = await client.get("/admin/theme.css")
    assert "--accent: #0A7C3E;" in theme.text
