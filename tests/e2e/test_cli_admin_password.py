"""ADMIN_PASSWORD on a later `dauth bootstrap`: never applied, and said so once."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from tests.e2e.server_process import run_dauth, running_server
from tests.graphql_reply import post_graphql

pytestmark = pytest.mark.e2e

ENV = {
    "SECRET": "admin-password-secret-0123456789abcdefgh",
    "ADMIN_EMAIL": "owner@example.com",
    "HASH_MEMORY_COST": "1024",
    "HASH_TIME_COST": "1",
    "HASH_PARALLELISM": "1",
    "LOGIN_STALL_TIME": "0",
}
LOGIN = (
    "mutation L($email: String!, $password: String!) "
    "{ auth_login(email: $email, password: $password) { access_token } }"
)


def dauth(workdir: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return run_dauth(workdir, {**ENV, **env}, *args)


def test_a_changed_admin_password_is_ignored_with_the_way_to_change_it(tmp_path: Path) -> None:
    first = dauth(tmp_path, "bootstrap", ADMIN_PASSWORD="first-password-1")
    assert first.returncode == 0, first.stderr
    same = dauth(tmp_path, "bootstrap", ADMIN_PASSWORD="first-password-1")
    assert same.returncode == 0
    assert "ADMIN_PASSWORD" not in same.stderr + same.stdout

    other = dauth(tmp_path, "bootstrap", ADMIN_PASSWORD="second-password-2")
    assert other.returncode == 0
    lines = [line for line in other.stderr.splitlines() if "ADMIN_PASSWORD" in line]
    assert lines == [
        "ADMIN_PASSWORD is ignored: the database has users already (it only sets the first "
        "admin's password). To change a password: dauth users passwd --email "
        "owner@example.com --password NEW"
    ]
    assert "second-password-2" not in other.stderr + other.stdout

    with running_server(tmp_path, ENV, bootstrap=False) as server:
        old = post_graphql(
            server.url, LOGIN, {"email": "owner@example.com", "password": "first-password-1"}
        )
        assert old.body["data"]["auth_login"]["access_token"]
        ignored = post_graphql(
            server.url, LOGIN, {"email": "owner@example.com", "password": "second-password-2"}
        )
        assert ignored.body["errors"][0]["extensions"]["code"] == "INVALID_CREDENTIALS"

    # The command the line names does what it says.
    changed = dauth(
        tmp_path, "users", "passwd", "--email", "owner@example.com", "--password", "third-pw-3"
    )
    assert changed.returncode == 0, changed.stderr
    again = dauth(tmp_path, "bootstrap", ADMIN_PASSWORD="third-pw-3")
    assert "ADMIN_PASSWORD" not in again.stderr


def test_admin_password_for_an_email_nobody_has_is_ignored_too(tmp_path: Path) -> None:
    assert dauth(tmp_path, "bootstrap", ADMIN_PASSWORD="first-password-1").returncode == 0
    other = dauth(
        tmp_path, "bootstrap", ADMIN_EMAIL="new@example.com", ADMIN_PASSWORD="first-password-1"
    )
    assert other.returncode == 0
    assert "ADMIN_PASSWORD is ignored" in other.stderr
