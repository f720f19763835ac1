"""PostgreSQL stopped, restarted and frozen under a real server: requests during the outage
are answered SERVICE_UNAVAILABLE (503) rather than hanging or failing with a 500, the pool
recovers without restarting the server, and an interrupted transaction leaves no rows."""

from __future__ import annotations

import asyncio
import subprocess
import threading
import uuid
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import asyncpg
import httpx
import pytest

from tests.e2e.server_process import BIN, RunningServer
from tests.faults.processes import Postgres, running
from tests.faults.served import (
    ADMIN_EMAIL,
    ADMIN_PASSWORD,
    CLIENT_TIMEOUT_S,
    CREATE,
    LIST,
    LOGIN,
    ME,
    REFRESH,
    base_env,
    gql,
    login,
    rest,
    served_on_postgres,
    unavailable,
)

pytestmark = [pytest.mark.e2e, pytest.mark.services]


@pytest.fixture(scope="module")
def postgres() -> Iterator[Postgres]:
    with running(Postgres()) as service:
        yield service


@pytest.fixture(scope="module")
def server(postgres: Postgres, tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    with served_on_postgres(postgres, tmp_path_factory.mktemp("served")) as served:
        yield served


def _served_again(server: RunningServer, token: str) -> None:
    """The first requests after the restart may still meet a dead pooled connection (503);
    within a few the pool has new ones, and from then on every request is served."""
    for _ in range(10):
        if gql(server, ME, token=token).codes == []:
            break
    for _ in range(5):
        assert gql(server, ME, token=token).data == {"users_me": {"email": ADMIN_EMAIL}}
        assert gql(server, LIST, token=token).codes == []
        assert login(server)["access_token"]


class _Load:
    """Two clients reading as fast as they can, counting what kind of answer each got."""

    def __init__(self, server: RunningServer, token: str) -> None:
        self.kinds: Counter[str] = Counter()
        self._stop = threading.Event()
        self._threads = [
            threading.Thread(target=self._run, args=(server, token, query)) for query in (ME, LIST)
        ]

    def _run(self, server: RunningServer, token: str, query: str) -> None:
        while not self._stop.is_set():
            try:
                reply = gql(server, query, token=token)
            except httpx.TimeoutException:
                self.kinds["hang"] += 1
                continue
            if reply.codes == []:
                self.kinds["served"] += 1
            elif unavailable(reply):
                self.kinds["unavailable"] += 1
            else:
                self.kinds[f"other: {reply.body}"] += 1

    def __enter__(self) -> _Load:
        for thread in self._threads:
            thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=2 * CLIENT_TIMEOUT_S)


def test_a_restart_under_load_is_answered_503_then_served_without_a_server_restart(
    postgres: Postgres, server: RunningServer
) -> None:
    tokens = login(server)
    token = tokens["access_token"]
    with _Load(server, token) as load:
        postgres.stop()
        # Every kind of request during the outage: coded, quickly (CLIENT_TIMEOUT_S bounds
        # each), over GraphQL and REST alike.
        assert unavailable(gql(server, ME, token=token))
        assert unavailable(gql(server, LOGIN, {"e": ADMIN_EMAIL, "p": ADMIN_PASSWORD}))
        assert unavailable(gql(server, REFRESH, {"t": tokens["refresh_token"]}))
        answer = rest(server, "GET", "/users/me", headers={"Authorization": f"Bearer {token}"})
        assert answer.status_code == 503
        assert answer.json()["errors"][0]["extensions"] == {"code": "SERVICE_UNAVAILABLE"}
        answer = rest(server, "POST", "/auth/login", json={"email": ADMIN_EMAIL, "password": "x"})
        assert answer.status_code == 503
        postgres.start()
        _served_again(server, token)
    assert server.process.poll() is None, "the server must survive the outage"
    kinds = dict(load.kinds)
    assert set(kinds) <= {"served", "unavailable"}, kinds
    assert kinds.get("served"), kinds
    assert kinds.get("unavailable"), kinds
    log = server.log.read_text()
    assert "Traceback" not in log
    assert log.count("The database is unavailable") == 1, "one warning, not one per request"


def test_after_a_quiet_restart_the_next_request_is_served(
    postgres: Postgres, server: RunningServer
) -> None:
    """A restart nobody noticed leaves only dead connections in the pool: the reads every
    request starts with (who is asking) run again on a new one, so nobody gets a 503."""
    token = login(server)["access_token"]
    for _ in range(3):
        assert gql(server, ME, token=token).codes == []
    postgres.stop()
    postgres.start()
    assert gql(server, ME, token=token).data == {"users_me": {"email": ADMIN_EMAIL}}
    answer = rest(server, "GET", "/users/me", headers={"Authorization": f"Bearer {token}"})
    assert answer.status_code == 200


async def _waiting_for_a_lock(admin: asyncpg.Connection) -> bool:
    for _ in range(200):
        waiting = await admin.fetchval(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = 'dauth' "
            "AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()"
        )
        if waiting:
            return True
        await asyncio.sleep(0.05)
    return False


async def test_a_multi_row_write_cut_off_by_the_restart_leaves_no_row(
    postgres: Postgres, server: RunningServer
) -> None:
    token = login(server)["access_token"]
    emails = [f"cut-{uuid.uuid4().hex[:8]}-{n}@example.com" for n in range(3)]
    # Each user with a static token is a user row and an audit row in the write's one
    # transaction: with the audit table held, the write stops after its first user row.
    items = [{"email": email, "token": uuid.uuid4().hex} for email in emails]
    admin = await asyncpg.connect(postgres.url("dauth"), timeout=10)
    await admin.execute("BEGIN; LOCK TABLE directus_activity IN SHARE MODE")
    async with httpx.AsyncClient(timeout=CLIENT_TIMEOUT_S) as client:
        write = asyncio.ensure_future(
            client.post(
                f"{server.url}/graphql/system",
                json={"query": CREATE, "variables": {"data": items}},
                headers={"Authorization": f"Bearer {token}"},
            )
        )
        assert await _waiting_for_a_lock(admin), "the write never reached the held table"
        await asyncio.to_thread(postgres.stop)
        answer = await write
    assert answer.json()["errors"][0]["extensions"]["code"] == "SERVICE_UNAVAILABLE"
    await asyncio.to_thread(postgres.start)
    check = await asyncpg.connect(postgres.url("dauth"), timeout=10)
    try:
        written = await check.fetchval(
            "SELECT count(*) FROM directus_users WHERE email = ANY($1::text[])", emails
        )
    finally:
        await check.close()
    assert written == 0
    _served_again(server, token)


def test_a_database_that_does_not_answer_fails_start_up_and_requests_in_bounded_time(
    postgres: Postgres, server: RunningServer, tmp_path: Path
) -> None:
    token = login(server)["access_token"]
    # Connections already open keep working; new ones wait for a postmaster that never
    # answers: every pooled connection dies with the restart, so each request needs one.
    postgres.stop()
    postgres.start()
    postgres.pause()
    try:
        for _ in range(3):
            assert unavailable(gql(server, ME, token=token))
        env = base_env(postgres.url("dauth"), {"PATH": "/usr/bin:/bin"})
        started = subprocess.run(
            [str(BIN / "dauth"), "serve"],
            cwd=tmp_path,
            env=env,
            capture_output=True,
            text=True,
            timeout=CLIENT_TIMEOUT_S,
        )
    finally:
        postgres.resume()
    assert started.returncode == 1
    assert "no answer within DB_CONNECT_TIMEOUT" in started.stderr + started.stdout
    assert "Traceback" not in started.stderr
    _served_again(server, token)
