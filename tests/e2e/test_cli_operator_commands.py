"""`dauth users list/delete`, `roles list`, `--role` naming several roles, and `dauth check`
with a real SMTP server (aiosmtpd) and the machine's Redis, as an operator runs them."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

from tests.databases import worker_redis_db
from tests.e2e.server_process import free_port, run_dauth
from tests.mail_server import start_smtp

pytestmark = pytest.mark.e2e

ENV = {
    "SECRET": "operator-commands-secret-0123456789abcdefgh",
    "ADMIN_EMAIL": "owner@example.com",
    "ADMIN_PASSWORD": "owner-password-1",
    "HASH_MEMORY_COST": "1024",
    "HASH_TIME_COST": "1",
    "HASH_PARALLELISM": "1",
}


def dauth(workdir: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return run_dauth(workdir, {**ENV, **env}, *args)


def created_id(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode == 0, result.stderr
    match = re.search(r"\(([0-9a-f-]{36})\)", result.stdout)
    assert match, result.stdout
    return match.group(1)


def test_list_delete_and_a_role_name_several_roles_share(tmp_path: Path) -> None:
    assert dauth(tmp_path, "bootstrap").returncode == 0
    first = created_id(dauth(tmp_path, "roles", "create", "--name", "Editors"))
    second = created_id(dauth(tmp_path, "roles", "create", "--name", "Editors"))

    roles = dauth(tmp_path, "roles", "list")
    assert roles.returncode == 0
    assert f"{first}  Editors" in roles.stdout
    assert f"{second}  Editors" in roles.stdout
    assert roles.stdout.strip().endswith("3 roles.")

    shared = dauth(
        tmp_path, "users", "create", "--email", "ed@example.com", "--password", "pw-1",
        "--role", "Editors",
    )  # fmt: skip
    assert shared.returncode == 1
    ids = ", ".join(sorted([first, second]))
    assert shared.stderr.strip() == (
        f'Invalid payload. Several roles are called "Editors" ({ids}); give the id.'
    )
    by_id = dauth(
        tmp_path, "users", "create", "--email", "ed@example.com", "--password", "pw-1",
        "--role", second,
    )  # fmt: skip
    user_id = created_id(by_id)

    users = dauth(tmp_path, "users", "list")
    assert users.returncode == 0
    lines = users.stdout.strip().splitlines()
    assert lines[-1] == "2 users."
    assert f"{user_id}  ed@example.com  active  Editors" in lines
    assert any(line.endswith("owner@example.com  active  Administrator") for line in lines)
    assert "password" not in users.stdout.lower()

    deleted = dauth(tmp_path, "users", "delete", "--email", "ed@example.com")
    assert deleted.returncode == 0, deleted.stderr
    assert dauth(tmp_path, "users", "list").stdout.strip().endswith("1 user.")
    again = dauth(tmp_path, "users", "delete", "--email", "ed@example.com")
    assert again.returncode == 1
    assert 'No user has the email "ed@example.com"' in again.stderr


def test_check_passes_with_every_dependency_up(tmp_path: Path) -> None:
    controller, _inbox = start_smtp()
    redis = f"redis://127.0.0.1:6379/{worker_redis_db()}"
    try:
        assert dauth(tmp_path, "bootstrap").returncode == 0
        result = dauth(
            tmp_path,
            "check",
            EMAIL_TRANSPORT="smtp",
            EMAIL_SMTP_HOST="127.0.0.1",
            EMAIL_SMTP_PORT=str(controller.port),
            EMAIL_SMTP_IGNORE_TLS="true",
            RATE_LIMITER_STORE="redis",
            RATE_LIMITER_REDIS=redis,
            MESSENGER_STORE="redis",
            MESSENGER_REDIS=redis,
        )
    finally:
        controller.stop()
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    assert result.stdout.startswith("All checks passed")


def test_check_names_one_problem_per_line(tmp_path: Path) -> None:
    closed = free_port()  # nobody listens there
    (tmp_path / ".env").write_text("ADMIN_PASWORD=x\n", encoding="utf-8")
    result = dauth(
        tmp_path,
        "check",
        EMAIL_TRANSPORT="smtp",
        EMAIL_SMTP_PORT=str(closed),
        RATE_LIMITER_STORE="redis",
        RATE_LIMITER_REDIS=f"redis://:redis-pass-word@127.0.0.1:{closed}/0",
    )
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 4, result.stderr
    assert lines[0].startswith("ADMIN_PASWORD is not a dauth setting")
    assert "is at revision none" in lines[1]
    assert "run dauth bootstrap" in lines[1]
    assert lines[2].startswith(f"EMAIL_SMTP_HOST/EMAIL_SMTP_PORT (127.0.0.1:{closed})")
    assert lines[3].startswith(f"RATE_LIMITER_REDIS (redis://…@127.0.0.1:{closed}/0)")
    assert "redis-pass-word" not in result.stderr
    assert "Traceback" not in result.stderr


def test_check_names_an_unreachable_database(tmp_path: Path) -> None:
    result = dauth(tmp_path, "check", DB_CLIENT="pg", DB_PORT=str(free_port()))
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("DB_HOST/DB_PORT (postgres@127.0.0.1:")
    assert "connection refused" in result.stderr


def test_operator_commands_on_a_database_never_set_up_say_so_in_one_line(
    tmp_path: Path,
) -> None:
    """Before `dauth bootstrap`, listing or changing reads tables that are not there: one
    line naming the database and what to run, exit 1, no SQL traceback."""
    for command in (("users", "list"), ("roles", "list"), ("mail", "list")):
        result = dauth(tmp_path, *command)
        assert result.returncode == 1, result
        line = result.stderr.strip().splitlines()[-1]
        assert re.search(r"is at revision none, not \w+: run dauth bootstrap$", line), line
        assert "Traceback" not in result.stderr
        assert "SELECT" not in result.stderr
    assert dauth(tmp_path, "bootstrap").returncode == 0
    assert dauth(tmp_path, "mail", "list").returncode == 0
