"""Starts the server the way users do (dauth bootstrap, then dauth serve) on a free port."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@dataclass(frozen=True)
class RunningServer:
    url: str
    process: subprocess.Popen[bytes]
    log: Path


def _wait_until_ready(
    url: str,
    process: subprocess.Popen[bytes],
    log: Path,
    headers: Mapping[str, str] | None = None,
) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited early:\n{log.read_text()}")
        try:
            probe = httpx.get(
                f"{url}/graphql/system?query={{server_ping}}", headers=headers, timeout=1
            )
            if probe.is_success:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"server did not start in time:\n{log.read_text()}")


@contextmanager
def running_server(
    workdir: Path,
    env: dict[str, str],
    *,
    bootstrap: bool = True,
    ready_headers: Mapping[str, str] | None = None,
    port: int | None = None,
) -> Iterator[RunningServer]:
    """Bootstraps and serves from `workdir`, with only `env` on top of a clean environment.

    `bootstrap=False` serves a database another process already set up (one of several
    instances); `ready_headers` go with the readiness probe (e.g. an X-Forwarded-For, so the
    probe does not spend a rate-limit budget the test counts); `port` when the test must know
    it beforehand (e.g. for PUBLIC_URL).
    """
    port = port or free_port()
    full_env = {
        "PATH": os.environ.get("PATH", ""),
        "HOST": "127.0.0.1",
        "PORT": str(port),
        **env,
    }
    if bootstrap:
        subprocess.run(
            [str(BIN / "dauth"), "bootstrap"],
            cwd=workdir,
            env=full_env,
            check=True,
            capture_output=True,
            timeout=60,
        )
    log = workdir / "server.log"
    with log.open("wb") as output:
        process = subprocess.Popen(
            [str(BIN / "dauth"), "serve"], cwd=workdir, env=full_env, stdout=output, stderr=output
        )
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_until_ready(url, process, log, ready_headers)
        yield RunningServer(url=url, process=process, log=log)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def run_dauth(
    workdir: Path, env: Mapping[str, str], *args: str
) -> subprocess.CompletedProcess[str]:
    """One `dauth` command in `workdir` with only `env` (and PATH), its output as text."""
    return subprocess.run(
        [str(BIN / "dauth"), *args],
        cwd=workdir,
        env={"PATH": os.environ.get("PATH", ""), **env},
        capture_output=True,
        text=True,
        timeout=60,
    )
