"""Seeding: roles, users and single-use refresh sessions by bulk SQL straight into the
tables (one shared argon2 hash), and the plan of what each scenario will ask for."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import secrets
import sqlite3
import uuid
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Protocol

import asyncpg

from bench.common import CONCURRENCIES, ROLE_COUNT
from bench.names import DOMAINS, FIRST_NAMES, LAST_NAMES, ROLE_NAMES, TITLES
from bench.options import Options

# Refresh tokens are single use: pre-insert more than the fastest plausible rate needs.
REFRESH_TOKENS_PER_SECOND = {1: 1500, 32: 3000}
SAMPLE_SIZE = 1000  # distinct users that users_by_id and the email filter cycle through
UUID_NAMESPACE = uuid.UUID("8d6c1c8e-56a8-4f33-9a5e-3d1f0a6b2c71")


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
        ("id", "name", "icon", "description"),
        [(role_id, name, "badge", f"{name} team") for role_id, name in roles[:ROLE_COUNT]],
    )
    # Each role's rights live on its own policy (the role's id), attached by an access row,
    # as the server's model keeps them (app access, as a Directus 10 role created plainly).
    seeder.insert(
        "directus_policies",
        ("id", "name", "icon", "description", "enforce_tfa", "admin_access", "app_access"),
        [
            (role_id, name, "badge", f"{name} team", False, False, True)
            for role_id, name in roles[:ROLE_COUNT]
        ],
    )
    seeder.insert(
        "directus_access",
        ("id", "role", "policy"),
        [
            (str(uuid.uuid5(UUID_NAMESPACE, f"access-{name}")), role_id, role_id)
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
