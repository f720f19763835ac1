"""Behind PgBouncer in transaction pooling mode (fewer server connections than the app's pool,
so clients share them): with DB_PREPARED_STATEMENTS=false every request works, again and
again, from several clients at once, with no prepared-statement error."""

from __future__ import annotations

import subprocess
import threading
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.server_process import BIN, RunningServer, run_dauth
from tests.faults.processes import PgBouncer, Postgres, execute, running
from tests.faults.served import CREATE, LIST, ME, base_env, gql, login, served_on_postgres

pytestmark = [pytest.mark.e2e, pytest.mark.services]

ROUNDS = 15
BOUNCED = '{ users(filter: {email: {_starts_with: "bounced-"}}) { id } }'


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    with (
        running(Postgres()) as postgres,
        running(PgBouncer(postgres)) as bouncer,
        served_on_postgres(
            postgres,
            tmp_path_factory.mktemp("served"),
            {"DB_PREPARED_STATEMENTS": "false"},
            db_port=bouncer.port,
        ) as served,
    ):
        yield served


def _rounds(server: RunningServer, failures: list[str]) -> None:
    try:
        for _ in range(ROUNDS):
            token = login(server)["access_token"]
            assert gql(server, ME, token=token).codes == []
            assert gql(server, LIST, token=token).codes == []
            email = f"bounced-{uuid.uuid4().hex[:10]}@example.com"
            created = gql(server, CREATE, {"data": [{"email": email}]}, token=token)
            assert created.codes == [], created.body
    except AssertionError as error:
        failures.append(str(error))


def test_requests_work_through_pgbouncer_in_transaction_mode(server: RunningServer) -> None:
    failures: list[str] = []
    clients = [threading.Thread(target=_rounds, args=(server, failures)) for _ in range(3)]
    for client in clients:
        client.start()
    for client in clients:
        client.join()
    assert failures == []
    token = login(server)["access_token"]
    listed = gql(
        server, '{ users(filter: {email: {_starts_with: "bounced-"}}) { id } }', token=token
    )
    assert len(listed.data["users"]) == 3 * ROUNDS
    log = server.log.read_text()
    assert "prepared statement" not in log
    assert "Traceback" not in log


def test_prepared_statements_behind_pgbouncer_stop_start_up_naming_the_setting(
    tmp_path: Path,
) -> None:
    """The default (prepared statements kept) meets another client's statement on the
    shared server connection: start-up says which setting to change."""
    with running(Postgres()) as postgres, running(PgBouncer(postgres)) as bouncer:
        execute(postgres.url(), 'CREATE DATABASE "dauth"')
        env = {**base_env(postgres.url("dauth", bouncer.port)), "PATH": "/usr/bin:/bin"}
        assert run_dauth(tmp_path, env, "bootstrap").returncode == 0
        started = subprocess.run(
            [str(BIN / "dauth"), "serve"],
            cwd=tmp_path,
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
        )
    assert started.returncode == 1
    assert "set DB_PREPARED_STATEMENTS=false" in started.stderr + started.stdout
