"""The command line: what to seed, which database, how long, how many workers."""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import bench
from bench.common import BENCH_DIR

MEMORY_MARKS = (10_000, 100_000)
QUICK_MEMORY_MARKS = (1_000, 5_000)


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
        prog="scripts/bench", description=(bench.__doc__ or "").splitlines()[0]
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
