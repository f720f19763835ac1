"""Seeding and database read-back for the mutation tests (users, roles, settings).

Every assertion about "what is stored now" goes through these helpers, straight to the
database, so a mutation's answer and its effect are checked separately.
"""

from __future__ import annotations

from typing import Any

import httpx
from sqlalchemy import func
from sqlmodel import col, select

from app.db.models import Permission, ProjectSettings, Role, Session, User
from app.repositories import policies as policies_repo
from app.services.container import Services
from tests.conftest import ADMIN_EMAIL, create_user, login
from tests.graphql_reply import GraphQLReply

CONCEALED = "**********"
FORBIDDEN_MESSAGE = "You don't have permission to access this."


def write_refused(action: str, *fields: str, collection: str = "directus_users") -> str:
    """Directus's FORBIDDEN message for a write of fields no grant gives (on these items)."""
    names = ", ".join(f'"{name}"' for name in fields)
    return (
        f'You don\'t have permissions to perform "{action}" for the field(s) {names} in '
        f'collection "{collection}" or it does not exist.'
    )


def refused_by_schema(reply: GraphQLReply, *fields: str) -> None:
    """A write of fields the caller's input type lacks, sent in a variable: 400
    GRAPHQL_VALIDATION naming each (as Directus, whose execution schema is the caller's)."""
    assert reply.status == 400, reply.body
    assert reply.codes == ["GRAPHQL_VALIDATION"], reply.body
    text = " ".join(error["message"] for error in reply.body["errors"][0]["extensions"]["errors"])
    for name in fields:
        assert f'unknown field "{name}"' in text, reply.body


async def rest_write_refused(
    client: httpx.AsyncClient, path: str, data: dict[str, Any], token: str, *fields: str
) -> None:
    """The same write over REST meets the permission rule itself: FORBIDDEN, Directus's
    reason naming the fields."""
    answer = await client.patch(path, json=data, headers={"Authorization": f"Bearer {token}"})
    assert answer.status_code == 403, answer.text
    error = answer.json()["errors"][0]
    assert error["extensions"]["code"] == "FORBIDDEN", answer.text
    assert error["message"] == write_refused("update", *fields), answer.text


LAST_ADMIN_MESSAGE = "Can't process content. Cannot remove the last admin user from the system."


def email_not_unique(value: str) -> str:
    """RECORD_NOT_UNIQUE's message for an email address: Directus names the value."""
    return f'Value "{value}" for field "email" in collection "directus_users" has to be unique.'


EMAIL_INVALID = 'Validation failed for field "email". Value has to be a valid email address.'
PASSWORD_POLICY = "/^.{8,}$/"
UNKNOWN_ID = "0b7f3c1e-9a0d-4c55-8e1a-2f6d8c4b9a71"

USER_FIELDS = """
  id first_name last_name email password location title description tags language
  tfa_secret status token provider external_identifier auth_data email_notifications
  appearance theme_dark theme_light theme_light_overrides theme_dark_overrides text_direction
  role { id name admin_access app_access }
"""

# What a non-admin may read of its own record: all but the admin-only sign-in fields.
SELF_FIELDS = USER_FIELDS.replace("provider external_identifier auth_data ", "")
assert SELF_FIELDS != USER_FIELDS

ROLE_FIELDS = """
  id name icon description ip_access enforce_tfa admin_access app_access
  users { id email }
"""


# Callers ------------------------------------------------------------------------------


async def admin_token(client: httpx.AsyncClient) -> str:
    token: str = (await login(client))["access_token"]
    return token


async def app_user(
    client: httpx.AsyncClient,
    services: Services,
    email: str,
    password: str = "user-password-1",
) -> tuple[User, str]:
    """A non-admin user with app access (in a role of its own), logged in."""
    user = await create_user(services, email, password, admin=False, app_access=True)
    token: str = (await login(client, email, password))["access_token"]
    return user, token


# Seeding ------------------------------------------------------------------------------


async def make_role(
    services: Services,
    name: str,
    *,
    admin: bool = False,
    app_access: bool = True,
) -> Role:
    async with services.db.write() as session:
        return await policies_repo.add_role(
            session, Role(name=name), {"admin_access": admin, "app_access": app_access}
        )


async def make_user(
    services: Services,
    email: str | None,
    *,
    role: str | None = None,
    first_name: str | None = None,
    status: str = "active",
    tfa_secret: str | None = None,
) -> User:
    """A user without password, straight into the database."""
    async with services.db.write() as session:
        user = User(
            email=email, role=role, first_name=first_name, status=status, tfa_secret=tfa_secret
        )
        session.add(user)
    return user


async def add_permission(services: Services, **values: Any) -> None:
    """A row of `role`'s own policy (None or absent: the public's), as Directus 10 put it."""
    policy = policies_repo.policy_of(values.pop("role", None))
    async with services.db.write() as session:
        session.add(Permission(policy=policy, **values))


async def permission_count(services: Services, role_id: str) -> int:
    async with services.db.read() as session:
        statement = (
            select(func.count())
            .select_from(Permission)
            .where(col(Permission.policy) == policies_repo.policy_of(role_id))
        )
        return int((await session.exec(statement)).one())


async def set_password_policy(services: Services, policy: str | None) -> None:
    async with services.db.write() as session:
        row = (await session.exec(select(ProjectSettings))).first()
        assert row is not None
        row.auth_password_policy = policy
        session.add(row)


# Read-back ----------------------------------------------------------------------------


async def user_row(services: Services, user_id: str) -> User | None:
    async with services.db.read() as session:
        return await session.get(User, user_id)


async def stored_user(services: Services, user_id: str) -> User:
    row = await user_row(services, user_id)
    assert row is not None, f"user {user_id} is not stored"
    return row


async def users_with_email(services: Services, email: str) -> list[User]:
    """Every stored user whose email equals `email` ignoring case."""
    async with services.db.read() as session:
        statement = select(User).where(func.lower(col(User.email)) == email.lower())
        return list((await session.exec(statement)).all())


async def user_count(services: Services) -> int:
    async with services.db.read() as session:
        return int((await session.exec(select(func.count()).select_from(User))).one())


async def role_row(services: Services, role_id: str) -> Role | None:
    async with services.db.read() as session:
        return await session.get(Role, role_id)


async def stored_role(services: Services, role_id: str) -> Role:
    row = await role_row(services, role_id)
    assert row is not None, f"role {role_id} is not stored"
    return row


async def roles_named(services: Services, name: str) -> list[Role]:
    async with services.db.read() as session:
        return list((await session.exec(select(Role).where(col(Role.name) == name))).all())


async def role_count(services: Services) -> int:
    async with services.db.read() as session:
        return int((await session.exec(select(func.count()).select_from(Role))).one())


async def the_admin(services: Services) -> User:
    """The admin created at bootstrap."""
    rows = await users_with_email(services, ADMIN_EMAIL)
    assert len(rows) == 1
    return rows[0]


async def admin_role_id(services: Services) -> str:
    role = (await the_admin(services)).role
    assert role is not None
    return role


async def session_count(services: Services, user_id: str) -> int:
    async with services.db.read() as session:
        statement = select(func.count()).select_from(Session).where(col(Session.user) == user_id)
        return int((await session.exec(statement)).one())


async def settings_row(services: Services) -> ProjectSettings:
    async with services.db.read() as session:
        row = (await session.exec(select(ProjectSettings))).first()
    assert row is not None
    return row
