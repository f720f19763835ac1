"""`dauth bootstrap` as an operator runs it: generated passwords and bad settings."""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

import httpx
import pytest

from tests.e2e.server_process import BIN, running_server

pytestmark = pytest.mark.e2e

CHEAP = {"HASH_MEMORY_COST": "1024", "HASH_TIME_COST": "1", "HASH_PARALLELISM": "1"}


def _env(**extra: str) -> dict[str, str]:
    return {"PATH": os.environ.get("PATH", ""), **CHEAP, **extra}


def test_generated_admin_password_is_printed_once_and_works(tmp_path: Path) -> None:
    env = _env(SECRET="cli-secret-long-enough-0123456789abcdef", ADMIN_EMAIL="root@example.com")
    first = subprocess.run(
        [str(BIN / "dauth"), "bootstrap"], cwd=tmp_path, env=env, capture_output=True, text=True
    )
    assert first.returncode == 0, first.stderr
    match = re.search(r"Generated admin password \(shown once\): (\S+)", first.stdout)
    assert match, first.stdout
    again = subprocess.run(
        [str(BIN / "dauth"), "bootstrap"], cwd=tmp_path, env=env, capture_output=True, text=True
    )
    assert again.returncode == 0
    assert "Generated admin password" not in again.stdout

    with running_server(tmp_path, {**env, "LOGIN_STALL_TIME": "0"}) as server:
        reply = httpx.post(
            f"{server.url}/graphql/system",
            json={
                "query": 'mutation($p: String!) { auth_login(email: "root@example.com", '
                "password: $p) { access_token } }",
                "variables": {"p": match.group(1)},
            },
            timeout=10,
        ).json()
    assert reply["data"]["auth_login"]["access_token"]


@pytest.mark.parametrize(
    ("name", "value"),
    [("ACCESS_TOKEN_TTL", "soon"), ("PORT", "eighty"), ("DB_CLIENT", "oracle")],
)
def test_bad_setting_stops_start_up_with_one_line_naming_it(
    tmp_path: Path, name: str, value: str
) -> None:
    result = subprocess.run(
        [str(BIN / "dauth"), "bootstrap"],
        cwd=tmp_path,
        env=_env(SECRET="x" * 40, **{name: value}),
        capture_output=True,
        text=True,
    )
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert name in lines[0]
    assert not (tmp_path / "data").exists()
