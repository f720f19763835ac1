"""The benchmark of issue 6: the real server, seeded, driven over sockets by wrk.

Starts `dauth serve` the way users run it, seeds N users with roles by bulk SQL, and
drives every scenario with wrk (a separate process) at concurrency 1 and 32. It also
measures the floor (scripts/bench_floor.py: the least work users_me can do on this stack)
and the raw argon2 verify rate, so the server is judged against the physical limits of
its own stack on the same machine, in the same run. Results go to bench/results.json
(keyed by database, user count and workers, merged across runs so sizes accumulate) and
bench/RESULTS.md.

Run through scripts/bench, which creates .venv and installs wrk when missing.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import hashlib
import json
import math
import os
import platform
import secrets
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from importlib import metadata
from pathlib import Path
from types import FrameType
from typing import Any, Literal, Protocol

import asyncpg
import httpx
from sqlalchemy.engine import make_url

from app.clock import SystemClock
from app.config import Settings
from app.security.argon2id import Argon2Parameters, hash_password, verify_password
from app.security.passwords import default_concurrency
from app.security.tokens import TokenService

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
BENCH_DIR = ROOT / "bench"
GRAPHQL_PATH = "/graphql/system"

CONCURRENCIES = (1, 32)
STORM_CONNECTIONS = 16
WRK_TIMEOUT = "30s"  # logins at c=32 queue behind argon2: seconds, not milliseconds
# Refresh tokens are single use: pre-insert more than the fastest plausible rate needs.
REFRESH_TOKENS_PER_SECOND = {1: 1500, 32: 3000}
SAMPLE_SIZE = 1000  # distinct users that users_by_id and the email filter cycle through
MEMORY_MARKS = (10_000, 100_000)
QUICK_MEMORY_MARKS = (1_000, 5_000)
ROLE_COUNT = 10
USER_FIELDS = "id email first_name role { name }"
PLACEHOLDER = "@@VALUE@@"
UUID_NAMESPACE = uuid.UUID("8d6c1c8e-56a8-4f33-9a5e-3d1f0a6b2c71")
PASS_THROUGH_ENV = (
    "HASH_MEMORY_COST",
    "HASH_TIME_COST",
    "HASH_PARALLELISM",
    "HASH_CONCURRENCY",
    "DB_POOL_MAX",
    "LOG_LEVEL",
)

FIRST_NAMES = (
    "Aaliyah",
    "Adrian",
    "Aiko",
    "Alejandro",
    "Amara",
    "Anders",
    "Ana",
    "Arjun",
    "Astrid",
    "Beatriz",
    "Benjamin",
    "Camille",
    "Carlos",
    "Chen",
    "Chloe",
    "Daniel",
    "Dmitri",
    "Elena",
    "Emeka",
    "Emma",
    "Fatima",
    "Felix",
    "Freya",
    "Gabriel",
    "Hana",
    "Hugo",
    "Ibrahim",
    "Ines",
    "Isabel",
    "Jamal",
    "Javier",
    "Jonas",
    "Julia",
    "Kai",
    "Kenji",
    "Lars",
    "Layla",
    "Leila",
    "Lucas",
    "Maja",
    "Marco",
    "Maria",
    "Mateo",
    "Mei",
    "Mohammed",
    "Nadia",
    "Noah",
    "Olga",
    "Omar",
    "Priya",
)
LAST_NAMES = (
    "Abe",
    "Andersen",
    "Banda",
    "Becker",
    "Bianchi",
    "Castro",
    "Chowdhury",
    "Costa",
    "Dubois",
    "Eriksson",
    "Fernandes",
    "Fischer",
    "Garcia",
    "Gonzalez",
    "Haddad",
    "Hansen",
    "Ito",
    "Jansen",
    "Kaya",
    "Kim",
    "Kowalski",
    "Kumar",
    "Larsen",
    "Lee",
    "Lopez",
    "Martin",
    "Meyer",
    "Moreau",
    "Murphy",
    "Nakamura",
    "Nguyen",
    "Novak",
    "Okafor",
    "Olsen",
    "Park",
    "Patel",
    "Pereira",
    "Petrov",
    "Rossi",
    "Santos",
    "Schmidt",
    "Silva",
    "Singh",
    "Smith",
    "Suzuki",
    "Tanaka",
    "Tran",
    "Wagner",
    "Wang",
    "Zhang",
)
DOMAINS = ("example.com", "example.org", "example.net", "mail.example")
TITLES = ("Engineer", "Designer", "Editor", "Analyst", "Manager", "Support", "Writer", "Sales")
ROLE_NAMES = (
    "Editor",
    "Author",
    "Reviewer",
    "Support",
    "Marketing",
    "Sales",
    "Finance",
    "Engineering",
    "Contractor",
    "Viewer",
)


class BenchError(Exception):
    """The benchmark cannot go on: a scenario answers wrongly or a process misbehaves."""


# ---------------------------------------------------------------------------------------
# Options and machine facts


@dataclass(frozen=True)
class Options:
    users: int
    db: Literal["sqlite", "pg"]
    duration: int
    workers: int
    quick: bool
    pg_dsn: str
    output: Path

    @property
    def key(self) -> str:
        """Where this run's results live in results.json: one entry per size and setup."""
        suffix = "/quick" if self.quick else ""
        return f"{self.db}/users={self.users}/workers={self.workers}{suffix}"

    @property
    def memory_marks(self) -> tuple[int, int]:
        return QUICK_MEMORY_MARKS if self.quick else MEMORY_MARKS


def parse_options(argv: Sequence[str] | None = None) -> Options:
    parser = argparse.ArgumentParser(
        prog="scripts/bench", description=(__doc__ or "").splitlines()[0]
    )
    parser.add_argument("--users", type=int, default=1000, help="users to seed (default 1000)")
    parser.add_argument("--db", choices=("sqlite", "pg"), default="sqlite")
    parser.add_argument(
        "--duration", type=int, default=None, help="seconds per scenario (default 10, quick 2)"
    )
    parser.add_argument("--workers", type=int, default=1, help="uvicorn workers (WORKERS)")
    parser.add_argument("--quick", action="store_true", help="short smoke run")
    parser.add_argument(
        "--pg-dsn",
        default="postgresql://postgres@127.0.0.1:5432/postgres",
        help="PostgreSQL server for --db pg; a fresh database is created on it and dropped",
    )
    parser.add_argument("--output", type=Path, default=BENCH_DIR, help="results directory")
    args = parser.parse_args(argv)
    duration = args.duration if args.duration is not None else (2 if args.quick else 10)
    if args.users < 10:
        parser.error("--users must be at least 10")
    if duration < 1 or args.workers < 1:
        parser.error("--duration and --workers must be positive")
    return Options(
        users=args.users,
        db=args.db,
        duration=duration,
        workers=args.workers,
        quick=args.quick,
        pg_dsn=args.pg_dsn,
        output=args.output.resolve(),
    )


def cpu_model() -> str:
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return platform.processor() or "unknown"


def load_average() -> str:
    with contextlib.suppress(OSError):
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    return "unknown"


def versions(wrk: str) -> dict[str, str]:
    found = {"python": platform.python_version()}
    for package in (
        "strawberry-graphql",
        "starlette",
        "uvicorn",
        "sqlalchemy",
        "sqlmodel",
        "passlib",
        "argon2-cffi",
        "python-jose",
        "aiosqlite",
        "asyncpg",
        "uvloop",
        "httptools",
    ):
        with contextlib.suppress(metadata.PackageNotFoundError):
            found[package] = metadata.version(package)
    output = subprocess.run(  # noqa: S603
        [wrk, "--version"], capture_output=True, text=True, timeout=10, check=False
    )
    banner = (output.stdout or output.stderr).split()  # "wrk debian/4.1.0-3 [epoll] ..."
    found["wrk"] = banner[1] if len(banner) > 1 else "unknown"
    return found


@dataclass(frozen=True)
class HashParams:
    memory_cost: int
    time_cost: int
    parallelism: int
    threads: int
    concurrency: int

    @classmethod
    def configured(cls, workers: int) -> HashParams:
        """The server's defaults (production) for `workers` workers, unless this shell
        overrides them."""

        def value(name: str) -> int:
            default = Settings.model_fields[name].default
            return int(os.environ.get(name.upper(), default))

        threads = value("hash_threads")
        concurrency = os.environ.get("HASH_CONCURRENCY")
        return cls(
            memory_cost=value("hash_memory_cost"),
            time_cost=value("hash_time_cost"),
            parallelism=value("hash_parallelism"),
            threads=threads,
            concurrency=(
                int(concurrency) if concurrency else default_concurrency(threads, workers)
            ),
        )

    def parameters(self) -> Argon2Parameters:
        """What the server's hashes are computed with (app/security/passwords.py)."""
        return Argon2Parameters(self.memory_cost, self.time_cost, self.parallelism, self.threads)


# ---------------------------------------------------------------------------------------
# Processes: started in their own process group so the whole tree can be ended by its id


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def stop_group(process: subprocess.Popen[bytes], grace: float = 15.0) -> None:
    """SIGTERM to the process group we created, then SIGKILL to whatever is left."""
    if process.returncode is not None:
        return  # stopped before: its group id may belong to someone else by now
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(process.pid, signal.SIGKILL)
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(timeout=5)
    # Workers outlive a killed master: end the rest of the group too.
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, signal.SIGKILL)


def _proc_status(pid: int) -> dict[str, str]:
    fields: dict[str, str] = {}
    with contextlib.suppress(OSError):
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            name, _, value = line.partition(":")
            fields[name] = value.strip()
    return fields


def descendants(root: int) -> list[int]:
    """Every live process below `root`, from /proc (uvicorn workers, their helpers)."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        parent = int(stat.rsplit(")", 1)[1].split()[1])
        children.setdefault(parent, []).append(int(entry.name))
    found: list[int] = []
    pending = [root]
    while pending:
        pid = pending.pop()
        for child in children.get(pid, []):
            found.append(child)
            pending.append(child)
    return found


def _cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return ""


@dataclass
class Server:
    """A server we started: `dauth serve` or the floor app."""

    name: str
    url: str
    process: subprocess.Popen[bytes]
    log: Path
    workers: int

    def worker_pids(self) -> list[int]:
        """The processes that serve requests: the server itself, or its uvicorn workers."""
        if self.workers == 1:
            return [self.process.pid]
        spawned = [pid for pid in descendants(self.process.pid) if "spawn_main" in _cmdline(pid)]
        return spawned or [self.process.pid]

    def memory(self) -> dict[str, Any]:
        """VmRSS and VmHWM (peak) in MB of every worker and of the whole tree."""
        tree = [self.process.pid, *descendants(self.process.pid)]
        workers = set(self.worker_pids())
        per: list[dict[str, Any]] = []
        for pid in tree:
            status = _proc_status(pid)
            if not status:
                continue
            per.append(
                {
                    "pid": pid,
                    "worker": pid in workers,
                    "rss_mb": _kb_to_mb(status.get("VmRSS", "0 kB")),
                    "hwm_mb": _kb_to_mb(status.get("VmHWM", "0 kB")),
                }
            )
        serving = [item for item in per if item["worker"]]
        return {
            "processes": per,
            "worker_rss_mb": round(sum(item["rss_mb"] for item in serving), 1),
            "worker_max_hwm_mb": max((item["hwm_mb"] for item in serving), default=0.0),
            "tree_rss_mb": round(sum(item["rss_mb"] for item in per), 1),
        }

    def cpu_seconds(self) -> float:
        """CPU time used so far by the whole tree (utime + stime)."""
        ticks = 0
        for pid in [self.process.pid, *descendants(self.process.pid)]:
            try:
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            ticks += int(fields[11]) + int(fields[12])
        return ticks / os.sysconf("SC_CLK_TCK")

    def wait_idle(self, limit: float = 180.0) -> float:
        """Waits until the server stops working on requests wrk abandoned at the end of a run
        (uvicorn finishes them anyway), so they do not slow the next scenario. Returns the
        seconds waited beyond the first check, or -1 if it was still busy at the limit."""
        started = time.monotonic()
        previous = self.cpu_seconds()
        while time.monotonic() - started < limit:
            time.sleep(0.5)
            current = self.cpu_seconds()
            if current - previous < 0.05:  # under 10% of one core
                return max(0.0, time.monotonic() - started - 0.5)
            previous = current
        return -1.0

    def reset_peak(self) -> bool:
        """Resets VmHWM (clear_refs 5), so a phase's peak is its own; False if refused."""
        done = True
        for pid in [self.process.pid, *descendants(self.process.pid)]:
            try:
                Path(f"/proc/{pid}/clear_refs").write_text("5")
            except OSError:
                done = False
        return done

    def check_alive(self) -> None:
        """A server that died mid-run makes every later figure meaningless: stop with why."""
        code = self.process.poll()
        if code is None:
            return
        try:
            tail = self.log.read_text(errors="replace").splitlines()[-15:]
        except OSError:
            tail = []
        why = ""
        if any("Shutting down" in line for line in tail):
            why = " after a SIGTERM/SIGINT it did not get from the benchmark (something outside)"
        raise BenchError(
            f"{self.name} exited with code {code}{why}; last log lines:\n" + "\n".join(tail)
        )

    def keep_log_tail(self, directory: Path, lines: int = 1000) -> None:
        """The end of the server's log next to the raw wrk output, for a look afterwards."""
        with contextlib.suppress(OSError):
            tail = self.log.read_text(errors="replace").splitlines()[-lines:]
            (directory / self.log.name).write_text("\n".join(tail) + "\n")

    def log_problems(self) -> list[str]:
        """Tracebacks and errors the server logged: a healthy run has none."""
        try:
            lines = self.log.read_text(errors="replace").splitlines()
        except OSError:
            return []
        return [line for line in lines if "Traceback" in line or " ERROR " in line][:20]


def _kb_to_mb(value: str) -> float:
    number = value.split()[0] if value.split() else "0"
    return round(int(number) / 1024, 1)


def start_server(
    name: str,
    command: list[str],
    *,
    cwd: Path,
    env: dict[str, str],
    port: int,
    workers: int,
    ready_path: str,
    cleanup: contextlib.ExitStack,
) -> Server:
    log = cwd / f"{name}.log"
    with log.open("wb") as output:
        process = subprocess.Popen(  # noqa: S603
            command,
            cwd=cwd,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    cleanup.callback(stop_group, process)
    server = Server(name, f"http://127.0.0.1:{port}", process, log, workers)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(process.pid, signal.SIGKILL)  # any worker it left behind
            raise BenchError(f"{name} exited at start:\n{log.read_text(errors='replace')[-3000:]}")
        try:
            answered = httpx.get(server.url + ready_path, timeout=2).status_code == 200
            # With several workers, wait until all of them are up.
            if answered and (workers == 1 or len(server.worker_pids()) >= workers):
                return server
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    raise BenchError(f"{name} did not answer within 60 s; log: {log}")


# ---------------------------------------------------------------------------------------
# Seeding: bulk SQL straight into the tables, one shared argon2 hash


class Seeder(Protocol):
    def insert(
        self, table: str, columns: Sequence[str], rows: Iterable[tuple[object, ...]]
    ) -> None: ...

    def timestamp(self, moment: datetime) -> object: ...

    def finish(self) -> None: ...

    def close(self) -> None: ...


def batched(rows: Iterable[tuple[object, ...]], size: int) -> Iterator[list[tuple[object, ...]]]:
    batch: list[tuple[object, ...]] = []
    for row in rows:
        batch.append(row)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


class SqliteSeeder:
    """sqlite3 executemany: a million users in seconds."""

    def __init__(self, path: Path) -> None:
        self._connection = sqlite3.connect(path)

    def insert(
        self, table: str, columns: Sequence[str], rows: Iterable[tuple[object, ...]]
    ) -> None:
        names = ", ".join(f'"{column}"' for column in columns)
        marks = ", ".join("?" for _ in columns)
        statement = f'INSERT INTO "{table}" ({names}) VALUES ({marks})'  # noqa: S608
        with self._connection:
            for batch in batched(rows, 20_000):
                self._connection.executemany(statement, batch)

    def timestamp(self, moment: datetime) -> object:
        # How SQLAlchemy stores UTCDateTime in SQLite: naive UTC text.
        return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")

    def finish(self) -> None:
        self._connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")

    def close(self) -> None:
        self._connection.close()


class PgSeeder:
    """COPY through asyncpg: the fastest way in."""

    def __init__(self, dsn: str) -> None:
        self._runner = asyncio.Runner()
        self._connection: Any = self._runner.run(asyncpg.connect(dsn))

    def insert(
        self, table: str, columns: Sequence[str], rows: Iterable[tuple[object, ...]]
    ) -> None:
        for batch in batched(rows, 50_000):
            self._runner.run(
                self._connection.copy_records_to_table(table, records=batch, columns=list(columns))
            )

    def timestamp(self, moment: datetime) -> object:
        return moment

    def finish(self) -> None:
        # What autovacuum would do soon after a bulk load; the planner needs the statistics.
        self._runner.run(self._connection.execute("ANALYZE"))

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self._runner.run(self._connection.close())
        self._runner.close()


@dataclass(frozen=True)
class SeededUser:
    index: int
    id: str
    email: str
    first_name: str
    role: str


def user_id(index: int) -> str:
    """Random-looking uuids (like Directus's), reproducible from the index."""
    return str(uuid.uuid5(UUID_NAMESPACE, f"user-{index}"))


def user_names(index: int) -> tuple[str, str, str]:
    first = FIRST_NAMES[index % len(FIRST_NAMES)]
    last = LAST_NAMES[(index // len(FIRST_NAMES) + index * 7) % len(LAST_NAMES)]
    email = f"{first}.{last}.{index}@{DOMAINS[index % len(DOMAINS)]}".lower()
    return first, last, email


@dataclass
class Plan:
    """What was seeded, and what each scenario will ask for."""

    users: int
    password: str
    roles: list[tuple[str, str]]  # (id, name)
    me: SeededUser
    login_right: SeededUser
    login_wrong: SeededUser
    storm: SeededUser
    sample_ids: Path
    sample_emails: Path
    samples: list[SeededUser]
    refresh_files: dict[int, Path] = field(default_factory=dict)
    refresh_counts: dict[int, int] = field(default_factory=dict)
    check_tokens: list[str] = field(default_factory=list)


def seeded_user(index: int, roles: list[tuple[str, str]]) -> SeededUser:
    first, _, email = user_names(index)
    return SeededUser(index, user_id(index), email, first, roles[index % len(roles)][1])


def seed(seeder: Seeder, options: Options, password_hash: str, work: Path) -> Plan:
    """Roles, users and the single-use refresh sessions, in bulk."""
    roles = [(str(uuid.uuid5(UUID_NAMESPACE, f"role-{name}")), name) for name in ROLE_NAMES]
    seeder.insert(
        "directus_roles",
        ("id", "name", "icon", "description", "enforce_tfa", "admin_access", "app_access"),
        [
            (role_id, name, "badge", f"{name} team", False, False, True)
            for role_id, name in roles[:ROLE_COUNT]
        ],
    )

    def users() -> Iterator[tuple[object, ...]]:
        for index in range(options.users):
            first, last, email = user_names(index)
            yield (
                user_id(index),
                first,
                last,
                email,
                password_hash,
                TITLES[index % len(TITLES)],
                "active",
                roles[index % len(roles)][0],
                "default",
                True,
                "auto",
                0,
            )

    seeder.insert(
        "directus_users",
        (
            "id",
            "first_name",
            "last_name",
            "email",
            "password",
            "title",
            "status",
            "role",
            "provider",
            "email_notifications",
            "text_direction",
            "failed_login_attempts",
        ),
        users(),
    )

    # Distinct users spread over the whole table, so growth shows in the lookups.
    count = min(SAMPLE_SIZE, options.users - 10)
    step = options.users / count
    samples = [seeded_user(10 + int(k * step) % (options.users - 10), roles) for k in range(count)]
    sample_ids = work / "sample_ids.txt"
    sample_emails = work / "sample_emails.txt"
    sample_ids.write_text("".join(user.id + "\n" for user in samples))
    sample_emails.write_text("".join(user.email + "\n" for user in samples))
    plan = Plan(
        users=options.users,
        password="",
        roles=roles,
        me=seeded_user(options.users // 2, roles),
        login_right=seeded_user(1, roles),
        login_wrong=seeded_user(2, roles),
        storm=seeded_user(3, roles),
        sample_ids=sample_ids,
        sample_emails=sample_emails,
        samples=samples,
    )

    # Refresh: one session row per request wrk will send, each with its own raw token.
    expires = seeder.timestamp(datetime.now(UTC) + timedelta(days=7))
    raw_tokens: list[str] = []

    def sessions(total: int) -> Iterator[tuple[object, ...]]:
        for k in range(total):
            raw = secrets.token_urlsafe(48)[:64]
            raw_tokens.append(raw)
            owner = user_id(10 + k % (options.users - 10))
            digest = hashlib.sha256(raw.encode()).hexdigest()
            yield (str(uuid.uuid4()), digest, owner, expires, str(uuid.uuid4()))

    columns = ("id", "token", "user", "expires", "family")
    for concurrency in CONCURRENCIES:
        total = options.duration * REFRESH_TOKENS_PER_SECOND[concurrency] * options.workers
        raw_tokens.clear()
        seeder.insert("directus_sessions", columns, sessions(total))
        path = work / f"refresh_tokens_c{concurrency}.txt"
        path.write_text("".join(token + "\n" for token in raw_tokens))
        plan.refresh_files[concurrency] = path
        plan.refresh_counts[concurrency] = total
    raw_tokens.clear()
    seeder.insert("directus_sessions", columns, sessions(4))
    plan.check_tokens = list(raw_tokens)
    seeder.finish()
    return plan


# ---------------------------------------------------------------------------------------
# wrk: a Lua script per scenario that also checks every answer


LUA_TEMPLATE = r"""-- Generated by scripts/benchmark.py for one scenario.
local prefix = [==[@PREFIX@]==]
local suffix = [==[@SUFFIX@]==]
local expect = [==[@EXPECT@]==]
local forbid = [==[@FORBID@]==]
local values_path = [==[@VALUES@]==]
local mode = "@MODE@"

wrk.method = "POST"
wrk.body = prefix
wrk.headers["Content-Type"] = "application/json"
@HEADERS@

local counter = 0
local threads = {}
function setup(thread)
  thread:set("tid", counter)
  counter = counter + 1
  table.insert(threads, thread)
end

local values = {}
local position = 0
bad = 0
exhausted = 0
bad_sample = ""

function init(args)
  if mode == "static" then return end
  local nthreads = tonumber(args[1]) or 1
  local all = {}
  for line in io.lines(values_path) do
    if #line > 0 then all[#all + 1] = line end
  end
  if mode == "cycle" then
    values = all
    position = tid * 97
    return
  end
  -- "consume": every value is used once; each thread owns its own slice.
  local per = math.floor(#all / nthreads)
  for i = tid * per + 1, (tid + 1) * per do values[#values + 1] = all[i] end
end

if mode ~= "static" then
  function request()
    position = position + 1
    if mode == "cycle" then
      return wrk.format(nil, nil, nil, prefix .. values[(position - 1) % #values + 1] .. suffix)
    end
    if position > #values then
      exhausted = 1
      wrk.thread:stop()
      position = #values
    end
    return wrk.format(nil, nil, nil, prefix .. values[position] .. suffix)
  end
end

function response(status, headers, body)
  local ok = status == 200 and string.find(body, expect, 1, true) ~= nil
  if ok and #forbid > 0 and string.find(body, forbid, 1, true) ~= nil then ok = false end
  if not ok then
    bad = bad + 1
    if bad_sample == "" then bad_sample = status .. " " .. string.sub(body, 1, 300) end
  end
end

function done(summary, latency, requests)
  local total_bad, total_exhausted, sample = 0, 0, ""
  for _, t in ipairs(threads) do
    total_bad = total_bad + (tonumber(t:get("bad")) or 0)
    total_exhausted = total_exhausted + (tonumber(t:get("exhausted")) or 0)
    local s = t:get("bad_sample")
    if sample == "" and s ~= nil and s ~= "" then sample = s end
  end
  local e = summary.errors
  io.write(string.format(
    "BENCH_RESULT %d %d %d %d %d %d %d %d %d %.1f %.1f %.1f %.1f %.1f\n",
    summary.requests, summary.duration, e.connect, e.read, e.write, e.status, e.timeout,
    total_bad, total_exhausted, latency:percentile(50), latency:percentile(90),
    latency:percentile(99), latency.max, latency.mean))
  io.write("BENCH_SAMPLE " .. (string.gsub(sample, "[\r\n]", " ")) .. "\n")
end
"""


@dataclass(frozen=True)
class Request:
    """One kind of request: a JSON body (with at most one varying value) and its check."""

    query: str
    token: str | None
    expect: str
    forbid: str = '"errors"'
    values: Path | None = None
    mode: Literal["static", "cycle", "consume"] = "static"

    def body(self, value: str = "") -> str:
        return json.dumps({"query": self.query.replace(PLACEHOLDER, value)})

    def lua(self) -> str:
        body = json.dumps({"query": self.query})
        prefix, _, suffix = body.partition(PLACEHOLDER)
        headers = ""
        if self.token:
            headers = f'wrk.headers["Authorization"] = "Bearer {self.token}"'
        replacements = {
            "@PREFIX@": prefix,
            "@SUFFIX@": suffix,
            "@EXPECT@": self.expect,
            "@FORBID@": self.forbid,
            "@VALUES@": str(self.values or ""),
            "@MODE@": self.mode,
            "@HEADERS@": headers,
        }
        script = LUA_TEMPLATE
        for marker, text in replacements.items():
            if "]==]" in text:
                raise BenchError(f"cannot quote {text!r} for Lua")
            script = script.replace(marker, text)
        return script


@dataclass
class WrkResult:
    requests: int = 0
    duration_s: float = 0.0
    rps: float = 0.0
    p50_ms: float = 0.0
    p90_ms: float = 0.0
    p99_ms: float = 0.0
    max_ms: float = 0.0
    mean_ms: float = 0.0
    connect_errors: int = 0
    read_errors: int = 0
    write_errors: int = 0
    status_errors: int = 0
    timeouts: int = 0
    bad_answers: int = 0
    exhausted: int = 0
    bad_sample: str = ""

    @property
    def errors(self) -> int:
        """Everything that was not a correct answer (non-2xx are among bad answers)."""
        socket_errors = self.connect_errors + self.read_errors + self.write_errors
        return socket_errors + self.timeouts + self.bad_answers + self.exhausted


def parse_wrk(output: str) -> WrkResult:
    result: WrkResult | None = None
    sample = ""
    for line in output.splitlines():
        if line.startswith("BENCH_RESULT "):
            parts = line.split()[1:]
            ints = [int(part) for part in parts[:9]]
            floats = [float(part) / 1000 for part in parts[9:]]
            duration = ints[1] / 1e6
            result = WrkResult(
                requests=ints[0],
                duration_s=round(duration, 3),
                rps=round(ints[0] / duration, 1) if duration else 0.0,
                connect_errors=ints[2],
                read_errors=ints[3],
                write_errors=ints[4],
                status_errors=ints[5],
                timeouts=ints[6],
                bad_answers=ints[7],
                exhausted=ints[8],
                p50_ms=round(floats[0], 2),
                p90_ms=round(floats[1], 2),
                p99_ms=round(floats[2], 2),
                max_ms=round(floats[3], 2),
                mean_ms=round(floats[4], 2),
            )
        elif line.startswith("BENCH_SAMPLE "):
            sample = line[len("BENCH_SAMPLE ") :].strip()
    if result is None:
        raise BenchError(f"wrk printed no result:\n{output[-2000:]}")
    result.bad_sample = sample
    return result


class Wrk:
    """Runs wrk against a server; every run is bounded by its duration plus a margin."""

    def __init__(self, binary: str, work: Path, raw_dir: Path) -> None:
        self.binary = binary
        self.work = work
        self.raw_dir = raw_dir
        self.threads_cap = max(1, min(4, (os.cpu_count() or 2) // 2))

    def _command(
        self, name: str, request: Request, url: str, connections: int, seconds: int
    ) -> tuple[list[str], int]:
        script = self.work / f"{name}.lua"
        script.write_text(request.lua())
        threads = max(1, min(connections, self.threads_cap))
        command = [
            self.binary,
            f"-t{threads}",
            f"-c{connections}",
            f"-d{seconds}s",
            f"--timeout={WRK_TIMEOUT}",
            "--latency",
            "-s",
            str(script),
            url + GRAPHQL_PATH,
            "--",
            str(threads),
        ]
        return command, threads

    def run(
        self, name: str, request: Request, url: str, connections: int, seconds: int
    ) -> WrkResult:
        command, _ = self._command(name, request, url, connections, seconds)
        try:
            completed = subprocess.run(  # noqa: S603
                command, capture_output=True, text=True, timeout=seconds + 60, check=False
            )
        except subprocess.TimeoutExpired as error:
            raise BenchError(f"wrk {name} did not finish in {seconds + 60} s") from error
        self._keep(name, completed.stdout + completed.stderr)
        return parse_wrk(completed.stdout)

    def start(
        self, name: str, request: Request, url: str, connections: int, seconds: int
    ) -> subprocess.Popen[str]:
        command, _ = self._command(name, request, url, connections, seconds)
        return subprocess.Popen(  # noqa: S603
            command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
        )

    def finish(self, name: str, process: subprocess.Popen[str], seconds: int) -> WrkResult:
        try:
            output, _ = process.communicate(timeout=seconds + 60)
        except subprocess.TimeoutExpired as error:
            process.kill()
            process.communicate(timeout=10)
            raise BenchError(f"wrk {name} did not finish in time") from error
        self._keep(name, output)
        return parse_wrk(output)

    def _keep(self, name: str, output: str) -> None:
        with contextlib.suppress(OSError):
            (self.raw_dir / f"{name}.txt").write_text(output)


# ---------------------------------------------------------------------------------------
# GraphQL over httpx: tokens and the sample checks


class Api:
    def __init__(self, server: Server) -> None:
        self._server = server
        self._client = httpx.Client(base_url=server.url, timeout=120)

    def close(self) -> None:
        self._client.close()

    def post(self, body: str, token: str | None = None) -> dict[str, Any]:
        headers = {"content-type": "application/json"}
        if token:
            headers["authorization"] = f"Bearer {token}"
        try:
            response = self._client.post(GRAPHQL_PATH, content=body, headers=headers)
        except httpx.TransportError as error:
            self._server.check_alive()
            raise BenchError(f"{self._server.name} did not answer: {error!r}") from error
        if response.status_code != 200:
            raise BenchError(f"HTTP {response.status_code}: {response.text[:500]}")
        answer: dict[str, Any] = response.json()
        return answer

    def login(self, email: str, password: str) -> dict[str, Any]:
        query = (
            f'mutation {{ auth_login(email: "{email}", password: "{password}") '
            "{ access_token refresh_token expires } }"
        )
        answer = self.post(json.dumps({"query": query}))
        tokens = (answer.get("data") or {}).get("auth_login")
        if not tokens or not tokens.get("access_token"):
            raise BenchError(f"login of {email} failed: {answer}")
        result: dict[str, Any] = tokens
        return result


@dataclass
class Row:
    """One line of the table."""

    scenario: str
    concurrency: int
    result: WrkResult
    note: str = ""
    peak_rss_mb: float | None = None  # max VmHWM of the serving processes during this run

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self.result)
        data["errors"] = self.result.errors
        return {
            "scenario": self.scenario,
            "concurrency": self.concurrency,
            **data,
            "note": self.note,
            "peak_rss_mb": self.peak_rss_mb,
        }


Check = Callable[[dict[str, Any]], str | None]


def data_of(answer: dict[str, Any], name: str) -> Any:
    if answer.get("errors"):
        raise BenchError(f"{name} answered errors: {answer['errors']}")
    return (answer.get("data") or {}).get(name)


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
        problem = check(self._post(server, request.body(check_value), request.token))
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
            peak = server.memory()["worker_max_hwm_mb"]
            self._record(Row(name, concurrency, result, note, peak))
            self._settle(server, f"{name} c={concurrency}")

    def _settle(self, server: Server, label: str) -> None:
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

    def _post(self, server: Server, body: str, token: str | None) -> dict[str, Any]:
        api = Api(server)
        try:
            return api.post(body, token)
        finally:
            api.close()

    def _record(self, row: Row) -> None:
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

    def server_phase(self, plan: Plan) -> None:
        """Every scenario against `dauth serve`, then the memory marks."""
        port = free_port()
        env = {**self.env, "PORT": str(port)}
        self.say(f"Starting dauth serve (WORKERS={self.options.workers}) on port {port} ...")
        server = start_server(
            "server",
            [str(BIN / "dauth"), "serve"],
            cwd=self.work,
            env=env,
            port=port,
            workers=self.options.workers,
            ready_path=f"{GRAPHQL_PATH}?query=%7Bserver_ping%7D",
            cleanup=self.cleanup,
        )
        api = Api(server)
        try:
            self._server_scenarios(server, api, plan)
            self._memory_marks(server, api, plan)
        finally:
            api.close()
            stop_group(server.process)
            self.server_log_problems = server.log_problems()
            server.keep_log_tail(self.wrk.raw_dir)

    def _server_scenarios(self, server: Server, api: Api, plan: Plan) -> None:
        url = server.url
        quick = self.options.quick

        def user_token() -> str:
            return str(api.login(plan.me.email, plan.password)["access_token"])

        def admin_token() -> str:
            return str(api.login(self.admin_email, self.admin_password)["access_token"])

        def me_request() -> Request:
            return Request(
                f"{{ users_me {{ {USER_FIELDS} }} }}",
                user_token(),
                f'"users_me":{{"id":"{plan.me.id}"',
            )

        self.warm_up(url, me_request(), 1 if quick else 3)
        self.memory["after_start"] = server.memory()
        peak_reset = server.reset_peak()
        if not peak_reset:
            self.notes.append("VmHWM could not be reset: peaks include start-up.")

        def check_me(answer: dict[str, Any]) -> str | None:
            me = data_of(answer, "users_me")
            if not me or me.get("id") != plan.me.id or (me.get("role") or {}).get("name") is None:
                return f"unexpected users_me {me}"
            return None

        self.say("Scenarios:")
        self.measure("users_me", me_request, server, check_me)
        # The floor right after, so both see the same machine (others may be busy on it).
        self.floor_phase(plan)

        expected_rows = min(25, plan.users + 1)

        def check_list(answer: dict[str, Any]) -> str | None:
            rows = data_of(answer, "users")
            if not isinstance(rows, list) or len(rows) != expected_rows:
                return f"expected {expected_rows} users, got {rows!r:.200}"
            if any(not row.get("email") or not row.get("role") for row in rows):
                return "a user without email or role"
            return None

        self.measure(
            "users_list",
            lambda: Request(
                f"{{ users(limit: 25) {{ {USER_FIELDS} }} }}", admin_token(), '"users":[{"id":"'
            ),
            server,
            check_list,
        )

        first = plan.samples[0]

        def check_by_id(answer: dict[str, Any]) -> str | None:
            row = data_of(answer, "users_by_id")
            if not row or row.get("id") != first.id or row.get("email") != first.email:
                return f"expected {first.email}, got {row}"
            return None

        self.measure(
            "users_by_id",
            lambda: Request(
                f'{{ users_by_id(id: "{PLACEHOLDER}") {{ {USER_FIELDS} }} }}',
                admin_token(),
                '"users_by_id":{"id":"',
                values=plan.sample_ids,
                mode="cycle",
            ),
            server,
            check_by_id,
            check_value=first.id,
        )

        def check_by_email(answer: dict[str, Any]) -> str | None:
            rows = data_of(answer, "users")
            if not isinstance(rows, list) or [row.get("id") for row in rows] != [first.id]:
                return f"expected exactly {first.email}, got {rows}"
            return None

        self.measure(
            "users_by_email",
            lambda: Request(
                f'{{ users(filter: {{ email: {{ _eq: "{PLACEHOLDER}" }} }}) {{ {USER_FIELDS} }} }}',
                admin_token(),
                '"users":[{"id":"',
                values=plan.sample_emails,
                mode="cycle",
            ),
            server,
            check_by_email,
            check_value=first.email,
        )

        def check_sorted(answer: dict[str, Any]) -> str | None:
            problem = check_list(answer)
            if problem:
                return problem
            emails = [row["email"] for row in data_of(answer, "users")]
            # Collations differ (PostgreSQL's may skip punctuation): check the first letters.
            initials = [email[0] for email in emails]
            if initials != sorted(initials):
                return f"not sorted by email: {emails}"
            return None

        self.measure(
            "users_sorted",
            lambda: Request(
                f'{{ users(sort: ["email"], limit: 25) {{ {USER_FIELDS} }} }}',
                admin_token(),
                '"users":[{"id":"',
            ),
            server,
            check_sorted,
        )

        def refresh_request(concurrency: int) -> Request:
            return Request(
                f'mutation {{ auth_refresh(refresh_token: "{PLACEHOLDER}", mode: json) '
                "{ access_token refresh_token expires } }",
                None,
                '"refresh_token":"',
                values=plan.refresh_files[concurrency],
                mode="consume",
            )

        check_token = plan.check_tokens[0]

        def check_refresh(answer: dict[str, Any]) -> str | None:
            tokens = data_of(answer, "auth_refresh")
            if not tokens or not tokens.get("refresh_token") or not tokens.get("access_token"):
                return f"no tokens: {tokens}"
            if tokens["refresh_token"] == check_token:
                return "the refresh token was not rotated"
            return None

        self.measure(
            "auth_refresh",
            lambda: refresh_request(1),
            server,
            check_refresh,
            check_value=check_token,
            request_for_c=refresh_request,
            note="every request presents a fresh, never used refresh token",
        )

        def login_request(user: SeededUser, password: str, expect: str, forbid: str) -> Request:
            query = (
                f'mutation {{ auth_login(email: "{user.email}", password: "{password}") '
                "{ access_token refresh_token expires } }"
            )
            return Request(query, None, expect, forbid)

        def check_wrong(answer: dict[str, Any]) -> str | None:
            codes = [
                (error.get("extensions") or {}).get("code") for error in answer.get("errors") or []
            ]
            if codes != ["INVALID_CREDENTIALS"]:
                return f"expected INVALID_CREDENTIALS, got {answer}"
            return None

        # The raw rate just before the logins, with the server idle, for the same reason.
        self.argon2_phase(plan)
        self.measure(
            "auth_login_wrong",
            lambda: login_request(
                plan.login_wrong, "not-the-password", '"INVALID_CREDENTIALS"', '"access_token":"'
            ),
            server,
            check_wrong,
            note="after 5 failures the account is locked; locked attempts still cost one verify",
        )

        def check_right(answer: dict[str, Any]) -> str | None:
            tokens = data_of(answer, "auth_login")
            if not tokens or not tokens.get("access_token") or not tokens.get("refresh_token"):
                return f"no tokens: {tokens}"
            return None

        self.measure(
            "auth_login",
            lambda: login_request(plan.login_right, plan.password, '"access_token":"', '"errors"'),
            server,
            check_right,
        )

        self._storm(server, plan, me_request, login_request, check_me)

    def _storm(
        self,
        server: Server,
        plan: Plan,
        me_request: Callable[[], Request],
        login_request: Callable[[SeededUser, str, str, str], Request],
        check_me: Check,
    ) -> None:
        """users_me while a second wrk keeps 16 logins in flight."""
        url = server.url
        storm_login = login_request(plan.storm, plan.password, '"access_token":"', '"errors"')
        self.say("  storm: users_me while 16 logins run at once ...")
        for concurrency in CONCURRENCIES:
            request = me_request()
            problem = check_me(self._post(server, request.body(), request.token))
            if problem:
                raise BenchError(f"storm users_me sample: {problem}")
            seconds = self.options.duration
            lead = 2  # let the logins saturate the hashers before measuring
            server.reset_peak()
            storm = self.wrk.start(
                f"storm-logins-c{concurrency}",
                storm_login,
                url,
                STORM_CONNECTIONS,
                seconds + lead + 1,
            )
            try:
                time.sleep(lead)
                result = self.wrk.run(
                    f"storm-users_me-c{concurrency}", request, url, concurrency, seconds
                )
            except BaseException:
                storm.kill()
                storm.communicate(timeout=10)
                raise
            logins = self.wrk.finish(f"storm-logins-c{concurrency}", storm, seconds + lead + 1)
            server.check_alive()
            peak = server.memory()["worker_max_hwm_mb"]
            self._record(Row("users_me_storm", concurrency, result, "16 logins in flight", peak))
            self._record(
                Row(
                    f"storm_logins_c{concurrency}",
                    STORM_CONNECTIONS,
                    logins,
                    f"the storm itself, alongside users_me_storm c={concurrency}",
                    peak,
                )
            )
            self._settle(server, f"storm c={concurrency}")

    def _memory_marks(self, server: Server, api: Api, plan: Plan) -> None:
        """RSS after the first and the second mark of users_me requests (a leak shows)."""
        first_mark, second_mark = self.options.memory_marks
        self.say(f"Memory: RSS after {first_mark:,} and {second_mark:,} users_me requests ...")
        url = server.url
        c32 = [row for row in self.rows if row.scenario == "users_me" and row.concurrency == 32]
        rate = max(c32[0].result.rps if c32 else 100.0, 20.0)
        done = 0
        marks: list[dict[str, Any]] = []
        deadline = time.monotonic() + 1800
        for mark in (first_mark, second_mark):
            for attempt in range(20):
                if done >= mark or time.monotonic() > deadline:
                    break
                token = str(api.login(plan.me.email, plan.password)["access_token"])
                request = Request(
                    f"{{ users_me {{ {USER_FIELDS} }} }}",
                    token,
                    f'"users_me":{{"id":"{plan.me.id}"',
                )
                seconds = max(1, min(300, math.ceil((mark - done) / rate)))
                result = self.wrk.run(f"memory-{mark}-{attempt}", request, url, 32, seconds)
                server.check_alive()
                if result.errors:
                    raise BenchError(f"memory run answers are wrong: {result.bad_sample[:300]}")
                done += result.requests
                rate = max(result.rps, 20.0)
            if done < mark:
                self.notes.append(f"memory mark {mark:,} not reached in time: {done:,} requests")
            marks.append({"mark": mark, "requests": done, **server.memory()})
        self.memory["marks"] = marks
        if len(marks) == 2 and marks[0]["worker_rss_mb"]:
            growth = (marks[1]["worker_rss_mb"] / marks[0]["worker_rss_mb"] - 1) * 100
            self.memory["growth_pct"] = round(growth, 1)

    def floor_phase(self, plan: Plan) -> None:
        """The bare Starlette app under the same uvicorn model, at both concurrencies."""
        port = free_port()
        env = {**self.env, "PORT": str(port)}
        self.say(f"  floor: scripts/bench_floor.py (workers={self.options.workers}) ...")
        command = [
            sys.executable,
            str(ROOT / "scripts" / "bench_floor.py"),
            f"--port={port}",
            f"--workers={self.options.workers}",
            f"--log-level={self.env.get('LOG_LEVEL', 'info')}",
        ]
        server = start_server(
            "floor",
            command,
            cwd=self.work,
            env=env,
            port=port,
            workers=self.options.workers,
            ready_path="/health",
            cleanup=self.cleanup,
        )
        try:
            token = TokenService(self.secret, SystemClock()).sign_access(
                user_id=plan.me.id,
                role=next(rid for rid, name in plan.roles if name == plan.me.role),
                app_access=True,
                admin_access=False,
                ttl_ms=3_600_000,
            )
            request = Request(
                f"{{ users_me {{ {USER_FIELDS} }} }}", token, f'"users_me":{{"id":"{plan.me.id}"'
            )

            def check(answer: dict[str, Any]) -> str | None:
                me = data_of(answer, "users_me")
                return None if me and me.get("id") == plan.me.id else f"unexpected {answer}"

            self.warm_up(server.url, request, 1 if self.options.quick else 3)
            self.measure("floor_users_me", lambda: request, server, check)
        finally:
            stop_group(server.process)
            self.server_log_problems += [f"floor: {line}" for line in server.log_problems()]
            server.keep_log_tail(self.wrk.raw_dir)

    def argon2_phase(self, plan: Plan) -> None:
        """Raw verifies in this process with the server's own hash function and
        parameters (threads per hash included), on an otherwise idle server side."""
        parameters = self.hash.parameters()
        hashed = hash_password(parameters, plan.password)
        seconds = max(3, min(self.options.duration, 10))
        concurrent = self.hash.concurrency * self.options.workers
        self.say(f"  argon2 verify rate ({seconds} s with 1 thread, then {concurrent}) ...")
        single = argon2_rate(parameters, hashed, plan.password, 1, seconds)
        many = argon2_rate(parameters, hashed, plan.password, concurrent, seconds)
        self.argon2 = {
            "params": asdict(self.hash),
            "threads_1_per_s": round(single, 2),
            "threads_n": concurrent,
            "threads_n_per_s": round(many, 2),
            "verify_ms": round(1000 / single, 1) if single else None,
        }
        self.say(f"    1 thread {single:.2f}/s, {concurrent} threads {many:.2f}/s")


def argon2_rate(
    parameters: Argon2Parameters, hashed: str, password: str, threads: int, seconds: float
) -> float:
    deadline = time.monotonic() + seconds
    counts = [0] * threads

    def loop(slot: int) -> None:
        while time.monotonic() < deadline:
            if not verify_password(parameters, password, hashed):
                raise BenchError("argon2 verify failed")
            counts[slot] += 1

    started = time.monotonic()
    with ThreadPoolExecutor(threads) as pool:
        list(pool.map(loop, range(threads)))
    return sum(counts) / (time.monotonic() - started)


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


# ---------------------------------------------------------------------------------------
# Targets and reports


@dataclass(frozen=True)
class Target:
    name: str
    goal: str
    measured: str
    met: bool | None  # None: not measured in this run

    @property
    def status(self) -> str:
        return {True: "met", False: "NOT MET", None: "not measured"}[self.met]


def find(rows: Sequence[dict[str, Any]], scenario: str, concurrency: int) -> dict[str, Any] | None:
    for row in rows:
        if row["scenario"] == scenario and row["concurrency"] == concurrency:
            return row
    return None


def valid(row: dict[str, Any] | None) -> bool:
    return row is not None and row["errors"] == 0 and row["requests"] > 0


def evaluate(run: dict[str, Any], stored: dict[str, Any]) -> list[Target]:
    """Every target of issue 6, with the value it was judged on."""
    rows: list[dict[str, Any]] = run["scenarios"]
    params = run["parameters"]
    targets: list[Target] = []

    me32 = find(rows, "users_me", 32)
    floor32 = find(rows, "floor_users_me", 32)
    if valid(me32) and valid(floor32):
        assert me32 is not None
        assert floor32 is not None
        share = me32["rps"] / floor32["rps"] * 100
        targets.append(
            Target(
                "users_me throughput",
                ">= 60% of the floor's req/s (c=32)",
                f"{me32['rps']:.0f} vs {floor32['rps']:.0f} req/s = {share:.0f}%",
                share >= 60,
            )
        )
    else:
        targets.append(Target("users_me throughput", ">= 60% of floor", "errors", False))
    if valid(me32):
        assert me32 is not None
        targets.append(
            Target(
                "users_me latency",
                "p99 < 50 ms at c=32",
                f"p99 {me32['p99_ms']:.1f} ms",
                me32["p99_ms"] < 50,
            )
        )

    argon = run["argon2"]
    for concurrency, rate_key, label in (
        (32, "threads_n_per_s", f"{argon.get('threads_n')} threads"),
        (1, "threads_1_per_s", "1 thread"),
    ):
        login = find(rows, "auth_login", concurrency)
        raw = argon.get(rate_key) or 0
        if valid(login) and raw:
            assert login is not None
            share = login["rps"] / raw * 100
            targets.append(
                Target(
                    f"auth_login c={concurrency}",
                    f">= 85% of raw argon2 verify rate ({label})",
                    f"{login['rps']:.2f} vs {raw:.2f}/s = {share:.0f}%",
                    share >= 85,
                )
            )
        else:
            targets.append(
                Target(f"auth_login c={concurrency}", ">= 85% of argon2", "errors", False)
            )

    for concurrency in CONCURRENCIES:
        idle = find(rows, "users_me", concurrency)
        storm = find(rows, "users_me_storm", concurrency)
        logins = find(rows, f"storm_logins_c{concurrency}", STORM_CONNECTIONS)
        if valid(idle) and valid(storm) and valid(logins):
            assert idle is not None
            assert storm is not None
            ratio = storm["p99_ms"] / idle["p99_ms"]
            targets.append(
                Target(
                    f"users_me under login storm c={concurrency}",
                    "p99 <= 3x idle p99",
                    f"{storm['p99_ms']:.1f} ms vs idle {idle['p99_ms']:.1f} ms = {ratio:.1f}x",
                    ratio <= 3,
                )
            )
        else:
            targets.append(
                Target(f"users_me under login storm c={concurrency}", "p99 <= 3x", "errors", False)
            )

    best = max(
        (row for row in rows if row["scenario"] == "auth_refresh" and valid(row)),
        key=lambda row: row["rps"],
        default=None,
    )
    applies = params["db"] == "sqlite" and params["workers"] == 1
    if best is None:
        targets.append(Target("auth_refresh", ">= 500/s (SQLite, 1 worker)", "errors", False))
    else:
        measured = f"{best['rps']:.0f}/s (c={best['concurrency']})"
        if not applies:
            measured += f"; target is for SQLite, 1 worker (this run: {params['db']}, "
            measured += f"{params['workers']} workers)"
        targets.append(
            Target(
                "auth_refresh",
                ">= 500/s on SQLite, single worker",
                measured,
                best["rps"] >= 500 if applies else None,
            )
        )

    targets.extend(growth_targets(run, stored))

    memory = run["memory"]
    peak, read_peak = peaks(rows)
    if peak is not None:
        targets.append(
            Target(
                "peak RSS under load",
                "< 200 MB per worker",
                f"{peak:.0f} MB (read scenarios only: {read_peak or 0:.0f} MB)",
                peak < 200,
            )
        )
    growth = memory.get("growth_pct")
    marks = memory.get("marks") or []
    if growth is not None and len(marks) == 2:
        quick_note = " (quick run: smaller counts)" if params["quick"] else ""
        targets.append(
            Target(
                "RSS growth",
                f"<= 10% from {marks[0]['mark']:,} to {marks[1]['mark']:,} requests{quick_note}",
                f"{marks[0]['worker_rss_mb']:.1f} -> {marks[1]['worker_rss_mb']:.1f} MB "
                f"= {growth:+.1f}%",
                growth <= 10,
            )
        )
    return targets


def peaks(rows: Sequence[dict[str, Any]]) -> tuple[float | None, float | None]:
    """The server's peak RSS per worker over all its scenarios, and over the reads only."""
    served = [row for row in rows if not row["scenario"].startswith("floor")]
    every = [row["peak_rss_mb"] for row in served if row.get("peak_rss_mb")]
    reads = [
        row["peak_rss_mb"]
        for row in served
        if row["scenario"].startswith("users_")
        and row["scenario"] != "users_me_storm"
        and row.get("peak_rss_mb")
    ]
    return max(every, default=None), max(reads, default=None)


GROWTH = (
    ("users_by_id", 1.5),
    ("users_by_email", 1.5),
    ("users_sorted", 2.0),
)


def growth_pairs(
    run: dict[str, Any], stored: dict[str, Any]
) -> list[tuple[dict[str, Any], dict[str, Any]]]:
    """(1,000-user run, larger run) pairs of the same database, workers and mode."""
    params = run["parameters"]

    def key(users: int) -> str:
        suffix = "/quick" if params["quick"] else ""
        return f"{params['db']}/users={users}/workers={params['workers']}{suffix}"

    runs = {**stored, run["key"]: run}
    base = runs.get(key(1000))
    if base is None:
        return []
    larger = sorted(
        (entry for entry in runs.values() if entry["key"] in (key(100_000), key(1_000_000))),
        key=lambda entry: entry["parameters"]["users"],
    )
    return [(base, entry) for entry in larger]


def growth_targets(run: dict[str, Any], stored: dict[str, Any]) -> list[Target]:
    """Judged on p50 at c=1: the latency of one request, free of queueing."""
    pairs = {big["parameters"]["users"]: (base, big) for base, big in growth_pairs(run, stored)}
    targets: list[Target] = []
    for scenario, limit in GROWTH:
        goal = f"1,000,000 users within {limit}x of 1,000 (p50, c=1)"
        seen: list[str] = []
        met: bool | None = None
        for users in sorted(pairs):
            base, big = pairs[users]
            small_row = find(base["scenarios"], scenario, 1)
            big_row = find(big["scenarios"], scenario, 1)
            if not (valid(small_row) and valid(big_row)):
                continue
            assert small_row is not None
            assert big_row is not None
            ratio = big_row["p50_ms"] / small_row["p50_ms"]
            seen.append(
                f"{users:,}: {big_row['p50_ms']:.2f} vs {small_row['p50_ms']:.2f} ms = {ratio:.2f}x"
            )
            if users == 1_000_000:
                met = ratio <= limit
        measured = "; ".join(seen) if seen else "no 1,000-user and 1,000,000-user runs recorded"
        targets.append(Target(f"growth {scenario}", goal, measured, met))
    return targets


def fmt_rate(value: float) -> str:
    return f"{value:,.1f}" if value < 100 else f"{value:,.0f}"


def table(rows: Sequence[dict[str, Any]]) -> list[str]:
    header = (
        f"{'scenario':<18} {'c':>3} {'req/s':>9} {'p50 ms':>9} {'p99 ms':>9} {'errors':>7} "
        f"{'peak MB':>8}"
    )
    lines = [header, "-" * len(header)]
    for row in rows:
        lines.append(
            f"{row['scenario']:<18} {row['concurrency']:>3} {fmt_rate(row['rps']):>9} "
            f"{row['p50_ms']:>9.2f} {row['p99_ms']:>9.2f} {row['errors']:>7} "
            f"{row['peak_rss_mb'] or 0:>8.0f}"
        )
    return lines


def markdown(run: dict[str, Any], targets: Sequence[Target], stored: dict[str, Any]) -> str:
    params = run["parameters"]
    machine = run["machine"]
    out: list[str] = []
    add = out.append
    add("# Benchmark results\n")
    add(
        f"Written by `scripts/bench` on {run['recorded_at']} (`{run['command']}`). "
        f"Results of every size are kept in `bench/results.json` under `{run['key']}`.\n"
    )
    if params["quick"]:
        add("**Quick smoke run**: short durations and smaller memory marks; not for judging.\n")
    add("## Machine and software\n")
    add(f"- CPU: {machine['cpu_model']}, nproc {machine['nproc']}")
    add(f"- load average at start / end: {machine['load_start']} / {machine['load_end']}")
    add(f"- OS: {machine['platform']}")
    add(f"- database: {run['database']}")
    add("- versions: " + ", ".join(f"{name} {ver}" for name, ver in run["versions"].items()))
    add("")
    add("## Parameters\n")
    add(f"- users seeded: {params['users']:,} ({ROLE_COUNT} roles, one shared argon2 hash)")
    add(f"- workers: {params['workers']}; duration per scenario: {params['duration']} s")
    hp = params["hash"]
    add(
        f"- argon2id: memory {hp['memory_cost']} KiB, time {hp['time_cost']}, parallelism "
        f"{hp['parallelism']}, HASH_CONCURRENCY {hp['concurrency']} (production defaults)"
    )
    add(
        "- LOGIN_STALL_TIME=0: the stall is security padding that makes every login take 500 ms;"
        " the benchmark measures the server, so it is switched off"
    )
    add(
        f"- wrk: {params['wrk_threads']} thread(s) per run (c=1 uses 1), --timeout {WRK_TIMEOUT}, "
        "every answer checked by a Lua response hook; users_by_id and the email filter cycle "
        f"through {params['samples']} users spread over the table; auth_refresh presents a "
        "never-used token on every request"
    )
    add("")
    add("## Results\n")
    add(
        "| scenario | c | req/s | p50 ms | p90 ms | p99 ms | max ms | requests | errors "
        "| peak RSS MB | note |"
    )
    add("|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|---|")
    for row in run["scenarios"]:
        add(
            f"| {row['scenario']} | {row['concurrency']} | {fmt_rate(row['rps'])} | "
            f"{row['p50_ms']:.2f} | {row['p90_ms']:.2f} | {row['p99_ms']:.2f} | "
            f"{row['max_ms']:.1f} | {row['requests']:,} | {row['errors']} | "
            f"{row['peak_rss_mb']} | {row['note']} |"
        )
    argon = run["argon2"]
    add("")
    add(
        f"Raw argon2 verify (the server's hash function and parameters, in-process): "
        f"{argon['threads_1_per_s']:.2f}/s with 1 thread "
        f"({argon['verify_ms']} ms each), {argon['threads_n_per_s']:.2f}/s with "
        f"{argon['threads_n']} threads."
    )
    add("")
    add("## Memory\n")
    memory = run["memory"]
    add(
        "Peak RSS is VmHWM of each serving process (uvicorn workers), reset right before each "
        "wrk run, so every row's figure belongs to that run's load; see the table's peak column."
    )
    add("")
    start = memory.get("after_start")
    if start:
        add(
            f"- after start-up and warm-up: worker RSS {start['worker_rss_mb']} MB, whole tree "
            f"RSS {start['tree_rss_mb']} MB"
        )
    peak, read_peak = peaks(run["scenarios"])
    add(
        f"- peak per worker over all server scenarios: {peak} MB; "
        f"read scenarios only: {read_peak} MB"
    )
    floor_peaks = [
        row["peak_rss_mb"] for row in run["scenarios"] if row["scenario"].startswith("floor")
    ]
    add(f"- floor app peak: {max(floor_peaks, default=None)} MB")
    for mark in memory.get("marks", []):
        add(
            f"- after {mark['requests']:,} users_me requests (mark {mark['mark']:,}): worker "
            f"RSS {mark['worker_rss_mb']} MB"
        )
    if "growth_pct" in memory:
        add(f"- growth between the marks: {memory['growth_pct']:+.1f}%")
    add("")
    pairs = growth_pairs(run, stored)
    if pairs:
        add("## Growth\n")
        add("p50 / p99 in ms; 1,000 users against the larger runs recorded in results.json.\n")
        add("| scenario | c | 1,000 users | larger | ratio p50 |")
        add("|---|--:|--:|--:|--:|")
        for base, big in pairs:
            for scenario, _ in GROWTH:
                for concurrency in CONCURRENCIES:
                    small_row = find(base["scenarios"], scenario, concurrency)
                    big_row = find(big["scenarios"], scenario, concurrency)
                    if not (valid(small_row) and valid(big_row)):
                        continue
                    assert small_row is not None
                    assert big_row is not None
                    ratio = big_row["p50_ms"] / small_row["p50_ms"]
                    add(
                        f"| {scenario} | {concurrency} | {small_row['p50_ms']:.2f} / "
                        f"{small_row['p99_ms']:.2f} | {big['parameters']['users']:,} users: "
                        f"{big_row['p50_ms']:.2f} / {big_row['p99_ms']:.2f} | {ratio:.2f}x |"
                    )
        add("")
    add("## Targets (issue 6)\n")
    add("| target | goal | measured | status |")
    add("|---|---|---|---|")
    for target in targets:
        add(f"| {target.name} | {target.goal} | {target.measured} | {target.status} |")
    add("")
    if run["notes"] or run["server_log_problems"]:
        add("## Notes\n")
        for note in run["notes"]:
            add(f"- {note}")
        for line in run["server_log_problems"]:
            add(f"- server log: `{line[:200]}`")
        add("")
    return "\n".join(out)


def load_stored(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError):
        return {}
    runs = data.get("runs") if isinstance(data, dict) else None
    return runs if isinstance(runs, dict) else {}


def run_benchmark(options: Options, cleanup: contextlib.ExitStack) -> int:
    started = time.monotonic()
    load_start = load_average()
    run = Run(options, cleanup)
    run.say(f"Benchmark {options.key}: work dir {run.work}")
    run.say(
        "LOGIN_STALL_TIME=0 for this run: the stall is security padding (every login takes "
        "500 ms); the benchmark measures the server."
    )
    if load_start[:1].isdigit() and float(load_start.split()[0]) > 0.5:
        run.say(f"Warning: the machine is busy (load average {load_start}); figures will be noisy.")
    if options.quick:
        run.say("Quick run: short durations and smaller memory marks; figures are a smoke test.")
    run.prepare_database()
    plan = run.bootstrap_and_seed()
    run.server_phase(plan)

    order = [
        "users_me",
        "floor_users_me",
        "users_me_storm",
        "storm_logins_c1",
        "storm_logins_c32",
        "users_list",
        "users_by_id",
        "users_by_email",
        "users_sorted",
        "auth_login",
        "auth_login_wrong",
        "auth_refresh",
    ]
    rows = sorted(
        (row.as_dict() for row in run.rows),
        key=lambda row: (order.index(row["scenario"]), row["concurrency"]),
    )
    result: dict[str, Any] = {
        "key": options.key,
        "recorded_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "command": "scripts/bench " + " ".join(sys.argv[1:]),
        "machine": {
            "nproc": os.cpu_count(),
            "cpu_model": cpu_model(),
            "platform": platform.platform(),
            "load_start": load_start,
            "load_end": load_average(),
        },
        "versions": versions(run.wrk_path),
        "database": run.database_version,
        "parameters": {
            "db": options.db,
            "users": options.users,
            "workers": options.workers,
            "duration": options.duration,
            "quick": options.quick,
            "hash": asdict(run.hash),
            "login_stall_time": 0,
            "wrk_threads": run.wrk.threads_cap,
            "samples": len(plan.samples),
            "refresh_tokens": plan.refresh_counts,
        },
        "scenarios": rows,
        "argon2": run.argon2,
        "memory": run.memory,
        "notes": run.notes,
        "server_log_problems": run.server_log_problems,
        "elapsed_s": round(time.monotonic() - started, 1),
        "timings": run.timings,
    }
    options.output.mkdir(parents=True, exist_ok=True)
    results_path = options.output / "results.json"
    stored = load_stored(results_path)
    targets = evaluate(result, stored)
    result["targets"] = [{**asdict(target), "status": target.status} for target in targets]
    stored[options.key] = result
    results_path.write_text(json.dumps({"runs": stored}, indent=2, sort_keys=True) + "\n")
    (options.output / "RESULTS.md").write_text(markdown(result, targets, stored))

    print()
    print("\n".join(table(rows)))
    peak, read_peak = peaks(rows)
    print(
        f"\npeak RSS per worker: {peak} MB (reads only {read_peak} MB); RSS growth "
        f"{run.memory.get('growth_pct')}% between {' and '.join(map(str, options.memory_marks))} "
        "users_me requests"
    )
    print()
    for target in targets:
        print(f"{target.status:>12}  {target.name}: {target.measured}  [{target.goal}]")
    for note in run.notes:
        print(f"note: {note}")
    for line in run.server_log_problems:
        print(f"server log: {line[:200]}")
    print(f"\nWrote {results_path} and {options.output / 'RESULTS.md'} ({result['elapsed_s']} s)")
    bad = any(row["errors"] for row in rows) or bool(run.server_log_problems)
    return 1 if bad else 0


def _raise_interrupt(signum: int, _frame: FrameType | None) -> None:
    raise KeyboardInterrupt(f"signal {signum}")


def main(argv: Sequence[str] | None = None) -> int:
    options = parse_options(argv)
    # SIGTERM and SIGHUP unwind like Ctrl-C, so every process and temp dir is cleaned up.
    signal.signal(signal.SIGINT, signal.default_int_handler)  # even if started ignoring it
    signal.signal(signal.SIGTERM, _raise_interrupt)
    signal.signal(signal.SIGHUP, _raise_interrupt)
    with contextlib.ExitStack() as cleanup:
        try:
            return run_benchmark(options, cleanup)
        except BenchError as error:
            print(f"benchmark failed: {error}", file=sys.stderr)
            return 2
        except KeyboardInterrupt:
            print("\ninterrupted; cleaning up", file=sys.stderr)
            return 130


if __name__ == "__main__":
    raise SystemExit(main())
