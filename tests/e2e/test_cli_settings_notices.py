"""Settings notices as an operator sees them: once, one line each, on real processes."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import httpx
import pytest

from tests.e2e.server_process import BIN, running_server

pytestmark = pytest.mark.e2e

CHEAP = {"HASH_MEMORY_COST": "1024", "HASH_TIME_COST": "1", "HASH_PARALLELISM": "1"}


def test_two_workers_without_secret_say_it_once_and_share_one(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text("SECERT=meant-as-the-secret\n", encoding="utf-8")
    env = {**CHEAP, "WORKERS": "2", "ADMIN_EMAIL": "a@example.com", "ADMIN_PASSWORD": "pw-12345"}
    with running_server(tmp_path, env) as server:
        login = (
            'mutation { auth_login(email: "a@example.com", password: "pw-12345") { access_token } }'
        )
        token = httpx.post(f"{server.url}/graphql/system", json={"query": login}, timeout=10)
        access = token.json()["data"]["auth_login"]["access_token"]
        # Whichever worker answers, the token verifies: both hold the one generated SECRET.
        for _ in range(6):
            me = httpx.get(
                f"{server.url}/users/me", headers={"Authorization": f"Bearer {access}"}, timeout=5
            )
            assert me.status_code == 200, me.text
    log = server.log.read_text()
    assert log.count("SECRET is not set") == 1, log
    assert log.count("SECERT is not a dauth setting (ignored); did you mean SECRET?") == 1
    assert log.count("Warning: ") == 2, log
    assert ".py:" not in log  # no Python warning with a file path


@pytest.mark.parametrize(
    ("env", "words"),
    [
        ({"SECRET": "too-short"}, "SECRET is 9 bytes; it must be at least 32"),
        ({"PUBLIC_URL": "https://auth.example.com"}, "SECRET is not set"),
        ({"SECRET": "s" * 40, "EMAIL_TRANSPORT": "sendmail"}, "allowed: smtp or outbox"),
    ],
)
def test_refused_settings_stop_serve_with_one_line(
    tmp_path: Path, env: dict[str, str], words: str
) -> None:
    result = subprocess.run(
        [str(BIN / "dauth"), "serve"],
        cwd=tmp_path,
        env={"PATH": os.environ.get("PATH", ""), **env},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert [words in line for line in result.stderr.strip().splitlines()] == [True]
    assert not (tmp_path / "data").exists()
