"""The passkeys API over REST: /users/me/passkeys (options, POST, GET, PATCH, DELETE) and
/auth/passkey/options and /auth/passkey/login in the three modes, cookies included."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import httpx
from starlette.applications import Starlette

from app.clock import SettableClock
from app.services.container import Services
from tests.conftest import app_client, create_user
from tests.passkey_authenticator import SoftAuthenticator
from tests.rest import (
    REFRESH_COOKIE,
    SESSION_COOKIE,
    assert_error,
    assert_no_content,
    bearer,
    rest_login,
)

ADA, PASSWORD = "ada.rest.passkey@example.com", "user-password-1"
PASSKEY_KEYS = {"id", "name", "date_created", "last_used", "transports", "aaguid"}


async def _register(
    client: httpx.AsyncClient, token: str, name: str | None = None
) -> tuple[SoftAuthenticator, dict[str, Any]]:
    response = await client.post("/users/me/passkeys/options", headers=bearer(token))
    assert response.status_code == 200, response.text
    authenticator = SoftAuthenticator()
    body: dict[str, Any] = {"credential": authenticator.create(response.json()["data"])}
    if name is not None:
        body["name"] = name
    response = await client.post("/users/me/passkeys", json=body, headers=bearer(token))
    assert response.status_code == 200, response.text
    passkey: dict[str, Any] = response.json()["data"]
    return authenticator, passkey


async def _options(client: httpx.AsyncClient, email: str | None = None) -> dict[str, Any]:
    if email is None:
        response = await client.post("/auth/passkey/options", json={})
    else:
        response = await client.get("/auth/passkey/options", params={"email": email})
    assert response.status_code == 200, response.text
    options: dict[str, Any] = response.json()["data"]
    return options


async def test_register_list_rename_and_delete(
    app: Starlette, services: Services, clock: SettableClock
) -> None:
    await create_user(services, ADA, PASSWORD)
    async with app_client(app) as client:
        token = (await rest_login(client, ADA, PASSWORD))["access_token"]
        _, first = await _register(client, token, "Laptop")
        clock.advance(timedelta(seconds=1))
        _, second = await _register(client, token)
        assert set(first) == PASSKEY_KEYS
        assert (first["name"], second["name"]) == ("Laptop", "Passkey")

        response = await client.get("/users/me/passkeys", headers=bearer(token))
        assert [key["id"] for key in response.json()["data"]] == [first["id"], second["id"]]

        response = await client.patch(
            f"/users/me/passkeys/{second['id']}", json={"name": "Phone"}, headers=bearer(token)
        )
        assert response.json()["data"]["name"] == "Phone"

        clock.advance(timedelta(minutes=6))  # no longer a fresh login
        response = await client.request(
            "DELETE", f"/users/me/passkeys/{first['id']}", headers=bearer(token)
        )
        assert_error(response, 400, "INVALID_PAYLOAD")
        response = await client.request(
            "DELETE",
            f"/users/me/passkeys/{first['id']}",
            json={"password": PASSWORD},
            headers=bearer(token),
        )
        assert_no_content(response)
        response = await client.get("/users/me/passkeys", headers=bearer(token))
        assert [key["name"] for key in response.json()["data"]] == ["Phone"]

        # Adding one now needs the password too.
        response = await client.post("/users/me/passkeys/options", headers=bearer(token))
        assert_error(response, 400, "INVALID_PAYLOAD")
        response = await client.post(
            "/users/me/passkeys/options", json={"password": PASSWORD}, headers=bearer(token)
        )
        assert response.status_code == 200, response.text


async def test_without_a_user_the_me_routes_are_invalid_credentials(app: Starlette) -> None:
    async with app_client(app) as client:
        assert_error(await client.get("/users/me/passkeys"), 401, "INVALID_CREDENTIALS")
        response = await client.post("/users/me/passkeys/options")
        assert_error(response, 401, "INVALID_CREDENTIALS")


async def test_login_in_each_mode_answers_as_auth_login(app: Starlette, services: Services) -> None:
    await create_user(services, ADA, PASSWORD)
    async with app_client(app) as client:
        token = (await rest_login(client, ADA, PASSWORD))["access_token"]
        authenticator, _ = await _register(client, token)

        credential = authenticator.get(await _options(client))
        response = await client.post("/auth/passkey/login", json={"credential": credential})
        assert response.status_code == 200, response.text
        assert set(response.json()["data"]) == {"access_token", "refresh_token", "expires"}

        credential = authenticator.get(await _options(client, ADA))
        response = await client.post(
            "/auth/passkey/login", json={"credential": credential, "mode": "cookie"}
        )
        assert set(response.json()["data"]) == {"access_token", "expires"}
        assert REFRESH_COOKIE in response.cookies

        credential = authenticator.get(await _options(client))
        response = await client.post(
            "/auth/passkey/login", json={"credential": credential, "mode": "session"}
        )
        assert set(response.json()["data"]) == {"expires"}
        cookie = response.cookies[SESSION_COOKIE]
        me = await client.get("/users/me", headers={"cookie": f"{SESSION_COOKIE}={cookie}"})
        assert me.json()["data"]["email"] == ADA


async def test_a_bad_login_body_is_coded(app: Starlette, services: Services) -> None:
    await create_user(services, ADA, PASSWORD)
    async with app_client(app) as client:
        response = await client.post("/auth/passkey/login", json={})
        assert_error(response, 400, "INVALID_PAYLOAD")
        response = await client.post("/auth/passkey/login", json={"credential": "not json"})
        assert_error(response, 400, "INVALID_PAYLOAD")
        response = await client.post(
            "/auth/passkey/login", json={"credential": {"response": {"clientDataJSON": "!!"}}}
        )
        assert_error(response, 400, "INVALID_PAYLOAD")
        token = (await rest_login(client, ADA, PASSWORD))["access_token"]
        authenticator, _ = await _register(client, token)
        credential = authenticator.get(await _options(client))
        response = await client.post(
            "/auth/passkey/login", json={"credential": credential, "mode": "sideways"}
        )
        assert_error(response, 400, "INVALID_PAYLOAD")
        credential["response"]["signature"] = credential["response"]["signature"][::-1]
        response = await client.post("/auth/passkey/login", json={"credential": credential})
        assert_error(response, 401, "INVALID_CREDENTIALS")


async def test_hostile_ids_and_names_are_coded_refusals(app: Starlette, services: Services) -> None:
    await create_user(services, ADA, PASSWORD)
    async with app_client(app) as client:
        token = (await rest_login(client, ADA, PASSWORD))["access_token"]
        authenticator, passkey = await _register(client, token)
        for bad in ("%00", "%F0%9F%98%80" * 20, "x" * 2000):
            response = await client.patch(
                f"/users/me/passkeys/{bad}", json={"name": "n"}, headers=bearer(token)
            )
            assert_error(response, 403, "FORBIDDEN")
            response = await client.request(
                "DELETE", f"/users/me/passkeys/{bad}", headers=bearer(token)
            )
            assert_error(response, 403, "FORBIDDEN")
        for name in ("a\x00b", "\ud800"):
            response = await client.patch(
                f"/users/me/passkeys/{passkey['id']}",
                content=json.dumps({"name": name}),  # escaped, as JSON.stringify writes it
                headers={**bearer(token), "content-type": "application/json"},
            )
            assert_error(response, 400, "INVALID_PAYLOAD")
        credential = authenticator.get(await _options(client))
        credential["id"] = "a\x00b"
        response = await client.post("/auth/passkey/login", json={"credential": credential})
        assert_error(response, 400, "INVALID_PAYLOAD")
        for email in ("a\x00b@example.com", "\ud800@example.com", "x" * 200):
            response = await client.post(
                "/auth/passkey/options",
                content=json.dumps({"email": email}),
                headers={"content-type": "application/json"},
            )
            assert_error(response, 400, "INVALID_PAYLOAD")
