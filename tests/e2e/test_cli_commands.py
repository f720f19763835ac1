"""`dauth users`, `dauth roles` and `dauth schema` as an operator runs them."""

from __future__ import annotations

import subprocess
from pathlib import Path

import httpx
import pytest

from tests.e2e.server_process import run_dauth, running_server
from tests.graphql_reply import post_graphql

pytestmark = pytest.mark.e2e

ENV = {
    "SECRET": "cli-commands-secret-0123456789abcdefghij",
    "ADMIN_EMAIL": "owner@example.com",
    "ADMIN_PASSWORD": "owner-password-1",
    "HASH_MEMORY_COST": "1024",
    "HASH_TIME_COST": "1",
    "HASH_PARALLELISM": "1",
    "LOGIN_STALL_TIME": "0",
}


def dauth(workdir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return run_dauth(workdir, ENV, *args)


def login(url: str, email: str, password: str) -> dict[str, object]:
    query = (
        "mutation($e: String!, $p: String!) { auth_login(email: $e, password: $p) "
        "{ access_token } }"
    )
    body: dict[str, object] = post_graphql(url, query, {"e": email, "p": password}).body
    return body


def test_users_and_roles_commands(tmp_path: Path) -> None:
    assert dauth(tmp_path, "bootstrap").returncode == 0
    role = dauth(tmp_path, "roles", "create", "--name", "Editors")
    assert role.returncode == 0, role.stderr
    assert role.stdout.startswith("Created role Editors (")
    created = dauth(
        tmp_path,
        "users",
        "create",
        "--email",
        "ed@example.com",
        "--password",
        "first-pass-1",
        "--role",
        "Editors",
    )
    assert created.returncode == 0, created.stderr
    changed = dauth(
        tmp_path, "users", "passwd", "--email", "ED@example.com", "--password", "second-pass-2"
    )
    assert changed.returncode == 0, changed.stderr

    with running_server(tmp_path, ENV) as server:
        old = login(server.url, "ed@example.com", "first-pass-1")
        new = login(server.url, "ed@example.com", "second-pass-2")
        token = new["data"]["auth_login"]["access_token"]  # type: ignore[index]
        me = httpx.post(
            f"{server.url}/graphql/system",
            json={"query": "{ users_me { email role { name admin_access } } }"},
            headers={"Authorization": f"Bearer {token}"},
            timeout=10,
        ).json()
    assert old["errors"][0]["extensions"]["code"] == "INVALID_CREDENTIALS"  # type: ignore[index]
    assert me == {
        "data": {
            "users_me": {
                "email": "ed@example.com",
                "role": {"name": "Editors", "admin_access": False},
            }
        }
    }


def test_refusals_exit_1_with_the_reason(tmp_path: Path) -> None:
    assert dauth(tmp_path, "bootstrap").returncode == 0
    unknown = dauth(tmp_path, "users", "passwd", "--email", "no@example.com", "--password", "x")
    assert unknown.returncode == 1
    assert unknown.stderr.strip() == 'Invalid payload. No user has the email "no@example.com".'
    invalid = dauth(tmp_path, "users", "create", "--email", "not-an-email", "--password", "x")
    assert invalid.returncode == 1
    assert "Value has to be a valid email address." in invalid.stderr
    duplicate = dauth(
        tmp_path, "users", "create", "--email", "OWNER@example.com", "--password", "x"
    )
    assert duplicate.returncode == 1
    assert "has to be unique" in duplicate.stderr
    no_role = dauth(
        tmp_path, "users", "create", "--email", "x@example.com", "--password", "x", "--role", "Nope"
    )
    assert no_role.returncode == 1


def test_usage_errors_exit_2_and_help_lists_commands(tmp_path: Path) -> None:
    wrong = dauth(tmp_path, "frobnicate")
    assert wrong.returncode == 2
    missing = dauth(tmp_path, "users", "create", "--email", "a@example.com")
    assert missing.returncode == 2
    assert "--password" in missing.stderr
    helped = dauth(tmp_path, "--help")
    assert helped.returncode == 0
    for command in ("bootstrap", "serve", "users", "roles", "schema", "import-directus"):
        assert command in helped.stdout


def test_schema_export_matches_the_committed_file(tmp_path: Path) -> None:
    target = tmp_path / "schema.graphql"
    result = dauth(tmp_path, "schema", "export", "--output", str(target))
    assert result.returncode == 0, result.stderr
    committed = Path(__file__).resolve().parents[2] / "schema.graphql"
    assert target.read_text(encoding="utf-8") == committed.read_text(encoding="utf-8")
    printed = dauth(tmp_path, "schema", "export")
    assert printed.stdout == committed.read_text(encoding="utf-8")
