"""The Directus 12 and 11 fixtures (made by scripts/directus12-fixture/make) hold what their READMEs
say, and their measured.json describe those databases, so later tests rely on both without node or
network."""

from __future__ import annotations

import base64
import json
import re
import sqlite3
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
# The same set-up made by Directus 12 (Core licence) and by Directus 11 (no licence gates).
VERSIONS = {"directus12": "12.4.1", "directus11": "11.17.4"}


@pytest.fixture(scope="module", params=sorted(VERSIONS))
def fixture_dir(request: pytest.FixtureRequest) -> Path:
    name: str = request.param
    return FIXTURES / name


@pytest.fixture(scope="module")
def db(fixture_dir: Path) -> Iterator[sqlite3.Connection]:
    # immutable: never writes a journal beside the committed file.
    path = fixture_dir / f"{fixture_dir.name}.db"
    connection = sqlite3.connect(f"file:{path}?mode=ro&immutable=1", uri=True)
    connection.row_factory = sqlite3.Row
    yield connection
    connection.close()


@pytest.fixture(scope="module")
def measured(fixture_dir: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((fixture_dir / "measured.json").read_text())
    assert data["directus"]["version"] == VERSIONS[fixture_dir.name]
    return data


def _columns(db: sqlite3.Connection, table: str) -> set[str]:
    return {row["name"] for row in db.execute(f"PRAGMA table_info({table})")}


def _one(db: sqlite3.Connection, sql: str, *args: object) -> sqlite3.Row:
    rows = db.execute(sql, args).fetchall()
    assert len(rows) == 1, (sql, args, [dict(r) for r in rows])
    row: sqlite3.Row = rows[0]
    return row


def test_the_fixture_is_small(fixture_dir: Path) -> None:
    for path in fixture_dir.iterdir():
        assert path.stat().st_size < 1_000_000, path


def test_tables_of_the_directus_11_and_12_access_model(db: sqlite3.Connection) -> None:
    assert {"id", "name", "parent"} <= _columns(db, "directus_roles")
    assert {"id", "name", "ip_access", "enforce_tfa", "admin_access", "app_access"} <= _columns(
        db, "directus_policies"
    )
    assert {"id", "role", "user", "policy", "sort"} <= _columns(db, "directus_access")
    assert {"collection", "action", "fields", "permissions", "policy"} <= _columns(
        db, "directus_permissions"
    )
    # Directus 10's role flags are gone from roles: they live on policies now.
    assert "admin_access" not in _columns(db, "directus_roles")
    assert "role" not in _columns(db, "directus_permissions")


def test_roles_nest_two_levels(db: sqlite3.Connection, measured: dict[str, Any]) -> None:
    roles = measured["ids"]["roles"]
    parent = {
        row["name"]: row["parent"] for row in db.execute("SELECT name, parent FROM directus_roles")
    }
    assert parent == {
        "Administrator": None,
        "Staff": None,
        "Editors": roles["Staff"],
        "Junior Editors": roles["Editors"],
        "Viewers": None,
    }
    for name, role_id in roles.items():
        assert _one(db, "SELECT name FROM directus_roles WHERE id = ?", role_id)["name"] == name


def test_policies_and_their_flags(db: sqlite3.Connection, measured: dict[str, Any]) -> None:
    flags = {
        row["name"]: (row["admin_access"], row["app_access"], row["enforce_tfa"], row["ip_access"])
        for row in db.execute("SELECT * FROM directus_policies")
    }
    assert flags == {
        "$t:public_label": (0, 0, 0, None),
        "Administrator": (1, 1, 0, None),
        "Staff Policy": (0, 0, 0, None),
        "Editor Policy": (0, 0, 0, None),
        "Viewer Policy": (0, 0, 0, None),
        "IP Policy": (0, 0, 1, "10.0.0.0/8"),
        "Direct Policy": (0, 1, 0, None),
    }
    names = {row["id"]: row["name"] for row in db.execute("SELECT id, name FROM directus_policies")}
    assert {names[policy_id] for policy_id in measured["ids"]["policies"].values()} == set(flags)


def _expected_access(ids: dict[str, Any]) -> set[tuple[str, str | None, str | None]]:
    """(policy, role, user) of every directus_access row the README describes."""
    policies, roles, users = ids["policies"], ids["roles"], ids["users"]
    return {
        (policies["Public"], None, None),
        (policies["Administrator"], roles["Administrator"], None),
        (policies["Administrator"], None, users["admin2@example.com"]),
        (policies["Staff Policy"], roles["Staff"], None),
        (policies["Editor Policy"], roles["Editors"], None),
        (policies["Viewer Policy"], roles["Viewers"], None),
        (policies["IP Policy"], roles["Viewers"], None),
        (policies["Direct Policy"], None, users["direct@example.com"]),
    }


def test_access_rows_attach_policies_to_roles_users_and_the_public(
    db: sqlite3.Connection, measured: dict[str, Any]
) -> None:
    ids = measured["ids"]
    rows = {
        (row["policy"], row["role"], row["user"])
        for row in db.execute('SELECT policy, role, "user" FROM directus_access')
    }
    assert rows == _expected_access(ids)
    assert sorted(ids["access"]) == sorted(
        r["id"] for r in db.execute("SELECT id FROM directus_access")
    )


def test_permissions_belong_to_policies_custom_rules_included(
    db: sqlite3.Connection, measured: dict[str, Any]
) -> None:
    policies = measured["ids"]["policies"]
    own = json.dumps({"id": {"_eq": "$CURRENT_USER"}}, separators=(",", ":"))
    row = _one(
        db,
        "SELECT fields, permissions FROM directus_permissions"
        " WHERE policy = ? AND collection = 'directus_users' AND action = 'update'",
        policies["Staff Policy"],
    )
    assert (row["fields"], row["permissions"]) == ("first_name,last_name", own)
    row = _one(
        db,
        "SELECT fields FROM directus_permissions WHERE policy = ? AND action = 'update'",
        policies["Editor Policy"],
    )
    assert row["fields"] == "title"
    row = _one(db, "SELECT fields FROM directus_permissions WHERE policy = ?", policies["Public"])
    assert row["fields"] == "name"
    # The TOTP set-up policy was removed with its permission.
    assert not db.execute(
        "SELECT 1 FROM directus_permissions WHERE policy NOT IN (SELECT id FROM directus_policies)"
    ).fetchall()
    # Every rule an admin reads back through the API is in the database; Directus 12 Core hides
    # (and ignores) the custom ones, Directus 11 shows them all.
    stored = db.execute("SELECT count(*) FROM directus_permissions").fetchone()[0]
    shown = [p for p in measured["state"]["permissions"] if p["policy"] is not None]
    assert stored == 12
    assert len(shown) == (4 if measured["directus"]["version"].startswith("12.") else 12)
    for permission in shown:
        assert _one(db, "SELECT policy FROM directus_permissions WHERE id = ?", permission["id"])


def test_users_roles_statuses_and_passwords(
    db: sqlite3.Connection, measured: dict[str, Any]
) -> None:
    ids = measured["ids"]
    assert len(measured["users"]) == 9
    for user in measured["users"]:
        row = _one(db, "SELECT * FROM directus_users WHERE email = ?", user["email"])
        assert row["id"] == user["id"] == ids["users"][user["email"]]
        assert row["role"] == (ids["roles"][user["role"]] if user["role"] else None)
        assert row["status"] == user.get("status", "active")
        assert row["password"].startswith("$argon2id$")
        assert user["password"] not in row["password"]
    suspended = _one(db, "SELECT status FROM directus_users WHERE email = 'suspended@example.com'")
    assert suspended["status"] == "suspended"


def test_totp_user_holds_the_measured_secret(
    db: sqlite3.Connection, measured: dict[str, Any]
) -> None:
    secret = measured["tfa"]["secret"]
    assert len(base64.b32decode(secret + "=" * (-len(secret) % 8))) >= 10
    rows = db.execute("SELECT email FROM directus_users WHERE tfa_secret IS NOT NULL").fetchall()
    assert [r["email"] for r in rows] == [measured["tfa"]["email"]] == ["tfa@example.com"]
    row = _one(db, "SELECT tfa_secret FROM directus_users WHERE email = 'tfa@example.com'")
    assert row["tfa_secret"] == secret
    assert measured["tfa"]["enable"]["status"] == 204


def test_every_measured_caller_is_a_user_of_the_database(
    db: sqlite3.Connection, measured: dict[str, Any]
) -> None:
    callers = measured["callers"]
    active = {
        r["email"] for r in db.execute("SELECT email FROM directus_users WHERE status = 'active'")
    }
    assert set(callers) == active | {"public"}
    for email, answers in callers.items():
        if email == "public":
            assert answers["users_me"]["status"] == 401
            continue
        me = answers["users_me"]
        assert me["status"] == 200
        assert (
            me["body"]["data"]["id"]
            == _one(db, "SELECT id FROM directus_users WHERE email = ?", email)["id"]
        )
        assert answers["policies_me_globals"]["status"] == 200
        assert answers["graphql_schema"]["status"] == 200


def test_measured_globals_follow_the_policies(measured: dict[str, Any]) -> None:
    def globals_of(email: str) -> dict[str, bool]:
        data: dict[str, bool] = measured["callers"][email]["policies_me_globals"]["body"]["data"]
        return data

    assert globals_of("admin2@example.com")["admin_access"] is True  # direct admin policy
    assert globals_of("direct@example.com") == {
        "admin_access": False,
        "app_access": True,
        "enforce_tfa": False,
    }
    # The IP Policy (enforce_tfa, 10.0.0.0/8) did not apply from the loopback, only from 10.1.2.3.
    assert globals_of("viewer@example.com")["enforce_tfa"] is False
    from_10 = measured["probes"]["ip_viewer_globals_from_10_x"]["body"]["data"]
    assert from_10 == {"admin_access": False, "app_access": False, "enforce_tfa": True}
    assert globals_of("public") == {"app_access": False}


def test_directus_12_is_dated_as_upgraded_from_directus_11(
    db: sqlite3.Connection, measured: dict[str, Any]
) -> None:
    """Directus 12 Core tolerates custom permission rules only in the grace after an upgrade."""
    if not measured["directus"]["version"].startswith("12."):
        assert not db.execute(
            "SELECT 1 FROM directus_migrations WHERE version = '20260507A'"
        ).fetchall()
        return

    def stamp(sql: str) -> datetime:
        return datetime.fromisoformat(_one(db, sql)[0])

    oldest = stamp("SELECT min(timestamp) FROM directus_migrations")
    v12 = stamp("SELECT timestamp FROM directus_migrations WHERE version = '20260507A'")
    assert v12 - oldest >= timedelta(days=1)


def _copy_rows(dump: str, table: str) -> list[dict[str, str | None]]:
    """The rows of one `COPY public.<table> (...) FROM stdin;` block of a plain pg_dump."""
    match = re.search(
        rf"^COPY public\.{table} \(([^)]*)\) FROM stdin;\n(.*?)^\\\.$", dump, re.M | re.S
    )
    assert match, table
    columns = [c.strip().strip('"') for c in match.group(1).split(",")]
    return [
        dict(zip(columns, [None if v == "\\N" else v for v in line.split("\t")], strict=True))
        for line in match.group(2).splitlines()
    ]


def test_postgresql_dump_holds_the_same_set_up() -> None:
    folder = FIXTURES / "directus12-pg"
    dump = (folder / "directus12.sql").read_text()
    measured: dict[str, Any] = json.loads((folder / "measured.json").read_text())
    ids = measured["ids"]
    assert measured["directus"]["version"] == VERSIONS["directus12"]
    for table in ("directus_policies", "directus_access", "directus_permissions", "directus_roles"):
        assert f"CREATE TABLE public.{table} (" in dump
    assert not re.search(r"^(ALTER .* OWNER TO|GRANT) ", dump, re.M)
    parent = {r["name"]: r["parent"] for r in _copy_rows(dump, "directus_roles")}
    assert parent["Junior Editors"] == ids["roles"]["Editors"]
    assert parent["Editors"] == ids["roles"]["Staff"]
    access = {(r["policy"], r["role"], r["user"]) for r in _copy_rows(dump, "directus_access")}
    assert access == _expected_access(ids)
    users = {r["email"]: r for r in _copy_rows(dump, "directus_users")}
    for user in measured["users"]:
        row = users.pop(user["email"])
        assert row["id"] == user["id"]
        assert row["role"] == (ids["roles"][user["role"]] if user["role"] else None)
        assert row["status"] == user.get("status", "active")
        assert (row["password"] or "").startswith("$argon2id$")
    assert users == {}
    secrets = {
        r["email"]: r["tfa_secret"] for r in _copy_rows(dump, "directus_users") if r["tfa_secret"]
    }
    assert secrets == {"tfa@example.com": measured["tfa"]["secret"]}
    rules = _copy_rows(dump, "directus_permissions")
    assert len([r for r in rules if r["policy"]]) == 12
    staff = [r for r in rules if r["policy"] == ids["policies"]["Staff Policy"]]
    assert [(r["fields"], r["permissions"]) for r in staff if r["action"] == "update"] == [
        ("first_name,last_name", '{"id":{"_eq":"$CURRENT_USER"}}')
    ]
