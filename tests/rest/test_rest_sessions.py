"""The sessions API over REST: /users/me/sessions, /users/:id/sessions (GET, DELETE /:id)
and POST /auth/logout with a scope (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx
from starlette.applications import Starlette

from app.clock import SettableClock
from app.services.container import Services
from tests.conftest import app_client, create_user
from tests.graphql.security_helpers import activity_rows
from tests.graphql.sessions_helpers import CHROME_ON_LINUX
from tests.rest import (
    FORBIDDEN,
    INVALID_CREDENTIALS,
    SESSION_COOKIE,
    admin_token,
    assert_error,
    assert_no_content,
    bearer,
    error,
    rest_login,
)

ADA, BOB, PASSWORD = "ada@example.com", "bob@example.com", "user-password-1"
SESSION_KEYS = {
    "id",
    "created",
    "last_used",
    "expires",
    "ip",
    "user_agent",
    "browser",
    "os",
    "device",
    "current",
}


async def _mine(client: httpx.AsyncClient, token: str | None = None) -> list[dict[str, Any]]:
    response = await client.get("/users/me/sessions", headers=bearer(token) if token else None)
    assert response.status_code == 200, response.text
    rows: list[dict[str, Any]] = response.json()["data"]
    return rows


async def _refresh(client: httpx.AsyncClient, refresh_token: str) -> httpx.Response:
    return await client.post("/auth/refresh", json={"refresh_token": refresh_token})


async def test_my_sessions_list_each_login_and_the_current_one(
    app: Starlette, services: Services, clock: SettableClock
) -> None:
    await create_user(services, ADA, PASSWORD)
    async with app_client(app) as browser, app_client(app) as script:
        browser.headers["user-agent"] = CHROME_ON_LINUX
        await rest_login(browser, ADA, PASSWORD, mode="session")
        tokens = await rest_login(script, ADA, PASSWORD)
        rows = await _mine(browser)
        assert len(rows) == 2
        assert all(set(row) == SESSION_KEYS for row in rows)
        (current,) = [row for row in rows if row["current"]]
        assert (current["browser"], current["os"], current["user_agent"]) == (
            "Chrome 120",
            "Linux",
            CHROME_ON_LINUX,
        )
        # The JSON-mode caller's token names no session.
        assert not any(row["current"] for row in await _mine(script, tokens["access_token"]))

        clock.advance(timedelta(minutes=3))
        refreshed = await _refresh(script, tokens["refresh_token"])
        assert refreshed.status_code == 200, refreshed.text
        after = {row["id"]: row for row in await _mine(browser)}
        assert set(after) == {row["id"] for row in rows}
        moved = [row for row in after.values() if not row["current"]]
        assert moved[0]["last_used"] > moved[0]["created"]


async def test_deleting_my_session_ends_it_and_others_are_forbidden(
    app: Starlette, services: Services
) -> None:
    await create_user(services, ADA, PASSWORD)
    await create_user(services, BOB, PASSWORD)
    async with app_client(app) as ada_client, app_client(app) as bob_client:
        ada = await rest_login(ada_client, ADA, PASSWORD)
        await rest_login(bob_client, BOB, PASSWORD, mode="session")
        session_jwt = bob_client.cookies.get(SESSION_COOKIE)
        assert session_jwt
        (bobs,) = await _mine(bob_client)

        # Ada cannot end Bob's login, nor one that does not exist: the same FORBIDDEN.
        for target in (bobs["id"], "00000000-0000-4000-8000-000000000000"):
            refused = await ada_client.delete(
                f"/users/me/sessions/{target}", headers=bearer(ada["access_token"])
            )
            assert_error(refused, 403, "FORBIDDEN")
            assert refused.json() == FORBIDDEN
        assert (await bob_client.get("/users/me")).status_code == 200

        # Bob ends his own: the session cookie is refused at once.
        assert_no_content(await bob_client.delete(f"/users/me/sessions/{bobs['id']}"))
        dead = await ada_client.get("/users/me", headers=bearer(session_jwt))
        assert_error(dead, 401, "INVALID_CREDENTIALS")


async def test_anonymous_callers_are_refused_as_for_users_me(client: httpx.AsyncClient) -> None:
    listed = await client.get("/users/me/sessions")
    assert_error(listed, 401, "INVALID_CREDENTIALS")
    assert listed.json() == INVALID_CREDENTIALS
    assert_error(await client.delete("/users/me/sessions/x"), 401, "INVALID_CREDENTIALS")
    assert (await client.get("/users/me")).json() == INVALID_CREDENTIALS
    assert_error(await client.get("/users/x/sessions"), 403, "FORBIDDEN")
    assert_error(await client.delete("/users/x/sessions/y"), 403, "FORBIDDEN")


async def test_admins_read_and_end_any_users_sessions(app: Starlette, services: Services) -> None:
    ada = await create_user(services, ADA, PASSWORD)
    bob = await create_user(services, BOB, PASSWORD)
    async with app_client(app) as admin_client, app_client(app) as ada_client:
        token = await admin_token(admin_client)
        tokens = await rest_login(ada_client, ADA, PASSWORD)
        listed = await admin_client.get(f"/users/{ada.id}/sessions", headers=bearer(token))
        assert listed.status_code == 200, listed.text
        (session,) = listed.json()["data"]
        assert session["current"] is False

        # Another user (an app user) may not read or end Ada's sessions.
        bob_token = (await rest_login(ada_client, BOB, PASSWORD))["access_token"]
        assert_error(
            await ada_client.get(f"/users/{ada.id}/sessions", headers=bearer(bob_token)),
            403,
            "FORBIDDEN",
        )
        assert_error(
            await ada_client.delete(
                f"/users/{ada.id}/sessions/{session['id']}", headers=bearer(bob_token)
            ),
            403,
            "FORBIDDEN",
        )
        # An admin naming the wrong user for a session, or a user that does not exist.
        assert_error(
            await admin_client.delete(
                f"/users/{bob.id}/sessions/{session['id']}", headers=bearer(token)
            ),
            403,
            "FORBIDDEN",
        )
        for unknown in ("00000000-0000-4000-8000-000000000000", "x" * 300, "nul%00"):
            assert_error(
                await admin_client.get(f"/users/{unknown}/sessions", headers=bearer(token)),
                403,
                "FORBIDDEN",
            )
        assert (await _refresh(ada_client, tokens["refresh_token"])).status_code == 200

        ended = await admin_client.delete(
            f"/users/{ada.id}/sessions/{session['id']}", headers=bearer(token)
        )
        assert_no_content(ended)
        empty = await admin_client.get(f"/users/{ada.id}/sessions", headers=bearer(token))
        assert empty.json() == {"data": []}
        entries = [
            row
            for row in await activity_rows(admin_client, token)
            if row["action"] == "session.revoked"
        ]
        assert [(row["item"], row["collection"]) for row in entries] == [
            (session["id"], "directus_sessions")
        ]


async def test_logout_scopes_over_rest(app: Starlette, services: Services) -> None:
    await create_user(services, ADA, PASSWORD)
    async with app_client(app) as one, app_client(app) as two:
        first = await rest_login(one, ADA, PASSWORD)
        second = await rest_login(two, ADA, PASSWORD)
        bad = await one.post(
            "/auth/logout", json={"refresh_token": first["refresh_token"], "scope": "everyone"}
        )
        assert_error(bad, 400, "INVALID_PAYLOAD")
        assert bad.json() == error(
            "INVALID_PAYLOAD", 'Invalid payload. "scope" has to be local, others or global.'
        )
        assert_no_content(
            await one.post(
                "/auth/logout", json={"refresh_token": first["refresh_token"], "scope": "others"}
            )
        )
        assert_error(await _refresh(two, second["refresh_token"]), 401, "INVALID_CREDENTIALS")
        kept = await _refresh(one, first["refresh_token"])
        assert kept.status_code == 200, kept.text
        latest = kept.json()["data"]["refresh_token"]

        third = await rest_login(two, ADA, PASSWORD)
        assert_no_content(
            await one.post("/auth/logout", json={"refresh_token": latest, "scope": "global"})
        )
        assert_error(await _refresh(one, latest), 401, "INVALID_CREDENTIALS")
        assert_error(await _refresh(two, third["refresh_token"]), 401, "INVALID_CREDENTIALS")
