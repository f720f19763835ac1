"""PostgreSQL, Redis and PgBouncer processes of a test's own, on free loopback ports, that the
test stops and starts again (never the machine's shared ones at 5432 and 6379).

PostgreSQL and PgBouncer refuse to run as root: under root (CI) they run as the `postgres`
user, in a temporary folder it owns. A missing binary skips the test, or fails it under CI.
"""

from __future__ import annotations

import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TypeVar

import asyncpg

from tests.databases import run_sync
from tests.e2e.instances import unavailable
from tests.e2e.server_process import free_port


def _pg_bin() -> Path:
    """Debian's PostgreSQL binaries (the newest version installed), or TEST_PG_BIN."""
    if "TEST_PG_BIN" in os.environ:
        return Path(os.environ["TEST_PG_BIN"])
    versions = sorted(
        Path("/usr/lib/postgresql").glob("*/bin"), key=lambda path: int(path.parent.name)
    )
    return versions[-1] if versions else Path("/usr/lib/postgresql/15/bin")


PG_BIN = _pg_bin()
SERVICE_USER = "postgres"


def _binary(path: Path | str) -> str:
    found = shutil.which(str(path))
    if found is None:
        unavailable(f"{path} is not installed (apt-get install postgresql redis-server pgbouncer)")
    return found


def _service_uid() -> int | None:
    """The uid PostgreSQL and PgBouncer run as: `postgres` under root, else ourselves."""
    if os.geteuid() != 0:
        return None
    try:
        return pwd.getpwnam(SERVICE_USER).pw_uid
    except KeyError:
        unavailable(f"running as root and there is no {SERVICE_USER} user to run PostgreSQL as")


def _owned_folder(prefix: str) -> Path:
    """A fresh temporary folder the service user owns (pytest's tmp_path is root's 0700)."""
    folder = Path(tempfile.mkdtemp(prefix=prefix))
    uid = _service_uid()
    if uid is not None:
        os.chown(folder, uid, pwd.getpwuid(uid).pw_gid)
    return folder


def wait_for_port(port: int, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"nothing listens on 127.0.0.1:{port} after {timeout}s")


class _Service:
    """One process that can be stopped and started again on the same port."""

    def __init__(self, name: str, folder: Path, port: int) -> None:
        self.name = name
        self.folder = folder
        self.port = port
        self.process: subprocess.Popen[bytes] | None = None

    def command(self) -> list[str]:
        raise NotImplementedError

    def start(self) -> None:
        assert self.process is None, f"{self.name} is running already"
        log = (self.folder / f"{self.name}.log").open("ab")
        uid = _service_uid() if self.name != "redis" else None
        self.process = subprocess.Popen(
            self.command(),
            cwd=self.folder,
            stdout=log,
            stderr=log,
            user=uid,
            group=None if uid is None else pwd.getpwuid(uid).pw_gid,
            extra_groups=None if uid is None else [],
            start_new_session=True,
        )
        log.close()
        try:
            wait_for_port(self.port)
        except RuntimeError:
            self.stop()
            raise RuntimeError(f"{self.name} did not start:\n{self.log()}") from None

    def stop(self, sig: signal.Signals = signal.SIGINT) -> None:
        """Stops the process (PostgreSQL: SIGINT is its fast shutdown, every session ends)."""
        if self.process is None:
            return
        if self.process.poll() is None:
            self.process.send_signal(sig)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None

    def log(self) -> str:
        path = self.folder / f"{self.name}.log"
        return path.read_text(errors="replace") if path.exists() else ""


class Postgres(_Service):
    def __init__(self) -> None:
        super().__init__("postgres", _owned_folder("dauth-fault-pg-"), free_port())
        self.data = self.folder / "data"
        initdb = [_binary(PG_BIN / "initdb"), "-D", str(self.data), "-U", "postgres"]
        uid = _service_uid()
        subprocess.run(
            [*initdb, "--auth=trust", "--no-sync", "--encoding=UTF8", "--locale=C"],
            check=True,
            capture_output=True,
            user=uid,
            group=None if uid is None else pwd.getpwuid(uid).pw_gid,
            extra_groups=None if uid is None else [],
            timeout=120,
        )

    def command(self) -> list[str]:
        return [
            _binary(PG_BIN / "postgres"),
            "-D",
            str(self.data),
            "-p",
            str(self.port),
            "-c",
            "listen_addresses=127.0.0.1",
            "-c",
            "unix_socket_directories=",
            "-c",
            "fsync=off",
            "-c",
            "full_page_writes=off",
            "-c",
            "max_connections=50",
        ]

    def start(self) -> None:
        """Starts the server and waits until it answers queries (its port opens while it is
        still starting up, when it refuses sessions)."""
        super().start()
        deadline = time.monotonic() + 60
        while True:
            try:
                execute(self.url(), "SELECT 1")
                return
            except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError):
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)

    def url(self, database: str = "postgres", port: int | None = None) -> str:
        return f"postgresql://postgres@127.0.0.1:{port or self.port}/{database}"

    def pause(self) -> None:
        """Freezes the postmaster: the kernel still accepts connections, nobody answers
        them (a host that does not answer); sessions already open keep working."""
        assert self.process is not None
        self.process.send_signal(signal.SIGSTOP)

    def resume(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGCONT)


class Redis(_Service):
    def __init__(self) -> None:
        super().__init__("redis", Path(tempfile.mkdtemp(prefix="dauth-fault-redis-")), free_port())

    def command(self) -> list[str]:
        return [
            _binary("redis-server"),
            "--port",
            str(self.port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            str(self.folder),
        ]

    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}"


class PgBouncer(_Service):
    """Transaction pooling in front of `postgres`: a server connection is a client's only
    for one transaction, so session state (prepared statements) does not follow it."""

    def __init__(self, postgres: Postgres) -> None:
        super().__init__("pgbouncer", _owned_folder("dauth-fault-pgbouncer-"), free_port())
        (self.folder / "users.txt").write_text('"postgres" ""\n')
        (self.folder / "pgbouncer.ini").write_text(
            "[databases]\n"
            f"* = host=127.0.0.1 port={postgres.port}\n"
            "[pgbouncer]\n"
            "listen_addr = 127.0.0.1\n"
            f"listen_port = {self.port}\n"
            "unix_socket_dir =\n"
            "auth_type = trust\n"
            f"auth_file = {self.folder / 'users.txt'}\n"
            "pool_mode = transaction\n"
            # Fewer server connections than the app's pool: clients share them.
            "default_pool_size = 3\n"
            "max_client_conn = 200\n"
            "ignore_startup_parameters = extra_float_digits\n"
        )
        uid = _service_uid()
        if uid is not None:
            for path in (self.folder / "users.txt", self.folder / "pgbouncer.ini"):
                os.chown(path, uid, pwd.getpwuid(uid).pw_gid)

    def command(self) -> list[str]:
        return [_binary("pgbouncer"), str(self.folder / "pgbouncer.ini")]


def execute(url: str, statement: str) -> None:
    """One statement on the test's own server (e.g. CREATE DATABASE)."""

    async def run() -> None:
        connection = await asyncpg.connect(url, timeout=10)
        try:
            await connection.execute(statement)
        finally:
            await connection.close()

    run_sync(run())


ServiceT = TypeVar("ServiceT", bound=_Service)


@contextmanager
def running(service: ServiceT) -> Iterator[ServiceT]:
    """Starts `service` and always stops it and removes its folder."""
    try:
        service.start()
        yield service
    finally:
        if isinstance(service, Postgres) and service.process is not None:
            service.resume()
        service.stop()
        shutil.rmtree(service.folder, ignore_errors=True)
