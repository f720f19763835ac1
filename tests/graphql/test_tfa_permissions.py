"""Enabling and disabling TFA update the caller's own `tfa_secret`, as Directus 12 does it
(an update with the caller's permissions): admins may, app-access users may (Directus's
own-profile grant names `tfa_secret`), a role without app access needs a permission row.
Checked before any code, on GraphQL and REST alike; user mutations still never write it."""

from __future__ import annotations

from datetime import timedelta

import httpx
import pyotp

from app.clock import SettableClock
from app.db.models import User
from app.services.container import Services
from tests.conftest import create_user, gql, login
from tests.graphql.mutation_seed import add_permission, stored_user, write_refused
from tests.graphql_reply import refused

PASSWORD = "tfa-perm-password-1"
SECRET = "JBSWY3DPEHPK3PXQJBSWY3DPEHPK3PXQ"
ENABLE = "mutation($otp: String!, $s: String!) { users_me_tfa_enable(otp: $otp, secret: $s) }"
DISABLE = "mutation($otp: String!) { users_me_tfa_disable(otp: $otp) }"
UPDATE_ME = "mutation($data: update_directus_users_input!) { update_users_me(data: $data) { id } }"
FORBIDDEN = "You don't have permission to access this."


def now_code(clock: SettableClock, secret: str = SECRET) -> str:
    value: str = pyotp.TOTP(secret).at(clock.now())
    return value


async def signed_in(
    client: httpx.AsyncClient,
    services: Services,
    email: str,
    *,
    app_access: bool,
    tfa_secret: str | None = None,
    clock: SettableClock | None = None,
) -> tuple[User, str]:
    user = await create_user(
        services, email, PASSWORD, app_access=app_access, tfa_secret=tfa_secret
    )
    if tfa_secret is None or clock is None:
        token: str = (await login(client, email, PASSWORD))["access_token"]
        return user, token
    reply = await gql(
        client,
        "mutation($e: String!, $p: String!, $o: String) "
        "{ auth_login(email: $e, password: $p, otp: $o) { access_token } }",
        {"e": email, "p": PASSWORD, "o": now_code(clock, tfa_secret)},
    )
    token = reply.data["auth_login"]["access_token"]
    return user, token


async def test_a_role_without_app_access_may_not_enable_tfa(
    client: httpx.AsyncClient, services: Services, clock: SettableClock
) -> None:
    user, token = await signed_in(client, services, "no-app@example.com", app_access=False)
    reply = await gql(client, ENABLE, {"otp": now_code(clock), "s": SECRET}, token=token)
    refused(reply, "FORBIDDEN", FORBIDDEN)
    assert "data" not in reply.body
    assert (await stored_user(services, user.id)).tfa_secret is None
    rest = await client.post(
        "/users/me/tfa/enable",
        json={"otp": now_code(clock), "secret": SECRET},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert rest.status_code == 403
    assert rest.json()["errors"][0]["extensions"] == {"code": "FORBIDDEN"}
    assert (await stored_user(services, user.id)).tfa_secret is None


async def test_a_role_without_app_access_may_not_disable_tfa(
    client: httpx.AsyncClient, services: Services, clock: SettableClock
) -> None:
    """Refused before the code is looked at: no failed attempt is counted either."""
    user, token = await signed_in(
        client, services, "no-app-tfa@example.com", app_access=False, tfa_secret=SECRET, clock=clock
    )
    reply = await gql(client, DISABLE, {"otp": "000000"}, token=token)
    refused(reply, "FORBIDDEN", FORBIDDEN)
    rest = await client.post(
        "/users/me/tfa/disable",
        json={"otp": "000000"},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert rest.status_code == 403
    row = await stored_user(services, user.id)
    assert row.tfa_secret == SECRET
    assert row.failed_login_attempts == 0


async def test_a_permission_on_the_own_tfa_secret_lets_a_role_without_app_access_enable(
    client: httpx.AsyncClient, services: Services, clock: SettableClock
) -> None:
    user, token = await signed_in(client, services, "granted@example.com", app_access=False)
    await add_permission(
        services,
        role=user.role,
        collection="directus_users",
        action="update",
        fields=["tfa_secret"],
        permissions={"id": {"_eq": "$CURRENT_USER"}},
    )
    reply = await gql(client, ENABLE, {"otp": now_code(clock), "s": SECRET}, token=token)
    assert reply.body == {"data": {"users_me_tfa_enable": True}}
    assert (await stored_user(services, user.id)).tfa_secret == SECRET


async def test_a_permission_that_misses_the_own_row_or_the_field_is_not_enough(
    client: httpx.AsyncClient, services: Services, clock: SettableClock
) -> None:
    user, token = await signed_in(client, services, "elsewhere@example.com", app_access=False)
    other = await create_user(services, "other@example.com")
    await add_permission(
        services,
        role=user.role,
        collection="directus_users",
        action="update",
        fields=["tfa_secret"],
        permissions={"id": {"_eq": other.id}},
    )
    await add_permission(
        services,
        role=user.role,
        collection="directus_users",
        action="update",
        fields=["first_name"],
        permissions={"id": {"_eq": "$CURRENT_USER"}},
    )
    reply = await gql(client, ENABLE, {"otp": now_code(clock), "s": SECRET}, token=token)
    refused(reply, "FORBIDDEN", write_refused("update", "tfa_secret"))
    assert (await stored_user(services, user.id)).tfa_secret is None


async def test_app_access_users_and_admins_may_enable_and_disable(
    client: httpx.AsyncClient, services: Services, clock: SettableClock
) -> None:
    """Directus's recommended own-profile grant gives `tfa_secret`; admins have every field."""
    for email, admin in (("app@example.com", False), ("boss@example.com", True)):
        user = await create_user(services, email, PASSWORD, admin=admin)
        token = (await login(client, email, PASSWORD))["access_token"]
        reply = await gql(client, ENABLE, {"otp": now_code(clock), "s": SECRET}, token=token)
        assert reply.body == {"data": {"users_me_tfa_enable": True}}, email
        clock.advance(timedelta(seconds=30))
        reply = await gql(client, DISABLE, {"otp": now_code(clock)}, token=token)
        assert reply.body == {"data": {"users_me_tfa_disable": True}}, email
        assert (await stored_user(services, user.id)).tfa_secret is None


async def test_update_users_me_still_cannot_write_tfa_secret(
    client: httpx.AsyncClient, services: Services
) -> None:
    """The own-profile grant now names `tfa_secret`; only the TFA mutations may use it."""
    user, token = await signed_in(client, services, "sneaky@example.com", app_access=True)
    reply = await gql(client, UPDATE_ME, {"data": {"tfa_secret": SECRET}}, token=token)
    assert reply.codes == ["INVALID_PAYLOAD"], reply.body
    assert (await stored_user(services, user.id)).tfa_secret is None
