"""import-directus from Directus 11 and 12 databases (roles with parents, policies, access
rows, permissions by policy): the fixtures made by the real Directus (tests/fixtures/*/README.md)
imported on both our databases, from SQLite files and from a PostgreSQL dump. Every user logs
in with the password Directus had, and gets the access Directus measured.

Custom permission rules (a field list or a filter) stay free here: Directus 12 Core ignores
them without a licence, so their ground truth is the Directus 11 twin's measurements.
"""

from __future__ import annotations

import json
import shutil
import sqlite3
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlmodel import col, func, select

from app.db.models import PUBLIC_POLICY_ID, Permission, PolicyAccess, User
from app.repositories.sync.callers import AccessQuery
from app.security.tokens import hash_token
from app.services.container import Services
from app.services.directus_import import ImportReport, import_directus
from tests import databases
from tests.conftest import LOGIN, create_user, gql
from tests.graphql.helpers import ShortSecretTOTP
from tests.graphql.seed import assert_error
from tests.graphql_reply import ok

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
# Directus 11 applies every rule: what Directus gives a caller, custom rules included.
TRUTH: dict[str, Any] = json.loads((FIXTURES / "directus11" / "measured.json").read_text())
# The collections the fixtures' permission rows are about.
ROW_COLLECTIONS = {"directus_users", "directus_roles", "directus_access", "directus_policies"}
# For app users Directus adds its app-access minimum (their own user and role) there.
APP_MINIMUM = {"directus_users", "directus_roles"}
# Measured from 127.0.0.1: the IP Policy (10.0.0.0/8) does not apply there.
LOOPBACK, INSIDE_IP_POLICY = "127.0.0.1", "10.1.2.3"


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    """Our own first admin under an address the fixtures do not use."""
    return {"admin_email": "owner@dauth.example"}


@pytest.fixture(scope="module")
def pg_source() -> Iterator[str]:
    """The Directus 12 PostgreSQL dump, restored into a database of its own."""
    name = databases.restore_pg_dump(FIXTURES / "directus12-pg" / "directus12.sql")
    yield databases.pg_url(name).replace("postgresql+asyncpg://", "postgres://")
    databases.drop_pg_database(name)


@dataclass(frozen=True)
class Imported:
    measured: dict[str, Any]
    report: ImportReport
    source: str

    def user_id(self, email: str) -> str:
        found: str = self.measured["ids"]["users"][email]
        return found


@pytest.fixture(
    params=["directus12", "directus11", pytest.param("directus12-pg", marks=pytest.mark.services)]
)
async def imported(request: pytest.FixtureRequest, services: Services, tmp_path: Path) -> Imported:
    name: str = request.param
    if name.endswith("-pg"):
        source: str = request.getfixturevalue("pg_source")
    else:
        source = str(shutil.copyfile(FIXTURES / name / f"{name}.db", tmp_path / "directus.db"))
    measured = json.loads((FIXTURES / name / "measured.json").read_text())
    return Imported(measured, await import_directus(services, source), source)


async def _login(
    client: httpx.AsyncClient, email: str, password: str, otp: str | None = None
) -> tuple[list[str], str | None]:
    reply = await gql(client, LOGIN, {"email": email, "password": password, "otp": otp})
    if reply.codes:
        return reply.codes, None
    token: str = reply.data["auth_login"]["access_token"]
    return [], token


async def _tokens(
    client: httpx.AsyncClient,
    services: Services,
    imported: Imported,
    emails: set[str] | None = None,
) -> dict[str, str]:
    """Every user (of `emails`) that can log in, logged in."""
    tokens: dict[str, str] = {}
    secret = imported.measured["tfa"]["secret"]
    for user in imported.measured["users"]:
        if emails is not None and user["email"] not in emails:
            continue
        otp = ShortSecretTOTP(secret).at(services.clock.now()) if user.get("tfa") else None
        codes, token = await _login(client, user["email"], user["password"], otp)
        if user.get("status") == "suspended":
            assert codes == ["INVALID_CREDENTIALS"], user["email"]
            continue
        assert codes == [], user["email"]
        assert token is not None
        tokens[user["email"]] = token
    return tokens


def _as_measured(rows: Iterable[Permission]) -> dict[str, dict[str, tuple[str, list[str]]]]:
    """Rows as Directus's GET /permissions/me sums them up: per collection and action, the
    fields together, and `partial` when a row limits the items."""
    summed: dict[str, dict[str, tuple[bool, set[str]]]] = {}
    for row in rows:
        # The public's rows reach unauthenticated requests only (as Directus's fetchPolicies).
        if row.collection in ROW_COLLECTIONS and row.policy != PUBLIC_POLICY_ID:
            actions = summed.setdefault(row.collection, {})
            limited, fields = actions.get(row.action, (False, set()))
            actions[row.action] = (limited or bool(row.permissions), fields | set(row.fields or []))
    return {
        collection: {
            action: ("partial" if limited else "full", ["*"] if "*" in fields else sorted(fields))
            for action, (limited, fields) in actions.items()
        }
        for collection, actions in summed.items()
    }


def _measured(caller: dict[str, Any]) -> dict[str, dict[str, tuple[str, list[str]]]]:
    body = caller["permissions_me"]["body"]["data"]
    return {
        collection: {
            action: (grant["access"], sorted(grant["fields"]))
            for action, grant in actions.items()
            if grant["access"] != "none"
        }
        for collection, actions in body.items()
        if collection in ROW_COLLECTIONS
    }


async def test_every_user_logs_in_with_the_password_directus_had(
    client: httpx.AsyncClient, services: Services, imported: Imported
) -> None:
    report = imported.report
    assert (report.roles, report.policies, report.access) == (5, 7, 8)
    assert (report.users, report.permissions, report.skipped) == (9, 12, [])
    tokens = await _tokens(client, services, imported)
    assert len(tokens) == 8
    # The TOTP user needs its code; the suspended one stays out.
    assert (await _login(client, "tfa@example.com", "Tfa-Pass-1"))[0] == ["INVALID_OTP"]
    assert (await _login(client, "viewer@example.com", "Wrong-Pass-1"))[0] == [
        "INVALID_CREDENTIALS"
    ]
    me = await gql(client, "{ users_me { id email } }", token=tokens["direct@example.com"])
    assert ok(me, "users_me") == {
        "id": imported.user_id("direct@example.com"),
        "email": "direct@example.com",
    }


async def test_each_user_gets_the_access_directus_gave(
    services: Services, imported: Imported
) -> None:
    for email, caller in imported.measured["callers"].items():
        if email == "public":
            continue
        found = await services.db.run_reads(AccessQuery(user_id=imported.user_id(email)))
        assert found is not None
        access = found.at(LOOPBACK)
        flags = caller["policies_me_globals"]["body"]["data"]
        assert (access.admin, access.app, access.enforce_tfa) == (
            flags["admin_access"],
            flags["app_access"],
            flags["enforce_tfa"],
        ), email
        if access.admin:
            continue
        expected = _measured(TRUTH["callers"][email])
        given = _as_measured(access.permissions)
        if access.app:
            expected = {k: v for k, v in expected.items() if k not in APP_MINIMUM}
            given = {k: v for k, v in given.items() if k not in APP_MINIMUM}
        assert given == expected, email
    # The IP Policy (enforce_tfa, read every user) applies inside 10.0.0.0/8 only.
    viewer = await services.db.run_reads(
        AccessQuery(user_id=imported.user_id("viewer@example.com"))
    )
    assert viewer is not None
    inside = viewer.at(INSIDE_IP_POLICY)
    assert (
        inside.enforce_tfa
        == TRUTH["probes"]["ip_viewer_globals_from_10_x"]["body"]["data"]["enforce_tfa"]
    )
    assert _as_measured(inside.permissions)["directus_users"]["read"] == ("partial", ["*"])


async def test_custom_rules_nested_roles_and_user_policies_hold(
    client: httpx.AsyncClient, services: Services, imported: Imported
) -> None:
    names = {"staff", "viewer", "direct", "editor", "junior"}
    tokens = await _tokens(client, services, imported, {f"{name}@example.com" for name in names})
    everyone = set(imported.measured["ids"]["users"].values())
    # Staff reads id and email of everyone (our first admin too); the Viewer Policy only the
    # active users' names.
    staff = await gql(client, "{ users { id email } }", token=tokens["staff@example.com"])
    assert {row["id"] for row in ok(staff, "users")} & everyone == everyone
    viewer = await gql(client, "{ users { id first_name } }", token=tokens["viewer@example.com"])
    suspended = imported.user_id("suspended@example.com")
    assert {row["id"] for row in ok(viewer, "users")} & everyone == everyone - {suspended}
    # The Direct Policy, attached to the user itself: its own record only.
    direct = await gql(client, "{ users { id email } }", token=tokens["direct@example.com"])
    assert ok(direct, "users") == [
        {"id": imported.user_id("direct@example.com"), "email": "direct@example.com"}
    ]
    # GHSA-99vm-5v2h-h6r6 as Directus 11 answered: Editors may update `title` of anyone
    # (their own policy) and names only on their own record (Staff's, inherited).
    update = """
    mutation($id: ID!, $data: update_directus_users_input!) {
      update_users_item(id: $id, data: $data) { id }
    }
    """
    viewer_id = imported.user_id("viewer@example.com")
    for email in ("editor@example.com", "junior@example.com"):
        variables = {"id": viewer_id, "data": {"title": "Probe"}}
        titled = await gql(client, update, variables, token=tokens[email])
        assert ok(titled, "update_users_item") == {"id": viewer_id}, email
        variables = {"id": viewer_id, "data": {"first_name": "Probe"}}
        renamed = await gql(client, update, variables, token=tokens[email])
        assert_error(renamed, "FORBIDDEN", "update_users_item")
    # The public's read of role names, merged into our Public policy.
    names = ok(await gql(client, "{ roles { name } }"), "roles")
    measured_names = TRUTH["probes"]["anonymous_graphql_roles"]["body"]["data"]["roles"]
    assert {row["name"] for row in names} == {row["name"] for row in measured_names}


async def test_importing_again_changes_nothing(services: Services, imported: Imported) -> None:
    async def counts() -> tuple[int, int, int]:
        async with services.db.read() as session:
            public = select(func.count()).where(
                col(PolicyAccess.policy) == PUBLIC_POLICY_ID,
                col(PolicyAccess.role).is_(None),
                col(PolicyAccess.user).is_(None),
            )
            return (
                (await session.exec(select(func.count()).select_from(PolicyAccess))).one(),
                (await session.exec(public)).one(),
                (await session.exec(select(func.count()).select_from(Permission))).one(),
            )

    before = await counts()
    # Directus's public access row is ours: one public row; and 8 rows of the source plus
    # our first admin's role's.
    assert before[:2] == (9, 1)
    again = await import_directus(services, imported.source)
    assert again == imported.report
    assert await counts() == before
    # The next row made here gets a new id (PostgreSQL's sequence moved past the copied ids).
    async with services.db.write() as session:
        row = Permission(policy=PUBLIC_POLICY_ID, collection="directus_users", action="read")
        session.add(row)
        await session.flush()
        assert row.id == 13


@pytest.mark.parametrize("name", ["directus12", "directus11"])
async def test_a_static_token_comes_along_hashed(
    client: httpx.AsyncClient, services: Services, tmp_path: Path, name: str
) -> None:
    source = shutil.copyfile(FIXTURES / name / f"{name}.db", tmp_path / "directus.db")
    with sqlite3.connect(source) as db:
        db.execute(
            "UPDATE directus_users SET token = 'viewer-static-token' WHERE email = ?",
            ("viewer@example.com",),
        )
    await import_directus(services, str(source))
    # The Viewer Policy reads names, not addresses.
    me = await gql(client, "{ users_me { first_name } }", token="viewer-static-token")
    assert ok(me, "users_me") == {"first_name": "Vic"}
    async with services.db.read() as session:
        stored = (
            await session.exec(select(User.token).where(col(User.email) == "viewer@example.com"))
        ).one()
    assert stored == hash_token("viewer-static-token")


async def test_what_cannot_be_copied_is_skipped_and_said(
    client: httpx.AsyncClient, services: Services, tmp_path: Path
) -> None:
    """An address another user has here, and a permission id another policy uses here: the
    rest comes along, the report names each left-out row."""
    ours = await create_user(services, "Direct@Example.com", "our-password-1")
    async with services.db.write() as session:
        session.add(Permission(id=5, policy=PUBLIC_POLICY_ID, collection="x", action="read"))
    source = shutil.copyfile(FIXTURES / "directus12" / "directus12.db", tmp_path / "d.db")
    measured = json.loads((FIXTURES / "directus12" / "measured.json").read_text())
    direct = measured["ids"]["users"]["direct@example.com"]
    report = await import_directus(services, str(source))
    assert report.skipped == [
        f"user {direct}: direct@example.com is already taken here",
        f"access 00000000-0000-4000-8000-000000000405: user {direct} was not imported",
        "permission 5: the id is another policy's row here",
    ]
    assert (report.users, report.access, report.permissions) == (8, 7, 11)
    # Our user keeps its password; the others came along.
    assert (await _login(client, "direct@example.com", "our-password-1"))[0] == []
    assert (await _login(client, "direct@example.com", "Direct-Pass-1"))[0] == [
        "INVALID_CREDENTIALS"
    ]
    assert (await _login(client, "staff@example.com", "Staff-Pass-1"))[0] == []
    async with services.db.read() as session:
        kept = await session.get(Permission, 5)
    assert kept is not None
    assert (kept.policy, kept.collection) == (PUBLIC_POLICY_ID, "x")
    assert ours.id != direct
