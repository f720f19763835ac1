"""roles_me (the caller's role, by the caller's own permissions) and server_info (the
project's face for anyone, the limits for signed-in users)."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from sqlalchemy import update
from sqlmodel import col

from app.db.models import ProjectSettings, Role, User
from app.security.tokens import hash_token
from app.services.container import Services
from tests.conftest import create_user, gql
from tests.graphql.mutation_seed import make_role
from tests.graphql.seed import (
    ADMIN_ROLE,
    ADMIN_TOKEN,
    BOB_TOKEN,
    Seeded,
    add_permission,
    assert_validation_error,
    seed,
)
from tests.leaks import remember_static_token

ROLES_ME = "{ roles_me { id name admin_access app_access } }"
SERVER_INFO = """{
  server_info {
    project {
      project_name project_descriptor project_logo project_color default_language
      public_foreground public_background public_note custom_css
      public_registration public_registration_verify_email
    }
    license { source }
    rateLimit rateLimitGlobal websocket
    queryLimit { default max }
  }
}"""
ROLELESS_TOKEN = "roleless-static-token-44444444"
OUTSIDER_TOKEN = "no-app-access-roles-me-token-1"

DEFAULT_PROJECT = {
    "project_name": "Directus",
    "project_descriptor": None,
    "project_logo": None,
    "project_color": None,
    "default_language": None,
    "public_foreground": None,
    "public_background": None,
    "public_note": None,
    "custom_css": None,
    "public_registration": False,
    "public_registration_verify_email": True,
}
SIGNED_IN_LIMITS = {
    "rateLimit": False,
    "rateLimitGlobal": False,
    "websocket": True,
    "queryLimit": {"default": 100, "max": -1},
}


@pytest.fixture
async def seeded(services: Services) -> Seeded:
    """The shared seed plus an active user without a role (with a static token)."""
    data = await seed(services)
    remember_static_token(ROLELESS_TOKEN)
    async with services.db.write() as session:
        user = User(email="roleless@example.com", status="active", token=hash_token(ROLELESS_TOKEN))
        session.add(user)
        await session.flush()
        data.users["roleless"] = user.id
    return data


def _role(seeded: Seeded, name: str, *, admin: bool = False) -> dict[str, Any]:
    return {"id": seeded.roles[name], "name": name, "admin_access": admin, "app_access": True}


# roles_me ------------------------------------------------------------------------------


async def test_roles_me_is_the_admins_role(client: httpx.AsyncClient, seeded: Seeded) -> None:
    reply = await gql(client, ROLES_ME, token=ADMIN_TOKEN)
    assert reply.body == {"data": {"roles_me": [_role(seeded, ADMIN_ROLE, admin=True)]}}


async def test_roles_me_is_an_app_users_role(client: httpx.AsyncClient, seeded: Seeded) -> None:
    reply = await gql(client, ROLES_ME, token=BOB_TOKEN)
    assert reply.body == {"data": {"roles_me": [_role(seeded, "Editors")]}}


async def test_roles_me_adds_the_ancestors_of_the_role(
    client: httpx.AsyncClient, services: Services, seeded: Seeded
) -> None:
    """As Directus 12: the role, then its parent and grandparent (an app user reads them
    as Directus's minimal app permissions read $CURRENT_ROLES)."""
    grandparent = await make_role(services, "Grandparent")
    async with services.db.write() as session:
        for child, parent in (
            (seeded.roles["Viewers"], grandparent.id),
            (seeded.roles["Editors"], seeded.roles["Viewers"]),
        ):
            await session.exec(update(Role).where(col(Role.id) == child).values(parent=parent))
    reply = await gql(client, "{ roles_me { name } }", token=BOB_TOKEN)
    names = [{"name": "Editors"}, {"name": "Viewers"}, {"name": "Grandparent"}]
    assert reply.body == {"data": {"roles_me": names}}
    # The ancestors stay out of the app user's other reads (no $CURRENT_ROLES grant).
    reply = await gql(client, "{ roles_me { name parent { name } } }", token=BOB_TOKEN)
    assert reply.body["data"]["roles_me"][0] == {"name": "Editors", "parent": None}


async def test_roles_me_is_not_in_the_schema_of_a_user_without_a_role(
    client: httpx.AsyncClient, seeded: Seeded
) -> None:
    """Without a role, and without a grant to read roles, roles_me is absent (as Directus)."""
    reply = await gql(client, ROLES_ME, token=ROLELESS_TOKEN)
    assert_validation_error(reply)


async def test_roles_me_is_not_in_the_publics_schema(
    client: httpx.AsyncClient, seeded: Seeded
) -> None:
    """As Directus: a public that may not read roles has no roles_me."""
    assert_validation_error(await gql(client, ROLES_ME))


async def test_roles_me_is_forbidden_to_a_role_that_may_not_read_roles(
    client: httpx.AsyncClient, services: Services, seeded: Seeded
) -> None:
    """Without app access there is no default grant to read one's own role: roles_me is not
    in its schema."""
    await create_user(
        services, "outsider@example.com", None, app_access=False, static_token=OUTSIDER_TOKEN
    )
    assert_validation_error(await gql(client, ROLES_ME, token=OUTSIDER_TOKEN))


async def test_roles_me_follows_a_grant_of_a_role_without_app_access(
    client: httpx.AsyncClient, services: Services, seeded: Seeded
) -> None:
    outsider = await create_user(
        services, "outsider@example.com", None, app_access=False, static_token=OUTSIDER_TOKEN
    )
    await add_permission(
        services,
        outsider.role,
        ["id", "name"],
        {"id": {"_eq": "$CURRENT_ROLE"}},
        collection="directus_roles",
    )
    reply = await gql(client, "{ roles_me { id name } }", token=OUTSIDER_TOKEN)
    assert reply.body == {
        "data": {"roles_me": [{"id": outsider.role, "name": "role-for-outsider@example.com"}]}
    }
    # Fields outside the grant are not in its schema.
    denied = await gql(client, ROLES_ME, token=OUTSIDER_TOKEN)
    assert_validation_error(denied)


async def test_roles_me_with_the_roles_users(client: httpx.AsyncClient, seeded: Seeded) -> None:
    """An app user reads its own role, and of its members only itself."""
    reply = await gql(client, "{ roles_me { name users { email } } }", token=BOB_TOKEN)
    assert reply.body == {
        "data": {"roles_me": [{"name": "Editors", "users": [{"email": "bob.baker@example.com"}]}]}
    }


# server_info ---------------------------------------------------------------------------


async def test_server_info_shows_the_public_only_the_project(
    client: httpx.AsyncClient, seeded: Seeded
) -> None:
    reply = await gql(client, SERVER_INFO)
    assert reply.body == {
        "data": {
            "server_info": {
                "project": DEFAULT_PROJECT,
                "license": None,
                "rateLimit": None,
                "rateLimitGlobal": None,
                "websocket": None,
                "queryLimit": None,
            }
        }
    }


@pytest.mark.parametrize("token", [ADMIN_TOKEN, BOB_TOKEN, ROLELESS_TOKEN, OUTSIDER_TOKEN])
async def test_server_info_shows_signed_in_users_the_limits(
    client: httpx.AsyncClient, services: Services, seeded: Seeded, token: str
) -> None:
    await create_user(
        services, "outsider@example.com", None, app_access=False, static_token=OUTSIDER_TOKEN
    )
    reply = await gql(client, SERVER_INFO, token=token)
    assert reply.body == {
        "data": {"server_info": {"project": DEFAULT_PROJECT, "license": None, **SIGNED_IN_LIMITS}}
    }


async def test_server_info_shows_the_stored_project_whatever_may_be_read(
    client: httpx.AsyncClient, services: Services, seeded: Seeded
) -> None:
    """The public may not read the settings, yet sees the project's name and whether one
    may register; never the registration role, filter or password policy."""
    async with services.db.write() as session:
        await session.exec(
            update(ProjectSettings)
            .where(col(ProjectSettings.id) == 1)
            .values(
                project_name="Acme",
                public_registration=True,
                public_registration_verify_email=False,
                public_registration_role=seeded.roles["Viewers"],
                auth_password_policy="/^.{12,}$/",
            )
        )
    reply = await gql(
        client,
        "{ server_info { project { project_name public_registration "
        "public_registration_verify_email } } }",
    )
    assert reply.body == {
        "data": {
            "server_info": {
                "project": {
                    "project_name": "Acme",
                    "public_registration": True,
                    "public_registration_verify_email": False,
                }
            }
        }
    }
    assert_validation_error(await gql(client, "{ settings { project_name } }"))


class TestConfiguredLimits:
    @pytest.fixture
    def settings_overrides(self) -> dict[str, Any]:
        return {
            "rate_limiter_enabled": True,
            "query_limit_default": 25,
            "query_limit_max": 500,
            "websockets_enabled": False,
        }

    async def test_server_info_tells_the_configured_limits(
        self, client: httpx.AsyncClient, seeded: Seeded
    ) -> None:
        reply = await gql(
            client,
            "{ server_info { rateLimit rateLimitGlobal websocket queryLimit { default max } } }",
            token=BOB_TOKEN,
        )
        assert reply.body == {
            "data": {
                "server_info": {
                    "rateLimit": True,
                    "rateLimitGlobal": False,
                    "websocket": False,
                    "queryLimit": {"default": 25, "max": 500},
                }
            }
        }
