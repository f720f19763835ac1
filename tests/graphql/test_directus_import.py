"""import-directus: users of a Directus database log in here with their old passwords and
authenticator apps. The Directus database is built in the test, shaped like Directus 10's,
with hashes as Directus writes them (argon2id, m=65536, t=3, p=4)."""

from __future__ import annotations

import sqlite3
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from argon2 import PasswordHasher as Argon2

from app.clock import SettableClock
from app.db.models import User
from app.errors import InvalidPayloadError
from app.repositories import permissions as permissions_repo
from app.services.container import Services
from app.services.directus_import import import_directus, source_url
from tests.conftest import LOGIN, gql
from tests.graphql.helpers import ShortSecretTOTP
from tests.graphql.recovery_helpers import stored_codes

ADMIN_ROLE = "5b3d4b4e-7f38-4d6e-9c59-4c1a1f2a0a01"
EDITOR_ROLE = "5b3d4b4e-7f38-4d6e-9c59-4c1a1f2a0a02"
ALICE = "0f0c3b8e-2a2b-4f4f-8f8f-000000000001"
BOB = "0f0c3b8e-2a2b-4f4f-8f8f-000000000002"
CAROL = "0f0c3b8e-2a2b-4f4f-8f8f-000000000003"
TFA_SECRET = "JBSWY3DPEHPK3PXP"
OTHER_SECRET = "KRSXG5CTMVRXEZLU"

DIRECTUS_SCHEMA = """
CREATE TABLE directus_roles (
  id char(36) PRIMARY KEY, name varchar(100) NOT NULL, icon varchar(30), description text,
  ip_access text, enforce_tfa boolean DEFAULT 0, admin_access boolean DEFAULT 0,
  app_access boolean DEFAULT 1
);
CREATE TABLE directus_users (
  id char(36) PRIMARY KEY, first_name varchar(50), last_name varchar(50), email varchar(128),
  password varchar(255), location varchar(255), title varchar(50), description text, tags json,
  avatar char(36), language varchar(255), tfa_secret varchar(255),
  status varchar(16) DEFAULT 'active', role char(36), token varchar(255), last_access datetime,
  last_page varchar(255), provider varchar(128) DEFAULT 'default',
  external_identifier varchar(255), auth_data json, email_notifications boolean DEFAULT 1,
  appearance varchar(255), theme_dark varchar(255), theme_light varchar(255),
  theme_light_overrides json, theme_dark_overrides json
);
CREATE TABLE directus_permissions (
  id integer PRIMARY KEY AUTOINCREMENT, role char(36), collection varchar(64) NOT NULL,
  action varchar(10) NOT NULL, permissions json, validation json, presets json, fields text
);
"""


@pytest.fixture(scope="module")
def directus_hash() -> str:
    return Argon2(memory_cost=65536, time_cost=3, parallelism=4).hash("alice-old-password")


@pytest.fixture
def directus_db(tmp_path: Path, directus_hash: str) -> Path:
    path = tmp_path / "directus.db"
    with sqlite3.connect(path) as db:
        db.executescript(DIRECTUS_SCHEMA)
        db.executemany(
            "INSERT INTO directus_roles (id, name, ip_access, admin_access, app_access) "
            "VALUES (?, ?, ?, ?, ?)",
            [
                (ADMIN_ROLE, "Administrator", None, 1, 1),
                (EDITOR_ROLE, "Editor", "203.0.113.0/24,10.0.0.1", 0, 1),
            ],
        )
        db.executemany(
            "INSERT INTO directus_users (id, first_name, email, password, tfa_secret, status, "
            "role, token, tags, last_access) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                (
                    ALICE,
                    "Alice",
                    "Alice@Example.com",
                    directus_hash,
                    None,
                    "active",
                    EDITOR_ROLE,
                    "alice-static-token",
                    '["a","b"]',
                    "2024-03-01 10:00:00",
                ),
                (
                    BOB,
                    "Bob",
                    "bob@example.com",
                    directus_hash,
                    TFA_SECRET,
                    "active",
                    ADMIN_ROLE,
                    None,
                    None,
                    1709287200000,
                ),
                (
                    CAROL,
                    "Carol",
                    "carol@example.com",
                    directus_hash,
                    None,
                    "suspended",
                    EDITOR_ROLE,
                    None,
                    None,
                    None,
                ),
            ],
        )
        db.execute(
            "INSERT INTO directus_permissions (role, collection, action, permissions, fields) "
            "VALUES (?, 'directus_users', 'read', ?, 'id,email,first_name')",
            (EDITOR_ROLE, '{"status":{"_eq":"active"}}'),
        )
    return path


async def _login(client: httpx.AsyncClient, email: str, otp: str | None = None) -> list[str]:
    variables = {"email": email, "password": "alice-old-password", "otp": otp}
    reply = await gql(client, LOGIN, variables)
    return reply.codes


async def test_users_log_in_with_their_directus_passwords(
    client: httpx.AsyncClient, services: Services, directus_db: Path
) -> None:
    report = await import_directus(services, str(directus_db))
    assert (report.roles, report.users, report.permissions) == (2, 3, 1)
    assert report.skipped == []
    assert await _login(client, "alice@example.com") == []
    assert await _login(client, "carol@example.com") == ["INVALID_CREDENTIALS"]


async def test_totp_apps_keep_working(
    client: httpx.AsyncClient, services: Services, directus_db: Path
) -> None:
    await import_directus(services, str(directus_db))
    assert await _login(client, "bob@example.com") == ["INVALID_OTP"]
    # A short (80-bit) secret as older tools wrote them: stored secrets are honoured.
    code = ShortSecretTOTP(TFA_SECRET).at(services.clock.now())
    assert await _login(client, "bob@example.com", code) == []


async def test_static_tokens_roles_and_permissions_come_along(
    client: httpx.AsyncClient, services: Services, directus_db: Path
) -> None:
    await import_directus(services, str(directus_db))
    me = await gql(
        client,
        "{ users_me { id email tags token role { name ip_access admin_access } } }",
        token="alice-static-token",
    )
    assert me.data["users_me"] == {
        "id": ALICE,
        "email": "Alice@Example.com",
        "tags": ["a", "b"],
        "token": "**********",
        "role": {
            "name": "Editor",
            "ip_access": ["203.0.113.0/24", "10.0.0.1"],
            "admin_access": False,
        },
    }
    # The imported permission: active users only, three fields.
    listed = await gql(client, "{ users { email } }", token="alice-static-token")
    assert {user["email"] for user in listed.data["users"]} == {
        "admin@example.com",
        "Alice@Example.com",
        "bob@example.com",
    }
    async with services.db.read() as session:
        rows = await permissions_repo.for_policy(session, EDITOR_ROLE)
    assert [(row.collection, row.action, row.fields, row.permissions) for row in rows] == [
        ("directus_users", "read", ["id", "email", "first_name"], {"status": {"_eq": "active"}})
    ]


async def test_import_again_updates_instead_of_duplicating(
    services: Services, directus_db: Path
) -> None:
    await import_directus(services, str(directus_db))
    with sqlite3.connect(directus_db) as db:
        db.execute("UPDATE directus_users SET first_name = 'Alicia' WHERE id = ?", (ALICE,))
    again = await import_directus(services, str(directus_db))
    assert (again.roles, again.users, again.permissions) == (2, 3, 1)
    async with services.db.read() as session:
        alice = await session.get(User, ALICE)
    assert alice is not None
    assert alice.first_name == "Alicia"


async def test_email_taken_by_another_user_is_skipped(
    services: Services, directus_db: Path
) -> None:
    with sqlite3.connect(directus_db) as db:
        db.execute("UPDATE directus_users SET email = 'ADMIN@example.com' WHERE id = ?", (CAROL,))
    report = await import_directus(services, str(directus_db))
    assert report.users == 2
    assert report.skipped == [f"user {CAROL}: ADMIN@example.com is already taken here"]


def test_sources_are_sqlite_files_or_postgres_urls(tmp_path: Path) -> None:
    assert (
        source_url("postgres://u:p@db:5432/directus") == "postgresql+asyncpg://u:p@db:5432/directus"
    )
    with pytest.raises(InvalidPayloadError):
        source_url(str(tmp_path / "missing.db"))


async def test_import_again_with_another_totp_secret_drops_the_recovery_codes(
    client: httpx.AsyncClient, services: Services, directus_db: Path
) -> None:
    """Bob made recovery codes here; Directus's copy of him then got another TOTP app: the
    codes made beside the old one go with it."""
    await import_directus(services, str(directus_db))
    clock = services.clock
    assert isinstance(clock, SettableClock)
    signed_in = await gql(
        client,
        LOGIN,
        {
            "email": "bob@example.com",
            "password": "alice-old-password",
            "otp": ShortSecretTOTP(TFA_SECRET).at(clock.now()),
        },
    )
    token = signed_in.data["auth_login"]["access_token"]
    clock.advance(timedelta(seconds=30))
    made = await gql(
        client,
        "mutation R($otp: String!) { users_me_tfa_recovery_codes_regenerate(otp: $otp) }",
        {"otp": ShortSecretTOTP(TFA_SECRET).at(clock.now())},
        token=token,
    )
    assert len(made.data["users_me_tfa_recovery_codes_regenerate"]) == 10
    assert len(await stored_codes(services, BOB)) == 10

    with sqlite3.connect(directus_db) as db:
        db.execute("UPDATE directus_users SET tfa_secret = ? WHERE id = ?", (OTHER_SECRET, BOB))
    await import_directus(services, str(directus_db))
    assert await stored_codes(services, BOB) == []
