"""Passkey documents and steps shared by the passkey tests (GraphQL)."""

from __future__ import annotations

from typing import Any

import httpx
from sqlmodel import col, select

from app.db.models import Activity, Passkey
from app.services.container import Services
from tests.conftest import gql
from tests.passkey_authenticator import SoftAuthenticator

REGISTER_OPTIONS = "mutation { users_me_passkey_register_options }"
REGISTER_OPTIONS_WITH = """
mutation Options($password: String) { users_me_passkey_register_options(password: $password) }
"""
REGISTER = """
mutation Register($credential: JSON!, $name: String) {
  users_me_passkey_register(credential: $credential, name: $name) {
    id name date_created last_used transports aaguid
  }
}
"""
PASSKEYS = "{ users_me_passkeys { id name date_created last_used transports aaguid } }"
RENAME = """
mutation Rename($id: ID!, $name: String!) {
  users_me_passkey_rename(id: $id, name: $name) { id name }
}
"""
DELETE = """
mutation Delete($id: ID!, $password: String) {
  users_me_passkey_delete(id: $id, password: $password)
}
"""
OPTIONS = "mutation Options($email: String) { auth_passkey_options(email: $email) }"
LOGIN = """
mutation PasskeyLogin($credential: JSON!, $mode: auth_mode) {
  auth_login_passkey(credential: $credential, mode: $mode) { access_token refresh_token expires }
}
"""


async def register(
    client: httpx.AsyncClient,
    token: str,
    authenticator: SoftAuthenticator | None = None,
    name: str | None = None,
) -> tuple[SoftAuthenticator, dict[str, Any]]:
    """Registers a new passkey (or `authenticator`) for the token's user."""
    authenticator = authenticator or SoftAuthenticator()
    reply = await gql(client, REGISTER_OPTIONS, token=token)
    assert not reply.body.get("errors"), reply.body
    credential = authenticator.create(reply.data["users_me_passkey_register_options"])
    reply = await gql(client, REGISTER, {"credential": credential, "name": name}, token=token)
    assert not reply.body.get("errors"), reply.body
    passkey: dict[str, Any] = reply.data["users_me_passkey_register"]
    return authenticator, passkey


async def login_options(client: httpx.AsyncClient, email: str | None = None) -> dict[str, Any]:
    reply = await gql(client, OPTIONS, {"email": email})
    assert not reply.body.get("errors"), reply.body
    options: dict[str, Any] = reply.data["auth_passkey_options"]
    return options


async def passkey_login(
    client: httpx.AsyncClient, credential: dict[str, Any], mode: str = "json"
) -> Any:
    """The reply of auth_login_passkey (errors included)."""
    return await gql(client, LOGIN, {"credential": credential, "mode": mode})


async def stored(services: Services, passkey_id: str) -> Passkey | None:
    async with services.db.read() as session:
        return await session.get(Passkey, passkey_id)


async def actions(services: Services, action: str) -> list[Activity]:
    async with services.db.read() as session:
        statement = select(Activity).where(col(Activity.action) == action)
        return list((await session.exec(statement)).all())
