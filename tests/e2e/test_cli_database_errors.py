"""A database that cannot be opened, as a new operator meets it: `dauth bootstrap` and
`dauth serve` stop with one line naming the variable and the cause, exit code 1, and no
traceback unless LOG_LEVEL=debug."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from tests.e2e.server_process import free_port, run_dauth

pytestmark = pytest.mark.e2e

SECRET = "database-errors-secret-0123456789abcdefgh"


def dauth(workdir: Path, command: str, **env: str) -> subprocess.CompletedProcess[str]:
    return run_dauth(workdir, {"SECRET": SECRET, **env}, command)


def one_line_failure(result: subprocess.CompletedProcess[str], *words: str) -> str:
    assert result.returncode == 1, (result.stdout, result.stderr)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "Traceback" not in result.stderr
    for word in words:
        assert word in lines[0], lines[0]
    return lines[0]


@pytest.mark.parametrize("command", ["bootstrap", "serve"])
def test_db_filename_that_is_a_folder(tmp_path: Path, command: str) -> None:
    (tmp_path / "db").mkdir()
    line = one_line_failure(dauth(tmp_path, command, DB_FILENAME="db"), "DB_FILENAME=db")
    assert "folder" in line


def test_db_filename_that_is_not_a_database(tmp_path: Path) -> None:
    (tmp_path / "notes.db").write_text("these are not pages of a database " * 200)
    line = one_line_failure(dauth(tmp_path, "serve", DB_FILENAME="notes.db"), "DB_FILENAME")
    assert "not a database" in line


def test_db_filename_in_a_folder_whose_parent_is_missing(tmp_path: Path) -> None:
    result = dauth(tmp_path, "bootstrap", DB_FILENAME="nowhere/deeper/data.db")
    one_line_failure(result, "DB_FILENAME=nowhere/deeper/data.db", "does not exist")
    assert not (tmp_path / "nowhere").exists()


def test_a_missing_last_folder_is_created_and_said(tmp_path: Path) -> None:
    result = dauth(tmp_path, "bootstrap", DB_FILENAME="store/data.db", HASH_MEMORY_COST="1024")
    assert result.returncode == 0, result.stderr
    assert "Created the folder store for DB_FILENAME=store/data.db." in result.stderr
    assert (tmp_path / "store" / "data.db").is_file()
    again = dauth(tmp_path, "bootstrap", DB_FILENAME="store/data.db", HASH_MEMORY_COST="1024")
    assert again.returncode == 0
    assert "Created the folder" not in again.stderr


def test_traceback_only_with_debug_logging(tmp_path: Path) -> None:
    (tmp_path / "db").mkdir()
    result = dauth(tmp_path, "serve", DB_FILENAME="db", LOG_LEVEL="debug")
    assert result.returncode == 1
    assert "Traceback" in result.stderr
    assert result.stderr.strip().splitlines()[-1].startswith("DB_FILENAME=db")


def pg(**parts: str) -> dict[str, str]:
    return {"DB_CLIENT": "pg", "DB_HOST": "127.0.0.1", "DB_PORT": "5432", **parts}


@pytest.mark.parametrize("command", ["bootstrap", "serve"])
def test_postgres_refusing(tmp_path: Path, command: str) -> None:
    port = str(free_port())  # a loopback port nobody listens on
    result = dauth(tmp_path, command, **pg(DB_PORT=port, DB_PASSWORD="hunter2-secret"))
    line = one_line_failure(result, "DB_HOST", f"127.0.0.1:{port}", "refused")
    assert "hunter2-secret" not in result.stderr + result.stdout
    assert line


def test_postgres_unknown_role(tmp_path: Path) -> None:
    result = dauth(
        tmp_path, "bootstrap", **pg(DB_USER="no_such_role_dauth", DB_PASSWORD="wrong-pw-xyz")
    )
    one_line_failure(result, "DB_USER", "no_such_role_dauth")
    assert "wrong-pw-xyz" not in result.stderr + result.stdout


def test_postgres_unknown_database(tmp_path: Path) -> None:
    result = dauth(tmp_path, "serve", **pg(DB_DATABASE="no_such_database_dauth"))
    one_line_failure(result, "DB_DATABASE", "no_such_database_dauth")


def test_connection_string_is_named_without_its_password(tmp_path: Path) -> None:
    port = free_port()
    url = f"postgresql://someone:p4ssw0rd-secret@127.0.0.1:{port}/db"
    result = dauth(tmp_path, "serve", DB_CLIENT="pg", DB_CONNECTION_STRING=url)
    one_line_failure(result, "DB_CONNECTION_STRING", "refused")
    assert "p4ssw0rd-secret" not in result.stderr + result.stdout
