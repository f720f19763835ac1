"""SIGTERM to `dauth serve`: it stops accepting, lets the requests in flight finish (up to
SERVER_SHUTDOWN_TIMEOUT), runs the app's lifespan shutdown and exits 0."""

from __future__ import annotations

import signal
import threading
import time
from pathlib import Path

import httpx
import pytest

from tests.e2e.server_process import RunningServer, running_server
from tests.faults.served import ADMIN_EMAIL, ADMIN_PASSWORD, CLIENT_TIMEOUT_S, SERVER_ENV

pytestmark = pytest.mark.e2e


def _env(stall: str, shutdown_timeout: str, workers: str = "1") -> dict[str, str]:
    return {
        **SERVER_ENV,
        # Every login answer takes this long: a request that is in flight when SIGTERM comes.
        "LOGIN_STALL_TIME": stall,
        "SERVER_SHUTDOWN_TIMEOUT": shutdown_timeout,
        "WORKERS": workers,
    }


class _SlowLogin(threading.Thread):
    def __init__(self, server: RunningServer) -> None:
        super().__init__()
        self.server = server
        self.answer: httpx.Response | None = None
        self.error: Exception | None = None

    def run(self) -> None:
        try:
            self.answer = httpx.post(
                f"{self.server.url}/auth/login",
                json={"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD},
                timeout=CLIENT_TIMEOUT_S,
            )
        except httpx.HTTPError as error:
            self.error = error


def _in_flight(server: RunningServer) -> _SlowLogin:
    login = _SlowLogin(server)
    login.start()
    # The login is read and stalling (LOGIN_STALL_TIME is far longer than this).
    time.sleep(1.0)
    assert login.is_alive()
    return login


def _new_connections_refused(server: RunningServer) -> bool:
    """Whether, soon after the signal, a new connection is not served: refused, or (with
    several workers, whose supervisor holds the listening socket until it exits) accepted
    by the kernel and reset unanswered."""
    for _ in range(50):
        try:
            httpx.get(f"{server.url}/server/ping", timeout=CLIENT_TIMEOUT_S)
        except (httpx.ConnectError, httpx.ReadError, httpx.RemoteProtocolError):
            return True
        time.sleep(0.1)
    return False


@pytest.mark.parametrize("workers", ["1", "2"])
def test_sigterm_finishes_the_request_in_flight_refuses_new_ones_and_exits_0(
    tmp_path: Path, workers: str
) -> None:
    with running_server(tmp_path, _env("4000", "15s", workers)) as server:
        login = _in_flight(server)
        server.process.send_signal(signal.SIGTERM)
        assert _new_connections_refused(server)
        login.join()
        assert login.error is None
        assert login.answer is not None
        assert login.answer.status_code == 200
        assert login.answer.json()["data"]["access_token"]
        assert server.process.wait(timeout=CLIENT_TIMEOUT_S) == 0
        log = server.log.read_text()
    assert "Application shutdown complete." in log
    assert "Traceback" not in log


def test_sigterm_cuts_a_request_longer_than_the_shutdown_timeout_and_still_exits_0(
    tmp_path: Path,
) -> None:
    with running_server(tmp_path, _env("60s", "500")) as server:
        login = _in_flight(server)
        server.process.send_signal(signal.SIGTERM)
        assert server.process.wait(timeout=CLIENT_TIMEOUT_S) == 0
        login.join()
        log = server.log.read_text()
    assert "timeout graceful shutdown exceeded" in log
    assert "Application shutdown complete." in log
