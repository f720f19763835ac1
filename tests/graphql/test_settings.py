"""Reading the project settings: defaults, who may read them, and their registration role."""

from __future__ import annotations

import httpx
import pytest
from sqlalchemy import update
from sqlmodel import col

from app.db.models import ProjectSettings
from app.services.container import Services
from tests.conftest import create_user, gql
from tests.graphql.seed import (
    ADMIN_TOKEN,
    BOB_TOKEN,
    Seeded,
    add_permission,
    assert_validation_error,
    seed,
)

SETTINGS = """{
  settings {
    id project_name public_registration public_registration_verify_email
    public_registration_email_filter auth_login_attempts auth_password_policy
    public_registration_role { name }
  }
}"""

DEFAULTS = {
    "id": "1",
    "project_name": "Directus",
    "public_registration": False,
    "public_registration_verify_email": True,
    "public_registration_email_filter": None,
    "auth_login_attempts": 25,
    "auth_password_policy": None,
    "public_registration_role": None,
}


@pytest.fixture
async def seeded(services: Services) -> Seeded:
    return await seed(services)


async def test_the_admin_reads_the_defaults(client: httpx.AsyncClient, seeded: Seeded) -> None:
    reply = await gql(client, SETTINGS, token=ADMIN_TOKEN)
    assert reply.status == 200, reply.body
    assert reply.body == {"data": {"settings": DEFAULTS}}


async def test_an_app_user_reads_the_settings(client: httpx.AsyncClient, seeded: Seeded) -> None:
    reply = await gql(
        client,
        "{ settings { project_name public_registration auth_login_attempts } }",
        token=BOB_TOKEN,
    )
    assert reply.body == {
        "data": {
            "settings": {
                "project_name": "Directus",
                "public_registration": False,
                "auth_login_attempts": 25,
            }
        }
    }


async def test_settings_show_what_is_stored(
    client: httpx.AsyncClient, services: Services, seeded: Seeded
) -> None:
    async with services.db.write() as session:
        await session.exec(
            update(ProjectSettings)
            .where(col(ProjectSettings.id) == 1)
            .values(
                project_name="Acme",
                public_registration=True,
                public_registration_role=seeded.roles["Viewers"],
                public_registration_email_filter={"email": {"_ends_with": "@acme.test"}},
                auth_login_attempts=5,
                auth_password_policy="/^.{12,}$/",
            )
        )
    reply = await gql(client, SETTINGS, token=ADMIN_TOKEN)
    assert reply.body == {
        "data": {
            "settings": {
                "id": "1",
                "project_name": "Acme",
                "public_registration": True,
                "public_registration_verify_email": True,
                "public_registration_email_filter": {"email": {"_ends_with": "@acme.test"}},
                "auth_login_attempts": 5,
                "auth_password_policy": "/^.{12,}$/",
                "public_registration_role": {"name": "Viewers"},
            }
        }
    }


async def test_the_public_may_not_read_the_settings(
    client: httpx.AsyncClient, seeded: Seeded
) -> None:
    assert_validation_error(await gql(client, SETTINGS))


async def test_a_role_without_app_access_may_not_read_the_settings(
    client: httpx.AsyncClient, services: Services, seeded: Seeded
) -> None:
    token = "no-app-access-settings-token-1"
    await create_user(services, "outsider@example.com", None, app_access=False, static_token=token)
    reply = await gql(client, "{ settings { project_name } }", token=token)
    assert_validation_error(reply)


async def test_a_public_permission_grants_only_its_fields(
    client: httpx.AsyncClient, services: Services, seeded: Seeded
) -> None:
    await add_permission(
        services, None, ["project_name"], None, collection="directus_settings", action="read"
    )
    reply = await gql(client, "{ settings { project_name } }")
    assert reply.body == {"data": {"settings": {"project_name": "Directus"}}}
    denied = await gql(client, "{ settings { project_name auth_login_attempts } }")
    assert_validation_error(denied)


async def test_the_public_reads_only_what_directus_makes_public(
    client: httpx.AsyncClient, services: Services, seeded: Seeded
) -> None:
    """Even a public permission on every field shows anonymous callers only the project's
    name and registration flags: never the password policy or the attempt limit."""
    await add_permission(services, None, ["*"], None, collection="directus_settings", action="read")
    reply = await gql(
        client,
        "{ settings { project_name public_registration public_registration_verify_email } }",
    )
    assert reply.body == {
        "data": {
            "settings": {
                "project_name": "Directus",
                "public_registration": False,
                "public_registration_verify_email": True,
            }
        }
    }
    for field in (
        "auth_password_policy",
        "auth_login_attempts",
        "public_registration_email_filter",
        "public_registration_role { id }",
    ):
        denied = await gql(client, f"{{ settings {{ project_name {field} }} }}")
        assert_validation_error(denied)
    # An app user keeps Directus's default: every field.
    reply = await gql(
        client, "{ settings { auth_password_policy auth_login_attempts } }", token=BOB_TOKEN
    )
    assert reply.body == {
        "data": {"settings": {"auth_password_policy": None, "auth_login_attempts": 25}}
    }
