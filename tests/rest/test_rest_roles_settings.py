"""/roles, /settings and /server/info over REST, as @directus/sdk's readRoles, createRole(s),
updateRole(s), deleteRole(s), readSettings, updateSettings and serverInfo call them."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from app.services.container import Services
from tests.conftest import create_user
from tests.graphql.mutation_seed import role_row, settings_row, stored_role
from tests.graphql.seed import ADMIN_ROLE, ADMIN_TOKEN, BOB_TOKEN, Seeded, add_permission, seed
from tests.rest import FORBIDDEN, LAST_ADMIN, assert_error, assert_no_content, bearer, error

OUTSIDER_TOKEN = "no-app-access-rest-roles-token"
ROLE_FIELDS = {
    "id",
    "name",
    "icon",
    "description",
    "ip_access",
    "enforce_tfa",
    "admin_access",
    "app_access",
    # Directus 12's nested roles: the parent's id.
    "parent",
}
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


@pytest.fixture
async def seeded(services: Services) -> Seeded:
    return await seed(services)


async def _get(
    client: httpx.AsyncClient, path: str, token: str | None = ADMIN_TOKEN, **params: Any
) -> httpx.Response:
    return await client.get(path, params=params, headers=bearer(token) if token else {})


def _names(response: httpx.Response) -> list[str]:
    assert response.status_code == 200, response.text
    return [row["name"] for row in response.json()["data"]]


# /server/info ----------------------------------------------------------------------------


async def test_server_info_shows_the_public_the_project(
    client: httpx.AsyncClient, seeded: Seeded
) -> None:
    response = await _get(client, "/server/info", None)
    assert response.status_code == 200
    assert response.json() == {"data": {"project": DEFAULT_PROJECT}}


@pytest.mark.parametrize("token", [ADMIN_TOKEN, BOB_TOKEN])
async def test_server_info_shows_users_the_limits(
    client: httpx.AsyncClient, seeded: Seeded, token: str
) -> None:
    response = await _get(client, "/server/info", token)
    assert response.json() == {
        "data": {
            "project": DEFAULT_PROJECT,
            "rateLimit": False,
            "rateLimitGlobal": False,
            "queryLimit": {"default": 100, "max": -1},
            "websocket": {
                "rest": False,
                "graphql": {"authentication": "public", "path": "/graphql/system"},
                "heartbeat": False,
                "logs": False,
            },
        }
    }


class TestConfiguredLimits:
    @pytest.fixture
    def settings_overrides(self) -> dict[str, Any]:
        return {
            "rate_limiter_enabled": True,
            "rate_limiter_points": 40,
            "rate_limiter_duration": "2s",
            "websockets_enabled": False,
        }

    async def test_server_info_tells_the_limiter_as_directus(
        self, client: httpx.AsyncClient, seeded: Seeded
    ) -> None:
        """Points and the duration in seconds (Directus's RATE_LIMITER_DURATION unit)."""
        data = (await _get(client, "/server/info", BOB_TOKEN)).json()["data"]
        assert data["rateLimit"] == {"points": 40, "duration": 2}
        assert data["rateLimitGlobal"] is False
        assert data["websocket"] is False


# Reading /roles --------------------------------------------------------------------------


async def test_an_admin_reads_every_role_with_query_parameters(
    client: httpx.AsyncClient, seeded: Seeded
) -> None:
    every = await _get(client, "/roles", sort="name")
    assert _names(every) == [ADMIN_ROLE, "Editors", "Viewers"]
    assert set(every.json()["data"][0]) == ROLE_FIELDS
    assert "meta" not in every.json()
    window = await _get(client, "/roles", sort="-name", limit="1", page="2", meta="*")
    assert _names(window) == ["Editors"]
    assert window.json()["meta"] == {"total_count": 3, "filter_count": 3}
    filtered = await _get(client, "/roles", **{"filter[name][_eq]": "Viewers", "fields": "name"})
    assert filtered.json() == {"data": [{"name": "Viewers"}]}
    as_json = await _get(client, "/roles", filter=json.dumps({"name": {"_starts_with": "Ed"}}))
    assert _names(as_json) == ["Editors"]
    assert _names(await _get(client, "/roles", search="view")) == ["Viewers"]


async def test_search_reads_roles_with_the_query_in_the_body(
    client: httpx.AsyncClient, seeded: Seeded
) -> None:
    response = await client.request(
        "SEARCH",
        "/roles",
        json={"query": {"filter": {"admin_access": {"_eq": False}}, "sort": ["name"]}},
        headers=bearer(ADMIN_TOKEN),
    )
    assert _names(response) == ["Editors", "Viewers"]


async def test_roles_are_counted_and_grouped(client: httpx.AsyncClient, seeded: Seeded) -> None:
    counted = await _get(client, "/roles", **{"aggregate[count]": "*", "groupBy": "admin_access"})
    assert counted.json() == {
        "data": [{"admin_access": False, "count": 2}, {"admin_access": True, "count": 1}]
    }


async def test_a_roles_users_are_the_ids_of_its_members(
    client: httpx.AsyncClient, seeded: Seeded
) -> None:
    response = await _get(client, f"/roles/{seeded.roles['Editors']}", fields="name,users")
    data = response.json()["data"]
    assert data["name"] == "Editors"
    assert sorted(data["users"]) == sorted([seeded.users["alice"], seeded.users["bob"]])


async def test_an_app_user_reads_only_its_own_role(
    client: httpx.AsyncClient, seeded: Seeded
) -> None:
    assert _names(await _get(client, "/roles", BOB_TOKEN)) == ["Editors"]
    own = await _get(client, f"/roles/{seeded.roles['Editors']}", BOB_TOKEN, fields="id,name")
    assert own.json() == {"data": {"id": seeded.roles["Editors"], "name": "Editors"}}
    other = await _get(client, f"/roles/{seeded.roles['Viewers']}", BOB_TOKEN)
    assert other.json() == FORBIDDEN
    assert other.status_code == 403


async def test_the_public_may_not_read_roles(client: httpx.AsyncClient, seeded: Seeded) -> None:
    response = await _get(client, "/roles", None)
    assert response.status_code == 403
    assert response.json() == FORBIDDEN


async def test_an_unknown_role_is_forbidden(client: httpx.AsyncClient, seeded: Seeded) -> None:
    response = await _get(client, "/roles/00000000-0000-4000-8000-000000000000")
    assert response.json() == FORBIDDEN


# Writing /roles --------------------------------------------------------------------------


async def test_an_admin_creates_updates_and_deletes_one_role(
    client: httpx.AsyncClient, services: Services, seeded: Seeded
) -> None:
    admin = bearer(ADMIN_TOKEN)
    created = await client.post(
        "/roles", json={"name": "Auditors", "app_access": False}, headers=admin
    )
    assert created.status_code == 200, created.text
    role = created.json()["data"]
    assert set(role) == ROLE_FIELDS
    assert (role["name"], role["app_access"]) == ("Auditors", False)

    updated = await client.patch(
        f"/roles/{role['id']}",
        params={"fields": "name,description"},
        json={"description": "They audit"},
        headers=admin,
    )
    assert updated.json() == {"data": {"name": "Auditors", "description": "They audit"}}
    assert (await stored_role(services, role["id"])).description == "They audit"

    assert_no_content(await client.delete(f"/roles/{role['id']}", headers=admin))
    assert await role_row(services, role["id"]) is None


async def test_an_admin_creates_updates_and_deletes_many_roles(
    client: httpx.AsyncClient, services: Services, seeded: Seeded
) -> None:
    admin = bearer(ADMIN_TOKEN)
    created = await client.post(
        "/roles",
        params={"fields": "id,name"},
        json=[{"name": "One"}, {"name": "Two"}],
        headers=admin,
    )
    rows = created.json()["data"]
    assert [row["name"] for row in rows] == ["One", "Two"]
    ids = [row["id"] for row in rows]

    by_keys = await client.patch(
        "/roles",
        params={"fields": "icon"},
        json={"keys": ids, "data": {"icon": "star"}},
        headers=admin,
    )
    assert by_keys.json() == {"data": [{"icon": "star"}, {"icon": "star"}]}

    batch = await client.patch(
        "/roles",
        params={"fields": "name"},
        json=[{"id": ids[0], "name": "Uno"}, {"id": ids[1], "name": "Dos"}],
        headers=admin,
    )
    assert batch.json() == {"data": [{"name": "Uno"}, {"name": "Dos"}]}

    deleted = await client.request("DELETE", "/roles", json=ids, headers=admin)
    assert_no_content(deleted)
    assert [await role_row(services, role_id) for role_id in ids] == [None, None]


async def test_a_batch_update_is_all_or_nothing(
    client: httpx.AsyncClient, services: Services, seeded: Seeded
) -> None:
    editors = seeded.roles["Editors"]
    response = await client.patch(
        "/roles",
        json=[{"id": editors, "name": "Renamed"}, {"name": "No id"}],
        headers=bearer(ADMIN_TOKEN),
    )
    assert_error(response, 400, "INVALID_PAYLOAD")
    assert (await stored_role(services, editors)).name == "Editors"


async def test_the_last_admin_role_keeps_admin_access(
    client: httpx.AsyncClient, seeded: Seeded
) -> None:
    response = await client.patch(
        f"/roles/{seeded.roles[ADMIN_ROLE]}",
        json={"admin_access": False},
        headers=bearer(ADMIN_TOKEN),
    )
    assert response.status_code == 422
    assert response.json() == LAST_ADMIN


async def test_an_app_user_may_not_write_roles(
    client: httpx.AsyncClient, services: Services, seeded: Seeded
) -> None:
    bob = bearer(BOB_TOKEN)
    editors = seeded.roles["Editors"]
    assert (await client.post("/roles", json={"name": "Mine"}, headers=bob)).json() == FORBIDDEN
    patched = await client.patch(f"/roles/{editors}", json={"admin_access": True}, headers=bob)
    assert patched.json() == FORBIDDEN
    assert (await client.delete(f"/roles/{editors}", headers=bob)).json() == FORBIDDEN
    assert (await stored_role(services, editors)).admin_access is False


async def test_who_may_create_but_not_read_roles_gets_204(
    client: httpx.AsyncClient, services: Services, seeded: Seeded
) -> None:
    """As Directus: the write happened, so the answer is no content rather than FORBIDDEN."""
    outsider = await create_user(
        services, "outsider@example.com", None, app_access=False, static_token=OUTSIDER_TOKEN
    )
    await add_permission(
        services, outsider.role, ["*"], None, collection="directus_roles", action="create"
    )
    response = await client.post("/roles", json={"name": "Blind"}, headers=bearer(OUTSIDER_TOKEN))
    assert_no_content(response)
    listed = await _get(client, "/roles", filter=json.dumps({"name": {"_eq": "Blind"}}))
    assert _names(listed) == ["Blind"]


@pytest.mark.parametrize(
    "body", [{"keys": "not-a-list", "data": {}}, {"keys": []}, "text", None], ids=str
)
async def test_a_bad_multi_update_is_an_invalid_payload(
    client: httpx.AsyncClient, seeded: Seeded, body: Any
) -> None:
    response = await client.patch(
        "/roles",
        content=json.dumps(body),
        headers={**bearer(ADMIN_TOKEN), "content-type": "application/json"},
    )
    assert_error(response, 400, "INVALID_PAYLOAD")


# /settings -------------------------------------------------------------------------------


async def test_an_admin_reads_the_settings(client: httpx.AsyncClient, seeded: Seeded) -> None:
    response = await _get(client, "/settings")
    assert response.json() == {
        "data": {
            "id": 1,
            "project_name": "Directus",
            "project_color": None,
            "project_logo": None,
            "public_registration": False,
            "public_registration_verify_email": True,
            "public_registration_role": None,
            "public_registration_email_filter": None,
            "auth_login_attempts": 25,
            "auth_password_policy": None,
        }
    }


async def test_settings_with_the_registration_role_nested(
    client: httpx.AsyncClient, services: Services, seeded: Seeded
) -> None:
    viewers = seeded.roles["Viewers"]
    response = await client.patch(
        "/settings",
        params={"fields": "project_name,public_registration_role.name"},
        json={"project_name": "Acme", "public_registration_role": viewers},
        headers=bearer(ADMIN_TOKEN),
    )
    assert response.json() == {
        "data": {"project_name": "Acme", "public_registration_role": {"name": "Viewers"}}
    }
    row = await settings_row(services)
    assert (row.project_name, row.public_registration_role) == ("Acme", viewers)
    plain = await _get(client, "/settings", fields="public_registration_role")
    assert plain.json() == {"data": {"public_registration_role": viewers}}


async def test_an_app_user_reads_but_may_not_change_the_settings(
    client: httpx.AsyncClient, services: Services, seeded: Seeded
) -> None:
    read = await _get(client, "/settings", BOB_TOKEN, fields="project_name,auth_login_attempts")
    assert read.json() == {"data": {"project_name": "Directus", "auth_login_attempts": 25}}
    response = await client.patch(
        "/settings", json={"project_name": "Mine"}, headers=bearer(BOB_TOKEN)
    )
    assert response.json() == FORBIDDEN
    assert (await settings_row(services)).project_name == "Directus"


async def test_the_public_reads_settings_only_by_a_public_grant(
    client: httpx.AsyncClient, services: Services, seeded: Seeded
) -> None:
    assert (await _get(client, "/settings", None)).json() == FORBIDDEN
    await add_permission(services, None, ["*"], None, collection="directus_settings")
    response = await _get(client, "/settings", None)
    assert response.json() == {
        "data": {
            "project_name": "Directus",
            "project_color": None,
            "project_logo": None,
            "public_registration": False,
            "public_registration_verify_email": True,
        }
    }
    denied = await _get(client, "/settings", None, fields="auth_password_policy")
    assert denied.json() == error(
        "FORBIDDEN",
        'You don\'t have permission to access field "auth_password_policy" in collection '
        '"directus_settings" or it does not exist. Queried in root.',
    )


async def test_a_bad_settings_value_is_refused(
    client: httpx.AsyncClient, services: Services, seeded: Seeded
) -> None:
    response = await client.patch(
        "/settings", json={"auth_login_attempts": -1}, headers=bearer(ADMIN_TOKEN)
    )
    assert_error(response, 400, "FAILED_VALIDATION")
    unknown = await client.patch("/settings", json={"nope": 1}, headers=bearer(ADMIN_TOKEN))
    assert_error(unknown, 400, "INVALID_PAYLOAD")
    assert (await settings_row(services)).auth_login_attempts == 25
