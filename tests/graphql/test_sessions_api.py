"""The sessions API over GraphQL: users_me_sessions, users_me_sessions_revoke,
auth_logout(scope:), and the admins' `users_by_id { sessions }` / users_sessions_revoke
(SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import timedelta

import httpx
from starlette.applications import Starlette

from app.clock import SettableClock
from app.services.container import Services
from tests.conftest import app_client, create_user, gql, login
from tests.graphql.helpers import ME_ID, REFRESH, SESSION_COOKIE, claims_of
from tests.graphql.security_helpers import activity_rows, validation_messages
from tests.graphql.sessions_helpers import (
    CHROME_ON_LINUX,
    LOGOUT_SCOPED,
    MY_SESSIONS,
    REVOKE_MINE,
    REVOKE_USERS,
    USER_SESSIONS,
    current_ids,
    my_sessions,
    ok,
)

PASSWORD = "user-password-1"
ADA, BOB = "ada@example.com", "bob@example.com"


async def test_each_login_is_one_session_with_its_agent_and_nothing_current_in_json_mode(
    client: httpx.AsyncClient, services: Services
) -> None:
    await create_user(services, ADA, PASSWORD)
    first = await login(client, ADA, PASSWORD)
    second = (
        await gql(
            client,
            'mutation { auth_login(email: "ada@example.com", password: "user-password-1") '
            "{ access_token refresh_token } }",
            headers={"user-agent": CHROME_ON_LINUX},
        )
    ).data["auth_login"]
    rows = await my_sessions(client, first["access_token"])
    assert len(rows) == 2
    # A JSON-mode access token carries no session: nothing is current.
    assert current_ids(rows) == []
    chrome = [row for row in rows if row["user_agent"] == CHROME_ON_LINUX]
    assert len(chrome) == 1
    assert (chrome[0]["browser"], chrome[0]["os"]) == ("Chrome 120", "Linux")
    for row in rows:
        assert row["ip"] == "203.0.113.7"
        assert row["created"] == row["last_used"]
        assert row["expires"] > row["created"]
        # The id is the login's, never its token (or the token's hash).
        assert row["id"] not in (first["refresh_token"], second["refresh_token"])
        assert len(row["id"]) == 36


async def test_the_session_cookie_and_the_refresh_cookie_mark_their_login_current(
    app: Starlette, services: Services
) -> None:
    await create_user(services, ADA, PASSWORD)
    async with app_client(app) as cookie_tab, app_client(app) as session_tab:
        cookie_tokens = await login(cookie_tab, ADA, PASSWORD, mode="cookie")
        await login(session_tab, ADA, PASSWORD, mode="session")
        by_cookie = await my_sessions(cookie_tab, cookie_tokens["access_token"])
        by_session = await my_sessions(session_tab)  # the session cookie authenticates
        assert {row["id"] for row in by_cookie} == {row["id"] for row in by_session}
        assert len(current_ids(by_cookie)) == 1
        assert len(current_ids(by_session)) == 1
        assert current_ids(by_cookie) != current_ids(by_session)


async def test_a_refresh_keeps_the_id_and_moves_last_used(
    client: httpx.AsyncClient, services: Services, clock: SettableClock
) -> None:
    await create_user(services, ADA, PASSWORD)
    tokens = await login(client, ADA, PASSWORD)
    (before,) = await my_sessions(client, tokens["access_token"])
    clock.advance(timedelta(minutes=5))
    refreshed = ok(await gql(client, REFRESH, {"refresh_token": tokens["refresh_token"]}))
    (after,) = await my_sessions(client, refreshed["auth_refresh"]["access_token"])
    assert after["id"] == before["id"]
    assert after["created"] == before["created"]
    assert after["last_used"] > before["last_used"]
    assert after["expires"] > before["expires"]


async def test_revoking_a_session_ends_its_refresh_token_and_session_jwt_at_once(
    app: Starlette, services: Services
) -> None:
    await create_user(services, ADA, PASSWORD)
    async with app_client(app) as laptop, app_client(app) as phone:
        json_tokens = await login(laptop, ADA, PASSWORD)
        await login(phone, ADA, PASSWORD, mode="session")
        session_jwt = phone.cookies.get(SESSION_COOKIE)
        assert session_jwt
        phone_family = current_ids(await my_sessions(phone))
        assert len(phone_family) == 1
        json_family = [row["id"] for row in await my_sessions(laptop, json_tokens["access_token"])]
        json_family.remove(phone_family[0])

        # The phone ends the laptop's login: its refresh token is refused at once.
        ok(await gql(phone, REVOKE_MINE, {"id": json_family[0]}))
        refused = await gql(laptop, REFRESH, {"refresh_token": json_tokens["refresh_token"]})
        assert refused.codes == ["INVALID_CREDENTIALS"]

        # The laptop logs in again and ends the phone's login: its session JWT dies.
        again = await login(laptop, ADA, PASSWORD)
        ok(await gql(laptop, REVOKE_MINE, {"id": phone_family[0]}, token=again["access_token"]))
        dead = await gql(laptop, ME_ID, token=session_jwt)
        assert dead.status == 401
        assert dead.codes == ["INVALID_CREDENTIALS"]
        remaining = await my_sessions(laptop, again["access_token"])
        assert phone_family[0] not in [row["id"] for row in remaining]


async def test_another_users_session_or_an_unknown_id_is_forbidden_and_nothing_ends(
    app: Starlette, services: Services
) -> None:
    await create_user(services, ADA, PASSWORD)
    await create_user(services, BOB, PASSWORD)
    async with app_client(app) as ada_client, app_client(app) as bob_client:
        ada = await login(ada_client, ADA, PASSWORD)
        bob = await login(bob_client, BOB, PASSWORD)
        (bobs,) = await my_sessions(bob_client, bob["access_token"])
        unknown = ("00000000-0000-4000-8000-000000000000", "not-a-uuid", "x" * 500, "nul\u0000")
        for target in (bobs["id"], *unknown):
            reply = await gql(ada_client, REVOKE_MINE, {"id": target}, token=ada["access_token"])
            assert reply.codes == ["FORBIDDEN"], reply.body
            assert "data" not in reply.body
        # Bob's login still refreshes.
        ok(await gql(bob_client, REFRESH, {"refresh_token": bob["refresh_token"]}))
        # And the admins' mutation is not in an app user's schema.
        denied = await gql(
            ada_client,
            REVOKE_USERS,
            {"user": bobs["id"], "id": bobs["id"]},
            token=ada["access_token"],
        )
        assert denied.codes == ["GRAPHQL_VALIDATION"]


async def test_logout_others_keeps_this_login_and_global_ends_all(
    app: Starlette, services: Services
) -> None:
    await create_user(services, ADA, PASSWORD)
    async with app_client(app) as one, app_client(app) as two, app_client(app) as three:
        first = await login(one, ADA, PASSWORD)
        second = await login(two, ADA, PASSWORD)
        await login(three, ADA, PASSWORD, mode="session")
        ok(
            await gql(
                one, LOGOUT_SCOPED, {"refresh_token": first["refresh_token"], "scope": "others"}
            )
        )
        assert (await gql(two, REFRESH, {"refresh_token": second["refresh_token"]})).codes == [
            "INVALID_CREDENTIALS"
        ]
        assert (await gql(three, ME_ID)).status == 401
        refreshed = ok(await gql(one, REFRESH, {"refresh_token": first["refresh_token"]}))
        tokens = refreshed["auth_refresh"]
        assert len(await my_sessions(one, tokens["access_token"])) == 1

        ok(
            await gql(
                one, LOGOUT_SCOPED, {"refresh_token": tokens["refresh_token"], "scope": "global"}
            )
        )
        assert (await gql(one, REFRESH, {"refresh_token": tokens["refresh_token"]})).codes == [
            "INVALID_CREDENTIALS"
        ]


async def test_logout_others_from_a_session_cookie_keeps_that_session(
    app: Starlette, services: Services
) -> None:
    await create_user(services, ADA, PASSWORD)
    async with app_client(app) as browser, app_client(app) as other:
        await login(browser, ADA, PASSWORD, mode="session")
        elsewhere = await login(other, ADA, PASSWORD)
        ok(await gql(browser, LOGOUT_SCOPED, {"mode": "session", "scope": "others"}))
        assert (await gql(other, REFRESH, {"refresh_token": elsewhere["refresh_token"]})).codes == [
            "INVALID_CREDENTIALS"
        ]
        # `others` leaves this login alone, cookie included.
        assert browser.cookies.get(SESSION_COOKIE) is None  # the logout answer clears it...
        rows = [
            row
            for row in await my_sessions(other, (await login(other, ADA, PASSWORD))["access_token"])
        ]
        assert len(rows) == 2  # ...but the login itself lives on, beside the new one


async def test_admins_list_and_revoke_any_users_sessions_with_audit_entries(
    app: Starlette, services: Services, admin_token: str
) -> None:
    ada = await create_user(services, ADA, PASSWORD)
    async with app_client(app) as admin_client, app_client(app) as ada_client:
        tokens = await login(ada_client, ADA, PASSWORD)
        listed = ok(await gql(admin_client, USER_SESSIONS, {"id": ada.id}, token=admin_token))
        (session,) = listed["users_by_id"]["sessions"]
        assert session["current"] is False
        ok(
            await gql(
                admin_client, REVOKE_USERS, {"user": ada.id, "id": session["id"]}, token=admin_token
            )
        )
        refused = await gql(ada_client, REFRESH, {"refresh_token": tokens["refresh_token"]})
        assert refused.codes == ["INVALID_CREDENTIALS"]
        # Gone: a second revoke names no live login.
        again = await gql(
            admin_client, REVOKE_USERS, {"user": ada.id, "id": session["id"]}, token=admin_token
        )
        assert again.codes == ["FORBIDDEN"]

        rows = [
            r
            for r in await activity_rows(admin_client, admin_token)
            if r["action"] == "session.revoked"
        ]
        assert len(rows) == 1
        (entry,) = rows
        admin_id = claims_of(admin_token)["id"]
        assert entry["user"] == admin_id
        assert entry["item"] == session["id"]
        assert entry["collection"] == "directus_sessions"
        assert entry["ip"] == "203.0.113.7"
        assert ada.id in entry["comment"]


async def test_an_own_revoke_and_a_password_change_are_audited_alike(
    app: Starlette, services: Services, admin_token: str
) -> None:
    ada = await create_user(services, ADA, PASSWORD)
    async with app_client(app) as one, app_client(app) as two:
        first = await login(one, ADA, PASSWORD, mode="session")
        assert first["access_token"] is None
        second = await login(two, ADA, PASSWORD)
        (other,) = [row for row in await my_sessions(one) if not row["current"]]
        ok(await gql(one, REVOKE_MINE, {"id": other["id"]}))
        third = await login(two, ADA, PASSWORD)
        # A password change ends the other logins through the same path (and audit).
        ok(
            await gql(
                one,
                'mutation { update_users_me(data: {password: "a-new-password-2"}) { id } }',
            )
        )
        assert (await gql(two, REFRESH, {"refresh_token": third["refresh_token"]})).codes == [
            "INVALID_CREDENTIALS"
        ]
        assert len(await my_sessions(one)) == 1
    async with app_client(app) as admin_client:
        entries = [
            r
            for r in await activity_rows(admin_client, admin_token)
            if r["action"] == "session.revoked"
        ]
    assert [e["item"] for e in entries][-1] == other["id"]
    assert {e["user"] for e in entries} == {ada.id}
    assert len(entries) == 2
    assert second["refresh_token"] != third["refresh_token"]


async def test_anonymous_callers_have_no_sessions_api(client: httpx.AsyncClient) -> None:
    reply = await gql(client, MY_SESSIONS)
    assert reply.status == 400
    # (The hint names the passkeys list, which every caller's schema has.)
    assert validation_messages(reply) == [
        'Cannot query field "users_me_sessions" on type "Query". Did you mean "users_me_passkeys"?'
    ]
    revoke = await gql(client, REVOKE_MINE, {"id": "x"})
    assert revoke.codes == ["GRAPHQL_VALIDATION"]


async def test_sessions_on_users_are_in_admins_schemas_only(
    client: httpx.AsyncClient, services: Services, admin_token: str
) -> None:
    ada = await create_user(services, ADA, PASSWORD)
    tokens = await login(client, ADA, PASSWORD)
    reply = await gql(client, USER_SESSIONS, {"id": ada.id}, token=tokens["access_token"])
    assert reply.status == 400
    assert validation_messages(reply) == ['Cannot query field "sessions" on type "directus_users".']
    # An admin reading its own record sees its own login, and none is current (JSON mode).
    admin = ok(await gql(client, "{ users_me { id } }", token=admin_token))["users_me"]["id"]
    own = ok(await gql(client, USER_SESSIONS, {"id": admin}, token=admin_token))
    assert own["users_by_id"]["sessions"]
    assert not any(row["current"] for row in own["users_by_id"]["sessions"])
