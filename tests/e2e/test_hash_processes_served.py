"""A served dauth hashes in processes of its own (the default HASH_POOL=process): they start
with the server, a killed one does not cost a login, and they end with the server whether
it stops on SIGTERM or is killed."""

from __future__ import annotations

import os
import signal
import sys
import time
from pathlib import Path

import httpx
import pytest

from tests.e2e.server_process import running_server

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(sys.platform != "linux", reason="reads /proc"),
]

EMAIL, PASSWORD = "admin@example.com", "admin-password-1"
ENV = {
    "SECRET": "hash-processes-secret-long-enough-for-hs256-0123",
    "ADMIN_EMAIL": EMAIL,
    "ADMIN_PASSWORD": PASSWORD,
    "HASH_MEMORY_COST": "8192",
    "HASH_TIME_COST": "2",
    "HASH_PARALLELISM": "1",
    "HASH_CONCURRENCY": "2",
    "LOGIN_STALL_TIME": "0",
}
LOGIN = (
    "mutation($e: String!, $p: String!) { auth_login(email: $e, password: $p) { access_token } }"
)


def _parent_of(pid: int) -> int | None:
    try:
        return int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1])
    except OSError:
        return None


def _hash_workers(parent: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and _parent_of(int(entry.name)) == parent:
            try:
                if b"app.security.hash_worker" in (entry / "cmdline").read_bytes():
                    found.append(int(entry.name))
            except OSError:
                continue
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def _gone(pids: list[int]) -> bool:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and any(_alive(pid) for pid in pids):
        time.sleep(0.05)
    return not any(_alive(pid) for pid in pids)


def _login(url: str, password: str = PASSWORD) -> dict[str, object]:
    reply = httpx.post(
        f"{url}/graphql/system",
        json={"query": LOGIN, "variables": {"e": EMAIL, "p": password}},
        timeout=60,
    )
    assert reply.status_code == 200
    body: dict[str, object] = reply.json()
    return body


def test_a_killed_hashing_process_costs_no_login_and_sigterm_ends_them_all(
    tmp_path: Path,
) -> None:
    with running_server(tmp_path, ENV) as server:
        workers = _hash_workers(server.process.pid)
        assert len(workers) == 2  # started with the server, HASH_CONCURRENCY of them
        assert "errors" not in _login(server.url)

        for pid in workers:
            os.kill(pid, signal.SIGKILL)
        assert _gone(workers)
        # The next logins are served by fresh processes: no 500, no hang.
        assert "errors" not in _login(server.url)
        wrong = _login(server.url, "not-the-password")
        assert wrong["errors"][0]["extensions"]["code"] == "INVALID_CREDENTIALS"  # type: ignore[index]
        replacements = _hash_workers(server.process.pid)
        assert replacements
        assert not set(replacements) & set(workers)

        server.process.send_signal(signal.SIGTERM)
        assert server.process.wait(timeout=60) == 0  # a clean exit, with its pool
        assert _gone(replacements)
        assert "Traceback" not in server.log.read_text()


def test_a_killed_server_leaves_no_hashing_process_behind(tmp_path: Path) -> None:
    with running_server(tmp_path, ENV) as server:
        workers = _hash_workers(server.process.pid)
        assert len(workers) == 2
        server.process.kill()  # no lifespan, no clean-up: the processes go by themselves
        server.process.wait()
        assert _gone(workers)


def _descendants(root: int) -> list[int]:
    found, pending = [], [root]
    while pending:
        parent = pending.pop()
        for entry in Path("/proc").iterdir():
            if entry.name.isdigit() and _parent_of(int(entry.name)) == parent:
                found.append(int(entry.name))
                pending.append(int(entry.name))
    return found


def test_each_worker_has_a_pool_of_its_own_and_sigterm_ends_them_all(tmp_path: Path) -> None:
    """WORKERS=2: the hashing processes belong to the workers (one each here), not to the
    master, and a SIGTERM to the master ends the workers and their pools."""
    env = {**ENV, "WORKERS": "2", "HASH_CONCURRENCY": "1"}
    with running_server(tmp_path, env) as server:
        deadline = time.monotonic() + 60
        pools: dict[int, list[int]] = {}
        while time.monotonic() < deadline and len(pools) < 2:
            workers = [
                pid
                for pid in _descendants(server.process.pid)
                if _parent_of(pid) == server.process.pid and _hash_workers(pid)
            ]
            pools = {worker: _hash_workers(worker) for worker in workers}
            time.sleep(0.1)
        assert len(pools) == 2
        assert all(len(pool) == 1 for pool in pools.values())
        assert _hash_workers(server.process.pid) == []  # none in the master
        for _ in range(4):
            assert "errors" not in _login(server.url)

        server.process.send_signal(signal.SIGTERM)
        assert server.process.wait(timeout=60) == 0
        assert _gone([pid for pool in pools.values() for pid in pool])
