"""A small, fully known data set for the query tests, put straight into the database.

Seven users in three roles (plus one without a role):

| key   | first  | last     | email                       | role          | status    | tags    |
|-------|--------|----------|-----------------------------|---------------|-----------|---------|
| admin | Admin  | User     | admin@example.com           | Administrator | active    | None    |
| alice | Alice  | Anderson | Alice.Anderson@Example.com  | Editors       | active    | a, b, c |
| bob   | Bob    | Baker    | bob.baker@example.com       | Editors       | active    | x       |
| carol | Carol  | Clark    | CAROL@example.ORG           | Viewers       | suspended | []      |
| dave  | Dave   | Davis    | dave@sample.net             | Viewers       | active    | x, y    |
| erin  | Erin   | Evans    | erin@example.com            | None          | draft     | None    |
| frank | Frank  | Foster   | Frank.Foster@Example.com    | Viewers       | archived  | 1, 2, 3 |

Last names sort A…F then "User", so tests name users by last name in that order.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import event, update
from sqlmodel import col, select

from app.db.models import Permission, Role, User
from app.repositories import policies as policies_repo
from app.security.tokens import hash_token
from app.services.container import Services
from tests.conftest import ADMIN_EMAIL
from tests.graphql_reply import GraphQLReply
from tests.leaks import remember_concealed, remember_static_token

ADMIN_TOKEN = "admin-static-token-0000000000"
BOB_TOKEN = "bob-static-token-11111111111"
DAVE_TOKEN = "dave-static-token-2222222222"
FRANK_TOKEN = "frank-static-token-333333333"
CAROL_TFA_SECRET = "JBSWY3DPEHPK3PXP"
CONCEALED = "**********"

ROLE_NAMES = ("Editors", "Viewers")
ADMIN_ROLE = "Administrator"


@dataclass(frozen=True)
class SeedUser:
    key: str
    first_name: str
    last_name: str
    email: str
    role: str | None
    status: str
    tags: list[str] | None = None
    last_access: datetime | None = None
    location: str | None = None
    description: str | None = None
    title: str | None = None
    password: str | None = None
    static_token: str | None = None
    tfa_secret: str | None = None


SEED_USERS = (
    SeedUser(
        key="alice",
        first_name="Alice",
        last_name="Anderson",
        email="Alice.Anderson@Example.com",
        role="Editors",
        status="active",
        tags=["a", "b", "c"],
        last_access=datetime(2023, 1, 15, 10, 0, tzinfo=UTC),
        description="Writes things",
        title="Chief Editor",
        password="alice-password-1",
    ),
    SeedUser(
        key="bob",
        first_name="Bob",
        last_name="Baker",
        email="bob.baker@example.com",
        role="Editors",
        status="active",
        tags=["x"],
        last_access=datetime(2024, 3, 1, 12, 0, tzinfo=UTC),
        location="Berlin",
        password="bob-password-1",
        static_token=BOB_TOKEN,
    ),
    SeedUser(
        key="carol",
        first_name="Carol",
        last_name="Clark",
        email="CAROL@example.ORG",
        role="Viewers",
        status="suspended",
        tags=[],
        description="Reviewer",
        tfa_secret=CAROL_TFA_SECRET,
    ),
    SeedUser(
        key="dave",
        first_name="Dave",
        last_name="Davis",
        email="dave@sample.net",
        role="Viewers",
        status="active",
        tags=["x", "y"],
        last_access=datetime(2024, 6, 30, 23, 0, tzinfo=UTC),
        location="Dublin",
        description="",
        static_token=DAVE_TOKEN,
    ),
    SeedUser(
        key="erin",
        first_name="Erin",
        last_name="Evans",
        email="erin@example.com",
        role=None,
        status="draft",
        last_access=datetime(2022, 12, 31, 23, 59, 59, tzinfo=UTC),
    ),
    SeedUser(
        key="frank",
        first_name="Frank",
        last_name="Foster",
        email="Frank.Foster@Example.com",
        role="Viewers",
        status="archived",
        tags=["1", "2", "3"],
        static_token=FRANK_TOKEN,
    ),
)

LAST_NAMES = {user.key: user.last_name for user in SEED_USERS} | {"admin": "User"}
ALL_LAST_NAMES = sorted(LAST_NAMES.values())


@dataclass
class Seeded:
    """Ids of what seed() wrote: roles by name, users by key (admin included)."""

    roles: dict[str, str] = field(default_factory=dict)
    users: dict[str, str] = field(default_factory=dict)

    def user_key(self, user_id: str) -> str:
        return next(key for key, value in self.users.items() if value == user_id)


async def seed(services: Services) -> Seeded:
    """Writes the table above; the bootstrap admin gets the static token ADMIN_TOKEN."""
    seeded = Seeded()
    async with services.db.write() as session:
        admin = (await session.exec(select(User).where(col(User.email) == ADMIN_EMAIL))).one()
        assert admin.role is not None
        seeded.users["admin"] = admin.id
        seeded.roles[ADMIN_ROLE] = admin.role
        await session.exec(
            update(User).where(col(User.id) == admin.id).values(token=hash_token(ADMIN_TOKEN))
        )
        for name in ROLE_NAMES:
            role = await policies_repo.add_role(
                session, Role(name=name, description=f"The {name.lower()}"), {"app_access": True}
            )
            seeded.roles[name] = role.id
        remember_static_token(ADMIN_TOKEN)
        for spec in SEED_USERS:
            remember_static_token(spec.static_token)
            remember_concealed(spec.tfa_secret)
            user = User(
                first_name=spec.first_name,
                last_name=spec.last_name,
                email=spec.email,
                role=None if spec.role is None else seeded.roles[spec.role],
                status=spec.status,
                tags=spec.tags,
                last_access=spec.last_access,
                location=spec.location,
                description=spec.description,
                title=spec.title,
                password=None
                if spec.password is None
                else await services.hasher.hash(spec.password),
                token=None if spec.static_token is None else hash_token(spec.static_token),
                tfa_secret=spec.tfa_secret,
            )
            session.add(user)
            await session.flush()
            seeded.users[spec.key] = user.id
    return seeded


async def add_permission(
    services: Services,
    role: str | None,
    fields: list[str] | None,
    permissions: dict[str, Any] | None,
    *,
    collection: str = "directus_users",
    action: str = "read",
) -> None:
    """A directus_permissions row, as the Directus admin app would store it."""
    async with services.db.write() as session:
        session.add(
            Permission(
                policy=policies_repo.policy_of(role),
                collection=collection,
                action=action,
                fields=fields,
                permissions=permissions,
            )
        )


async def set_ip_access(services: Services, role_id: str, networks: list[str] | None) -> None:
    async with services.db.write() as session:
        role = await session.get(Role, role_id)
        assert role is not None
        await policies_repo.set_own_flags(session, role_id, role.name, {"ip_access": networks})


async def seed_many(services: Services, count: int, roles: int = 5) -> list[str]:
    """`count` users spread round-robin over `roles` new roles ("Bulk role 0"…);
    emails bulk000@example.com…. Returns the role ids."""
    async with services.db.write() as session:
        rows = [
            await policies_repo.add_role(session, Role(name=f"Bulk role {index}"))
            for index in range(roles)
        ]
        session.add_all(
            User(
                email=f"bulk{index:03d}@example.com",
                first_name=f"Bulk{index:03d}",
                role=rows[index % roles].id,
                status="active",
            )
            for index in range(count)
        )
        return [row.id for row in rows]


@contextmanager
def counting_statements(services: Services) -> Iterator[list[str]]:
    """Collects the SQL statements the app runs meanwhile (transaction control left out)."""
    statements: list[str] = []

    def handler(*args: Any) -> None:
        statement = str(args[2]).strip()
        # The mail queue's sender polls in the background, whatever the request does.
        if "dauth_mail_queue" in statement:
            return
        if not statement.upper().startswith(("BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT")):
            statements.append(statement)

    engines = services.db.engines()
    for engine in engines:
        event.listen(engine, "before_cursor_execute", handler)
    try:
        yield statements
    finally:
        for engine in engines:
            event.remove(engine, "before_cursor_execute", handler)


def last_names(rows: list[dict[str, Any]]) -> list[str]:
    return [row["last_name"] for row in rows]


def assert_error(reply: GraphQLReply, code: str, field_name: str) -> None:
    """A resolver error: HTTP 200, the field null, exactly one error with `code` at `field`."""
    assert reply.status == 200, reply.body
    assert reply.codes == [code], reply.body
    assert reply.body["errors"][0]["path"] == [field_name], reply.body
    data = reply.body.get("data")
    assert data is None or data.get(field_name) is None, reply.body


def assert_validation_error(reply: GraphQLReply) -> None:
    """Refused before any resolver ran: HTTP 400 GRAPHQL_VALIDATION, no data."""
    assert reply.status == 400, reply.body
    assert reply.codes == ["GRAPHQL_VALIDATION"], reply.body
    assert "data" not in reply.body, reply.body
