"""/policies, /access, /permissions over REST, as @directus/sdk's readPolicies,
createPolicy, readPermissions, createPermission call them; GET /permissions/me and
GET /policies/me/globals; /roles and /users with their policies, parents and children."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from app.db.models import PUBLIC_POLICY_ID
from app.services.container import Services
from tests.graphql.seed import ADMIN_ROLE, ADMIN_TOKEN, BOB_TOKEN, Seeded, seed
from tests.rest import FORBIDDEN, LAST_ADMIN, assert_error, bearer


@pytest.fixture
async def seeded(services: Services) -> Seeded:
    return await seed(services)


async def _send(
    client: httpx.AsyncClient,
    method: str,
    path: str,
    token: str | None = ADMIN_TOKEN,
    body: Any = None,
    **params: Any,
) -> httpx.Response:
    headers = bearer(token) if token else {}
    return await client.request(method, path, params=params, json=body, headers=headers)


def _data(response: httpx.Response) -> Any:
    assert response.status_code == 200, response.text
    return response.json()["data"]


async def test_an_admin_creates_a_policy_attaches_it_and_grants_through_it(
    client: httpx.AsyncClient, seeded: Seeded
) -> None:
    editors = seeded.roles["Editors"]
    body = {"name": "Auditors", "app_access": True, "ip_access": ["192.0.2.0/24"]}
    policy = _data(await _send(client, "POST", "/policies", body=body))
    assert {k: policy[k] for k in ("name", "admin_access", "app_access", "enforce_tfa")} == {
        "name": "Auditors",
        "admin_access": False,
        "app_access": True,
        "enforce_tfa": False,
    }
    assert policy["ip_access"] == ["192.0.2.0/24"]
    access = _data(
        await _send(client, "POST", "/access", body={"role": editors, "policy": policy["id"]})
    )
    assert (access["role"], access["user"], access["policy"]) == (editors, None, policy["id"])
    grant = {"policy": policy["id"], "collection": "directus_policies", "action": "read"}
    created = _data(await _send(client, "POST", "/permissions", body=[grant], fields="*"))
    assert [row["collection"] for row in created] == ["directus_policies"]
    assert isinstance(created[0]["id"], int)

    one = _data(
        await _send(
            client,
            "GET",
            f"/policies/{policy['id']}",
            fields="name,permissions.action,roles.role.name,users",
        )
    )
    assert one == {
        "name": "Auditors",
        "permissions": [{"action": "read"}],
        "roles": [{"role": {"name": "Editors"}}],
        "users": [],
    }
    listed = _data(
        await _send(client, "GET", "/permissions", filter='{"policy":{"name":{"_eq":"Auditors"}}}')
    )
    assert [row["id"] for row in listed] == [created[0]["id"]]
    response = await _send(client, "DELETE", f"/permissions/{created[0]['id']}")
    assert response.status_code == 204
    assert (
        _data(
            await _send(
                client, "GET", "/permissions", filter='{"policy":{"name":{"_eq":"Auditors"}}}'
            )
        )
        == []
    )


async def test_updates_meta_search_and_aggregates(
    client: httpx.AsyncClient, seeded: Seeded
) -> None:
    first = _data(await _send(client, "POST", "/policies", body={"name": "First"}))
    second = _data(await _send(client, "POST", "/policies", body={"name": "Second"}))
    keys = [first["id"], second["id"]]
    body = {"keys": keys, "data": {"enforce_tfa": True}}
    updated = _data(await _send(client, "PATCH", "/policies", body=body, fields="name,enforce_tfa"))
    assert updated == [
        {"name": "First", "enforce_tfa": True},
        {"name": "Second", "enforce_tfa": True},
    ]
    patched = _data(
        await _send(client, "PATCH", f"/policies/{first['id']}", body={"description": "one"})
    )
    assert patched["description"] == "one"
    response = await _send(
        client, "SEARCH", "/policies", body={"query": {"search": "secon", "fields": ["name"]}}
    )
    assert _data(response) == [{"name": "Second"}]
    response = await _send(client, "GET", "/policies", meta="total_count", limit=1)
    assert response.json()["meta"]["total_count"] >= 4
    grouped = _data(
        await _send(
            client, "GET", "/policies", **{"aggregate[count]": "*", "groupBy[]": "enforce_tfa"}
        )
    )
    assert {row["enforce_tfa"]: int(row["count"]) for row in grouped}[True] == 2
    response = await _send(client, "DELETE", "/policies", body=keys)
    assert response.status_code == 204
    names = [row["name"] for row in _data(await _send(client, "GET", "/policies"))]
    assert not {"First", "Second"} & set(names)


async def test_app_users_and_the_public_are_refused(
    client: httpx.AsyncClient, seeded: Seeded
) -> None:
    for token in (BOB_TOKEN, None):
        for path in ("/policies", "/access", "/permissions"):
            response = await _send(client, "GET", path, token)
            assert response.status_code == 403, response.text
            assert response.json() == FORBIDDEN
        response = await _send(
            client, "POST", "/policies", token, {"name": "Mine", "admin_access": True}
        )
        assert response.status_code == 403
    response = await _send(client, "GET", "/permissions/me", None)
    assert response.status_code == 403


async def test_the_last_admin_guard_answers_422(client: httpx.AsyncClient, seeded: Seeded) -> None:
    admin_role = seeded.roles[ADMIN_ROLE]
    response = await _send(client, "PATCH", f"/policies/{admin_role}", body={"admin_access": False})
    assert response.status_code == 422
    assert response.json() == LAST_ADMIN
    response = await _send(client, "DELETE", f"/policies/{admin_role}")
    assert response.status_code == 422
    rows = _data(
        await _send(client, "GET", "/access", filter=f'{{"role":{{"_eq":"{admin_role}"}}}}')
    )
    response = await _send(client, "DELETE", "/access", body=[row["id"] for row in rows])
    assert response.status_code == 422
    assert response.json() == LAST_ADMIN


async def test_me_globals_and_permissions(client: httpx.AsyncClient, seeded: Seeded) -> None:
    assert _data(await _send(client, "GET", "/policies/me/globals")) == {
        "admin_access": True,
        "app_access": True,
        "enforce_tfa": False,
    }
    assert _data(await _send(client, "GET", "/policies/me/globals", BOB_TOKEN)) == {
        "admin_access": False,
        "app_access": True,
        "enforce_tfa": False,
    }
    public = _data(await _send(client, "GET", "/policies/me/globals", None))
    assert public == {"admin_access": False, "app_access": False, "enforce_tfa": False}
    everything = _data(await _send(client, "GET", "/permissions/me"))
    assert everything["directus_users"]["create"] == {"access": "full", "fields": ["*"]}
    own = _data(await _send(client, "GET", "/permissions/me", BOB_TOKEN))
    assert own["directus_roles"]["read"]["access"] == "partial"
    assert own["directus_roles"]["update"] == {"access": "none"}
    # A public policy's grant reaches requests with no user only (Directus 11/12).
    grant = {
        "policy": PUBLIC_POLICY_ID,
        "collection": "directus_policies",
        "action": "read",
        "fields": ["name"],
    }
    _data(await _send(client, "POST", "/permissions", body=grant))
    own = _data(await _send(client, "GET", "/permissions/me", BOB_TOKEN))
    assert "directus_policies" not in own
    names = _data(await _send(client, "GET", "/policies", None, fields="name"))
    assert {"name": "Public"} in names


async def test_roles_and_users_show_policies_parents_and_children(
    client: httpx.AsyncClient, seeded: Seeded
) -> None:
    editors, viewers = seeded.roles["Editors"], seeded.roles["Viewers"]
    child = _data(await _send(client, "PATCH", f"/roles/{viewers}", body={"parent": editors}))
    assert child["parent"] == editors
    role = _data(
        await _send(
            client, "GET", f"/roles/{editors}", fields="*,policies.*,children.name,parent.name"
        )
    )
    assert role["children"] == [{"name": "Viewers"}]
    assert role["parent"] is None
    assert [(item["role"], item["policy"]) for item in role["policies"]] == [(editors, editors)]
    roles = _data(await _send(client, "GET", "/roles", fields="name,parent.name", sort="name"))
    assert {"name": "Viewers", "parent": {"name": "Editors"}} in roles
    # A role created with policies of its own gets exactly those.
    body = {"name": "Auditing", "policies": [{"policy": PUBLIC_POLICY_ID}]}
    created = _data(await _send(client, "POST", "/roles", body=body, fields="name,policies.policy"))
    assert created == {"name": "Auditing", "policies": [{"policy": PUBLIC_POLICY_ID}]}
    alice = seeded.users["alice"]
    user = _data(await _send(client, "GET", f"/users/{alice}", fields="email,policies,role.name"))
    assert user == {
        "email": "Alice.Anderson@Example.com",
        "policies": [],
        "role": {"name": "Editors"},
    }


async def test_roles_me_reads_the_role_and_its_ancestors(
    client: httpx.AsyncClient, seeded: Seeded
) -> None:
    editors, viewers = seeded.roles["Editors"], seeded.roles["Viewers"]
    _data(await _send(client, "PATCH", f"/roles/{editors}", body={"parent": viewers}))
    mine = _data(await _send(client, "GET", "/roles/me", BOB_TOKEN, fields="id,name"))
    assert mine == [{"id": editors, "name": "Editors"}, {"id": viewers, "name": "Viewers"}]
    response = await _send(client, "GET", "/roles/me", None)
    assert response.status_code == 403


async def test_a_policy_is_created_with_its_permissions_and_roles(
    client: httpx.AsyncClient, seeded: Seeded
) -> None:
    viewers = seeded.roles["Viewers"]
    body = {
        "name": "Bundled",
        "app_access": True,
        "permissions": [{"collection": "directus_policies", "action": "read", "fields": ["*"]}],
        "roles": [{"role": viewers}],
        "users": [{"user": seeded.users["alice"]}],
    }
    fields = "name,permissions.collection,roles.role,users.user"
    created = _data(await _send(client, "POST", "/policies", body=body, fields=fields))
    assert created == {
        "name": "Bundled",
        "permissions": [{"collection": "directus_policies"}],
        "roles": [{"role": viewers}],
        "users": [{"user": seeded.users["alice"]}],
    }
    response = await _send(client, "PATCH", "/policies", body={"keys": [], "data": {"roles": []}})
    assert_error(response, 400, "INVALID_PAYLOAD")
    # A `roles` item names a role, else it would attach the policy to the public.
    body = {"name": "Broken", "roles": [{"sort": 1}]}
    assert_error(await _send(client, "POST", "/policies", body=body), 400, "INVALID_PAYLOAD")
    names = [row["name"] for row in _data(await _send(client, "GET", "/policies"))]
    assert "Broken" not in names


async def test_a_role_grant_does_not_attach_policies_without_an_access_grant(
    client: httpx.AsyncClient, seeded: Seeded
) -> None:
    editors, admin_role = seeded.roles["Editors"], seeded.roles[ADMIN_ROLE]
    # Bob's role may update every field of itself, but not write access rows.
    grant = {"policy": editors, "collection": "directus_roles", "action": "update", "fields": ["*"]}
    _data(await _send(client, "POST", "/permissions", body=grant))
    body = {"policies": [{"policy": admin_role}]}
    response = await _send(client, "PATCH", f"/roles/{editors}", BOB_TOKEN, body)
    assert response.status_code == 403, response.text
    assert (
        _data(await _send(client, "GET", "/policies/me/globals", BOB_TOKEN))["admin_access"]
        is False
    )
    response = await _send(client, "PATCH", f"/roles/{editors}", BOB_TOKEN, {"icon": "edit"})
    assert _data(response)["icon"] == "edit"


async def test_numbers_out_of_range_are_refused_not_failed(
    client: httpx.AsyncClient, seeded: Seeded
) -> None:
    response = await _send(client, "GET", "/permissions/99999999999999999999")
    assert response.status_code == 403
    response = await _send(client, "GET", "/permissions/4294967296")
    assert response.status_code == 403
    body = {"policy": PUBLIC_POLICY_ID, "sort": 2**40}
    assert_error(await _send(client, "POST", "/access", body=body), 400, "FAILED_VALIDATION")
    body = {"policy": PUBLIC_POLICY_ID, "collection": "x", "action": "read", "id": "12a"}
    assert_error(await _send(client, "POST", "/permissions", body=body), 400, "FAILED_VALIDATION")
    response = await _send(client, "GET", "/permissions", filter='{"id":{"_eq":1099511627776}}')
    assert_error(response, 400, "INVALID_QUERY")
