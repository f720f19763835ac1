"""One benchmark run: its state, the database set-up and seeding, and measuring one scenario."""

from __future__ import annotations

import asyncio
import contextlib
import os
import secrets
import shutil
import sqlite3
import subprocess
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Literal

import asyncpg
from sqlalchemy.engine import make_url

from app.security.argon2id import hash_password
from bench.api import Api, Check
from bench.common import BIN, CONCURRENCIES, ROLE_COUNT, BenchError
from bench.hashing import HashParams
from bench.load import Request, Wrk, WrkResult
from bench.options import Options
from bench.seeding import PgSeeder, Plan, Seeder, SqliteSeeder, seed
from bench.servers import Server

PASS_THROUGH_ENV = (
    "HASH_MEMORY_COST",
    "HASH_TIME_COST",
    "HASH_PARALLELISM",
    "HASH_CONCURRENCY",
    "HASH_POOL",
    "HASH_THREADS",
    "DB_POOL_MAX",
    "LOG_LEVEL",
)


@dataclass
class Row:
    """One line of the table."""

    scenario: str
    concurrency: int
    result: WrkResult
    note: str = ""
    peak_rss_mb: float | None = None  # max VmHWM of a worker with its hashing processes
    hashing_peak_mb: float | None = None  # the hashing processes' part of it

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self.result)
        data["errors"] = self.result.errors
        return {
            "scenario": self.scenario,
            "concurrency": self.concurrency,
            **data,
            "note": self.note,
            "peak_rss_mb": self.peak_rss_mb,
            "hashing_peak_mb": self.hashing_peak_mb,
        }


class Run:
    """One benchmark run: everything it started, measured and concluded."""

    def __init__(self, options: Options, cleanup: contextlib.ExitStack) -> None:
        self.options = options
        self.cleanup = cleanup
        self.rows: list[Row] = []
        self.notes: list[str] = []
        self.memory: dict[str, Any] = {}
        self.argon2: dict[str, Any] = {}
        self.storm: dict[str, Any] = {}
        self.server_log_problems: list[str] = []
        self.timings: dict[str, float] = {}
        self.hash = HashParams.configured(options.workers)
        self.secret = secrets.token_urlsafe(48)
        self.admin_email = "admin@example.com"
        self.admin_password = secrets.token_urlsafe(18)
        wrk = shutil.which("wrk")
        if wrk is None:
            raise BenchError("wrk is not installed (scripts/bench installs it with apt-get)")
        self.wrk_path = wrk
        self.work = Path(tempfile.mkdtemp(prefix="dauth-bench-"))
        cleanup.callback(shutil.rmtree, self.work, True)
        slug = options.key.replace("/", "_").replace("=", "")
        raw_dir = options.output / "raw" / slug
        raw_dir.mkdir(parents=True, exist_ok=True)
        self.wrk = Wrk(wrk, self.work, raw_dir)
        self.env: dict[str, str] = {}
        self.database_version = ""

    # -- set-up ----------------------------------------------------------------------

    def say(self, message: str) -> None:
        print(message, flush=True)

    def prepare_database(self) -> None:
        base = {
            "PATH": os.environ.get("PATH", ""),
            "HOME": str(self.work),
            "HOST": "127.0.0.1",
            "WORKERS": str(self.options.workers),
            "SECRET": self.secret,
            "ADMIN_EMAIL": self.admin_email,
            "ADMIN_PASSWORD": self.admin_password,
            # The stall pads every login to 500 ms so timing leaks nothing; it is security
            # padding, not work. The benchmark measures the server, so it is switched off.
            "LOGIN_STALL_TIME": "0",
        }
        for name in PASS_THROUGH_ENV:
            if name in os.environ:
                base[name] = os.environ[name]
        if self.options.db == "sqlite":
            path = self.work / "bench.db"
            base.update({"DB_CLIENT": "sqlite3", "DB_FILENAME": str(path)})
            self.database_version = f"SQLite {sqlite3.sqlite_version} (file, WAL)"
        else:
            admin = make_url(self.options.pg_dsn)
            name = f"bench_{os.getpid()}"
            asyncio.run(_pg_admin(admin.render_as_string(hide_password=False), name, "create"))
            self.cleanup.callback(self._drop_pg, admin.render_as_string(hide_password=False), name)
            dsn = admin.set(database=name).render_as_string(hide_password=False)
            base.update({"DB_CLIENT": "pg", "DB_CONNECTION_STRING": dsn})
            version = asyncio.run(_pg_version(dsn))
            self.database_version = f"PostgreSQL {version} ({admin.host}:{admin.port}, {name})"
        self.env = base

    def _drop_pg(self, admin_dsn: str, name: str) -> None:
        with contextlib.suppress(Exception):
            asyncio.run(_pg_admin(admin_dsn, name, "drop"))

    def bootstrap_and_seed(self) -> Plan:
        started = time.monotonic()
        completed = subprocess.run(  # noqa: S603
            [str(BIN / "dauth"), "bootstrap"],
            cwd=self.work,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        if completed.returncode != 0:
            raise BenchError(f"dauth bootstrap failed:\n{completed.stdout}\n{completed.stderr}")
        password = "bench-" + secrets.token_urlsafe(12)
        hashed = hash_password(self.hash.parameters(), password)
        self.say(f"Seeding {self.options.users:,} users, {ROLE_COUNT} roles, refresh sessions ...")
        seeder: Seeder
        if self.options.db == "sqlite":
            seeder = SqliteSeeder(Path(self.env["DB_FILENAME"]))
        else:
            seeder = PgSeeder(self.env["DB_CONNECTION_STRING"])
        try:
            plan = seed(seeder, self.options, hashed, self.work)
        finally:
            seeder.close()
        plan.password = password
        self.timings["bootstrap_and_seed_s"] = round(time.monotonic() - started, 1)
        self.say(f"  done in {self.timings['bootstrap_and_seed_s']} s")
        return plan

    # -- measuring -------------------------------------------------------------------

    def measure(
        self,
        name: str,
        request_for: Callable[[], Request],
        server: Server,
        check: Check,
        *,
        check_value: str = "",
        concurrencies: Sequence[int] = CONCURRENCIES,
        note: str = "",
        request_for_c: Callable[[int], Request] | None = None,
    ) -> None:
        """Sample-check one answer, then run wrk at each concurrency.

        The peak RSS is reset just before wrk starts, so each row's peak is its own load's
        (the logins that fetch tokens for a scenario are not part of it).
        """
        request = request_for()
        problem = check(self.post(server, request.body(check_value), request.token))
        if problem:
            raise BenchError(f"{name}: the sample answer is wrong: {problem}")
        for concurrency in concurrencies:
            current = request_for_c(concurrency) if request_for_c else request_for()
            self.say(f"  {name} c={concurrency} ...")
            server.reset_peak()
            result = self.wrk.run(
                f"{name}-c{concurrency}", current, server.url, concurrency, self.options.duration
            )
            server.check_alive()
            peak, hashing = server.peaks()
            self.record(Row(name, concurrency, result, note, peak, hashing))
            self.settle(server, f"{name} c={concurrency}")

    def settle(self, server: Server, label: str) -> None:
        waited = server.wait_idle()
        if waited < 0:
            self.notes.append(f"after {label} the server was still busy 180 s later")
            self.say("    ! the server is still busy with abandoned requests")
        elif waited >= 2:
            self.notes.append(
                f"after {label} the server spent {waited:.0f} s finishing requests wrk had "
                "abandoned at the end of the run"
            )
            self.say(f"    (server busy {waited:.0f} s more with abandoned requests)")

    def post(self, server: Server, body: str, token: str | None) -> dict[str, Any]:
        api = Api(server)
        try:
            return api.post(body, token)
        finally:
            api.close()

    def record(self, row: Row) -> None:
        self.rows.append(row)
        result = row.result
        if result.requests == 0:
            row.note = "no request completed within the run; " + row.note
            self.notes.append(
                f"{row.scenario} c={row.concurrency}: no request completed in "
                f"{self.options.duration} s (each takes longer than the run allows)"
            )
        if result.errors:
            self.notes.append(
                f"{row.scenario} c={row.concurrency}: {result.errors} errors "
                f"(bad answers {result.bad_answers}, timeouts {result.timeouts}, exhausted "
                f"{result.exhausted}); first bad answer: {result.bad_sample[:200]}"
            )
            self.say(f"    ! {result.errors} errors: {result.bad_sample[:200]}")
        self.say(
            f"    {result.rps:>9.1f} req/s  p50 {result.p50_ms:.2f} ms  p99 {result.p99_ms:.2f} ms"
            f"  peak RSS {row.peak_rss_mb} MB"
        )

    def warm_up(self, url: str, request: Request, seconds: int) -> None:
        result = self.wrk.run("warm-up", request, url, 8, seconds)
        if result.errors:
            raise BenchError(f"warm-up answers are wrong: {result.bad_sample[:300]}")


async def _pg_admin(admin_dsn: str, name: str, action: Literal["create", "drop"]) -> None:
    connection: Any = await asyncpg.connect(admin_dsn)
    try:
        await connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        if action == "create":
            await connection.execute(f'CREATE DATABASE "{name}"')
    finally:
        await connection.close()


async def _pg_version(dsn: str) -> str:
    connection: Any = await asyncpg.connect(dsn)
    try:
        return str(await connection.fetchval("SHOW server_version"))
    finally:
        await connection.close()
