"""The audit trail (directus_activity): what an operator needs to see an attack.

Logins, failures (known and unknown emails), lockouts, refresh reuse, password and TFA
changes, each with the client's address and user agent; readable by admins only, and never
holding a password.
"""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import httpx
import pyotp
import pytest

from app.clock import SettableClock
from app.services.container import Services
from tests.conftest import ADMIN_EMAIL, ADMIN_PASSWORD, create_user, gql, login
from tests.graphql.helpers import REFRESH
from tests.graphql.security_helpers import (
    ACTIVITY,
    PEER_IP,
    actions_of,
    activity_rows,
    failed_login,
)
from tests.graphql.seed import assert_validation_error
from tests.graphql_reply import ok

EMAIL = "audited@example.com"
PASSWORD = "audited-password-1"
NEW_PASSWORD = "audited-password-2"
WRONG = "wrong-guess-password-9"
UNKNOWN = "nobody-here@example.com"
AGENT = "AuditProbe/1.0 (+https://example.test)"

CHANGE_PASSWORD = """
mutation Change($password: Hash!) { update_users_me(data: {password: $password}) { id } }
"""
GENERATE = "mutation G($p: String!) { users_me_tfa_generate(password: $p) { secret } }"
ENABLE = "mutation E($otp: String!, $s: String!) { users_me_tfa_enable(otp: $otp, secret: $s) }"
DISABLE = "mutation D($otp: String!) { users_me_tfa_disable(otp: $otp) }"


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    return {"auth_lockout_enabled": True, "auth_lockout_threshold": 2}


@pytest.fixture
async def user_id(services: Services) -> str:
    user = await create_user(services, EMAIL, PASSWORD)
    return user.id


@pytest.fixture
def agent_client(client: httpx.AsyncClient) -> httpx.AsyncClient:
    client.headers["User-Agent"] = AGENT
    return client


async def walk_through_everything(
    client: httpx.AsyncClient, clock: SettableClock
) -> list[dict[str, Any]]:
    """Every audited event once, then the trail as the admin reads it."""
    first = await login(client, EMAIL, PASSWORD)  # login
    await failed_login(client, EMAIL, WRONG)  # login.failed (known user)
    await failed_login(client, UNKNOWN, WRONG)  # login.failed (unknown email)

    token_b = ok(
        await gql(client, REFRESH, {"refresh_token": first["refresh_token"]}), "auth_refresh"
    )
    assert token_b["refresh_token"]
    clock.advance(timedelta(seconds=11))
    replay = await gql(client, REFRESH, {"refresh_token": first["refresh_token"]})
    assert replay.codes == ["INVALID_CREDENTIALS"]  # refresh.reused

    access = (await login(client, EMAIL, PASSWORD))["access_token"]  # resets the failure count
    ok(
        await gql(client, CHANGE_PASSWORD, {"password": NEW_PASSWORD}, token=access),
        "update_users_me",
    )

    secret = ok(
        await gql(client, GENERATE, {"p": NEW_PASSWORD}, token=access), "users_me_tfa_generate"
    )["secret"]
    code = pyotp.TOTP(secret).at(clock.now())
    assert ok(
        await gql(client, ENABLE, {"otp": code, "s": secret}, token=access), "users_me_tfa_enable"
    )
    clock.advance(timedelta(seconds=30))
    code = pyotp.TOTP(secret).at(clock.now())
    assert ok(await gql(client, DISABLE, {"otp": code}, token=access), "users_me_tfa_disable")

    await failed_login(client, EMAIL, WRONG)
    await failed_login(client, EMAIL, WRONG)  # the second failure in a row locks: login.locked
    await failed_login(client, EMAIL, NEW_PASSWORD)  # refused while locked: login.locked again

    admin = (await login(client, ADMIN_EMAIL, ADMIN_PASSWORD))["access_token"]
    return await activity_rows(client, admin)


async def test_every_security_event_is_listed(
    agent_client: httpx.AsyncClient, user_id: str, clock: SettableClock
) -> None:
    rows = await walk_through_everything(agent_client, clock)
    actions = actions_of(rows)
    for action in (
        "login",
        "login.failed",
        "login.locked",
        "refresh.reused",
        "password.changed",
        "tfa.enabled",
        "tfa.disabled",
    ):
        assert action in actions, actions

    def of(action: str) -> list[dict[str, Any]]:
        return [row for row in rows if row["action"] == action]

    assert {row["user"] for row in of("login")} >= {user_id}
    failed = of("login.failed")
    assert any(row["user"] == user_id for row in failed), failed
    assert any(row["user"] is None and row["item"] == UNKNOWN for row in failed), failed
    for action in ("login.locked", "refresh.reused", "tfa.enabled", "tfa.disabled"):
        assert all(row["user"] == user_id for row in of(action)), of(action)
    (changed,) = of("password.changed")
    assert changed["item"] == user_id


async def test_every_row_names_the_client(
    agent_client: httpx.AsyncClient, user_id: str, clock: SettableClock
) -> None:
    rows = await walk_through_everything(agent_client, clock)
    assert rows
    for row in rows:
        assert row["ip"] == PEER_IP, row
        assert row["user_agent"] == AGENT, row


async def test_newest_first(
    agent_client: httpx.AsyncClient, user_id: str, clock: SettableClock
) -> None:
    rows = await walk_through_everything(agent_client, clock)
    stamps = [row["timestamp"] for row in rows]
    assert stamps == sorted(stamps, reverse=True)
    assert rows[0]["action"] == "login"  # the admin's own login came last
    assert rows[-1]["action"] == "login"  # the user's first login came first


async def test_no_password_appears_in_any_row(
    agent_client: httpx.AsyncClient, user_id: str, clock: SettableClock
) -> None:
    rows = await walk_through_everything(agent_client, clock)
    text = json.dumps(rows)
    for secret in (PASSWORD, NEW_PASSWORD, WRONG, ADMIN_PASSWORD):
        assert secret not in text


async def test_a_non_admin_may_not_read_it(client: httpx.AsyncClient, user_id: str) -> None:
    token = (await login(client, EMAIL, PASSWORD))["access_token"]
    # `activity` is not in its schema.
    assert_validation_error(await gql(client, ACTIVITY, token=token))


async def test_anonymous_may_not_read_it(client: httpx.AsyncClient, user_id: str) -> None:
    await login(client, EMAIL, PASSWORD)
    assert_validation_error(await gql(client, ACTIVITY))


async def test_the_trail_can_be_filtered_by_action(client: httpx.AsyncClient, user_id: str) -> None:
    await failed_login(client, EMAIL, WRONG)
    await login(client, EMAIL, PASSWORD)
    admin = (await login(client, ADMIN_EMAIL, ADMIN_PASSWORD))["access_token"]
    reply = await gql(
        client,
        'query { activity(filter: {action: {_eq: "login.failed"}}) { action user comment } }',
        token=admin,
    )
    rows = reply.data["activity"]
    assert [row["action"] for row in rows] == ["login.failed"], rows
    assert rows[0]["user"] == user_id
