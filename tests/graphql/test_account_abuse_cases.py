"""Abuse cases an attacker-style review found (registration takeover and oracle, cookies
replaced inside the grace window, hostile settings values, REST/GraphQL disagreement): each
test pins what a careful server (or Directus 12) answers."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx
import pytest

from app.clock import SettableClock
from app.db.models import new_id
from app.services.container import Services
from tests.conftest import LOGIN, create_role, create_user, gql, login
from tests.graphql.helpers import ME_ID, REFRESH, SESSION_COOKIE, cookie_header_for
from tests.graphql.seed import ADMIN_TOKEN, Seeded, seed
from tests.graphql.test_registration import (
    VERIFY,
    enable_registration,
    flow_settings,
    register,
)
from tests.graphql.test_session_grace import as_cookie
from tests.mail_links import delivered, link_in, token_of
from tests.mail_server import Inbox
from tests.rest import bearer


async def session_login(client: httpx.AsyncClient, email: str, password: str) -> str:
    await login(client, email, password, mode="session")
    value = client.cookies.get(SESSION_COOKIE)
    assert value
    client.cookies.clear()
    return value


async def session_refresh(client: httpx.AsyncClient, cookie: str) -> str:
    reply = await gql(client, REFRESH, {"mode": "session"}, headers=as_cookie(cookie))
    assert reply.status == 200, reply.body
    client.cookies.clear()
    return cookie_header_for(reply.response.headers, SESSION_COOKIE).split(";")[0].split("=", 1)[1]


# Registration: the email filter is checked after the address is looked up ----------------


class TestRegistrationEmailFilterOracle:
    """Directus checks `public_registration_email_filter` against the input before it looks
    the address up, so the answer never depends on whether an account exists. Here an active
    account outside the filter answers `true` while an unknown address answers FORBIDDEN."""

    @pytest.fixture
    def settings_overrides(self, smtp: tuple[int, Inbox]) -> dict[str, Any]:
        return flow_settings(smtp[0])

    async def test_answer_does_not_tell_whether_an_account_exists(
        self, client: httpx.AsyncClient, services: Services, admin_token: str
    ) -> None:
        role = new_id()
        await create_role(services, role, "Members")
        await enable_registration(
            client, admin_token, role, email_filter={"email": {"_ends_with": "@corp.example.com"}}
        )
        await create_user(services, "ceo@elsewhere.example.org")  # an account made by an admin

        known = await register(client, "ceo@elsewhere.example.org")
        unknown = await register(client, "nobody@elsewhere.example.org")
        assert unknown["errors"][0]["extensions"]["code"] == "FORBIDDEN"
        # Both addresses fail the filter: the answers must be the same.
        assert known == unknown


class TestRegistrationResendPreHijack:
    """Re-registering an unverified address re-sends the verification mail but keeps the
    FIRST registrant's password. An attacker registers the victim's address first; the victim
    later registers (with their own password), gets a mail, clicks it, and so activates an
    account whose password is the attacker's."""

    @pytest.fixture
    def settings_overrides(self, smtp: tuple[int, Inbox]) -> dict[str, Any]:
        return flow_settings(smtp[0])

    async def test_the_victims_own_verification_does_not_activate_the_attackers_password(
        self, client: httpx.AsyncClient, services: Services, inbox: Inbox, admin_token: str
    ) -> None:
        role = new_id()
        await create_role(services, role, "Members")
        await enable_registration(client, admin_token, role)
        victim = "victim@example.com"
        assert await register(client, victim, "attacker-password-1") == {
            "data": {"users_register": True}
        }
        assert await register(client, victim, "victim-password-1") == {
            "data": {"users_register": True}
        }
        # The victim follows the mail their own registration brought.
        token = token_of(link_in((await delivered(services, inbox))[-1]))
        verified = await gql(client, VERIFY, {"token": token})
        assert verified.body == {"data": {"users_register_verify": True}}

        attacker = await gql(
            client, LOGIN, {"email": victim, "password": "attacker-password-1", "mode": "json"}
        )
        assert attacker.body.get("errors"), "the attacker logs in to the victim's account"


# Session grace window -----------------------------------------------------------------


async def test_suspending_a_user_ends_the_replaced_cookie_inside_the_grace_window(
    client: httpx.AsyncClient, services: Services, clock: SettableClock, admin_token: str
) -> None:
    user = await create_user(services, "grace-suspend@example.com", "pw-grace-1")
    old = await session_login(client, "grace-suspend@example.com", "pw-grace-1")
    await session_refresh(client, old)
    reply = await gql(
        client,
        'mutation($id: ID!) { update_users_item(id: $id, data: {status: "suspended"}) { id } }',
        {"id": user.id},
        token=admin_token,
    )
    assert not reply.body.get("errors"), reply.body
    clock.advance(timedelta(seconds=1))
    assert (await gql(client, ME_ID, headers=as_cookie(old))).status == 401
    again = await gql(client, REFRESH, {"mode": "session"}, headers=as_cookie(old))
    assert again.status == 401 or again.body.get("errors"), again.body


async def test_an_admin_password_change_ends_the_replaced_cookie_inside_the_grace_window(
    client: httpx.AsyncClient, services: Services, clock: SettableClock, admin_token: str
) -> None:
    user = await create_user(services, "grace-pw@example.com", "pw-grace-2")
    old = await session_login(client, "grace-pw@example.com", "pw-grace-2")
    await session_refresh(client, old)
    reply = await gql(
        client,
        'mutation($id: ID!) { update_users_item(id: $id, data: {password: "new-pw-9"}) { id } }',
        {"id": user.id},
        token=admin_token,
    )
    assert not reply.body.get("errors"), reply.body
    assert (await gql(client, ME_ID, headers=as_cookie(old))).status == 401


# New REST routes with hostile input ------------------------------------------------------


@pytest.fixture
async def seeded(services: Services) -> Seeded:
    return await seed(services)


@pytest.mark.parametrize("attempts", [2**31, 2**63, 10**30])
async def test_settings_patch_with_a_huge_integer_is_refused_alike_on_both_databases(
    client: httpx.AsyncClient, seeded: Seeded, attempts: int
) -> None:
    """GraphQL's Int stops this at 32 bits; the new REST PATCH /settings takes any JSON
    integer: PostgreSQL refuses it (INVALID_PAYLOAD), SQLite stores it, and logins then run
    with whatever the driver made of it."""
    response = await client.patch(
        "/settings", json={"auth_login_attempts": attempts}, headers=bearer(ADMIN_TOKEN)
    )
    assert response.status_code == 400, response.text
    assert response.json()["errors"][0]["extensions"]["code"] in {
        "FAILED_VALIDATION",
        "INVALID_PAYLOAD",
    }
    # Whatever was stored, a wrong password is still an ordinary refusal.
    wrong = await gql(
        client, LOGIN, {"email": "admin@example.com", "password": "wrong", "mode": "json"}
    )
    assert wrong.status < 500, wrong.body


async def test_settings_patch_with_a_boolean_login_attempts_is_refused(
    client: httpx.AsyncClient, seeded: Seeded
) -> None:
    """`true` is no number of attempts (Python's bool is an int)."""
    response = await client.patch(
        "/settings", json={"auth_login_attempts": True}, headers=bearer(ADMIN_TOKEN)
    )
    assert response.status_code == 400, response.text


@pytest.mark.parametrize(
    "email_filter", ["not-a-filter", ["a"], {"email": {"_nope": 1}}, {"nofield": {"_eq": 1}}]
)
async def test_a_stored_garbage_email_filter_never_breaks_registration_with_a_500(
    client: httpx.AsyncClient, services: Services, admin_token: str, email_filter: Any
) -> None:
    role = new_id()
    await create_role(services, role, "Members")
    response = await client.patch(
        "/settings",
        json={
            "public_registration": True,
            "public_registration_role": role,
            "public_registration_verify_email": False,
            "public_registration_email_filter": email_filter,
        },
        headers=bearer(admin_token),
    )
    if response.status_code == 400:
        return  # refused when set: fine
    assert response.status_code == 200, response.text
    reply = await client.post(
        "/users/register", json={"email": "someone@example.com", "password": "pw-123456"}
    )
    assert reply.status_code < 500, reply.text
    assert "errors" not in reply.json() or reply.json()["errors"][0]["extensions"]["code"]


# Directus-client differences -----------------------------------------------------------


async def test_rest_patch_of_an_unknown_role_is_forbidden_as_on_graphql(
    client: httpx.AsyncClient, seeded: Seeded
) -> None:
    """GraphQL's update_roles_item and REST PATCH /users/:id answer FORBIDDEN for an id of
    no row (as Directus's readOne after the write); REST PATCH /roles/:id answers 200
    {"data": null}."""
    unknown = new_id()
    response = await client.patch(
        f"/roles/{unknown}", json={"name": "x"}, headers=bearer(ADMIN_TOKEN)
    )
    assert response.status_code == 403, response.text
