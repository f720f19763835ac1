"""Small, fixed benchmark results for the bench unit tests: rows built by the benchmark's own
Row and WrkResult, and a run dict shaped like the one bench/cli.py stores."""

from __future__ import annotations

from typing import Any

from bench.load import WrkResult
from bench.run import Row


def row(
    scenario: str,
    concurrency: int,
    *,
    rps: float = 100.0,
    p50: float = 1.0,
    p99: float = 10.0,
    bad_answers: int = 0,
    requests: int = 1000,
    peak: float | None = 100.0,
    hashing: float | None = None,
    note: str = "",
) -> dict[str, Any]:
    result = WrkResult(
        requests=requests,
        duration_s=10.0,
        rps=rps,
        p50_ms=p50,
        p90_ms=p50 * 2,
        p99_ms=p99,
        max_ms=p99 * 2,
        mean_ms=p50,
        bad_answers=bad_answers,
    )
    return Row(scenario, concurrency, result, note, peak, hashing).as_dict()


def healthy_rows() -> list[dict[str, Any]]:
    """Every scenario, each target met exactly at its boundary where it has one."""
    return [
        row("users_me", 1, rps=400, p50=2.0, p99=5.0),
        row("users_me", 32, rps=600, p50=20.0, p99=40.0),
        row("floor_users_me", 1, rps=800, peak=90.0),
        row("floor_users_me", 32, rps=1000, peak=95.0),  # users_me c=32: exactly 60%
        row("users_me_storm", 1, p99=15.0),  # exactly 3x the idle p99
        row("users_me_storm", 32, p99=120.0),
        row("storm_logins_c1", 16, rps=8),
        row("storm_logins_c32", 16, rps=8),
        row("users_list", 1, rps=240),  # exactly 60% of users_me's
        row("users_list", 32, rps=360, peak=150.0),
        row("users_list100", 1, rps=150, p50=3.0),
        row("users_filtered", 1, rps=200, p50=2.5),
        row("users_by_id", 1, rps=320, p50=1.0),  # exactly 80% of users_me's
        row("users_by_id", 32, rps=480),
        row("users_by_email", 1, rps=320, p50=1.2),
        row("users_by_email", 32, rps=480),
        row("users_sorted", 1, p50=2.0),
        row("auth_login", 1, rps=8.5),  # exactly 85% of 10/s
        row("auth_login", 32, rps=17, peak=199.9),  # exactly 85% of 20/s
        row("auth_login_wrong", 32, rps=17),
        row("auth_refresh", 1, rps=400),
        row("auth_refresh", 32, rps=500),  # exactly 500/s
    ]


def make_run(
    rows: list[dict[str, Any]] | None = None,
    *,
    db: str = "sqlite",
    users: int = 1000,
    workers: int = 1,
    quick: bool = False,
    growth_pct: float = 10.0,
) -> dict[str, Any]:
    suffix = "/quick" if quick else ""
    hash_params = {"memory_cost": 65536, "time_cost": 3, "parallelism": 4, "concurrency": 1}
    marks = [
        {"mark": 10_000, "requests": 10_050, "worker_rss_mb": 100.0, "tree_rss_mb": 100.0},
        {"mark": 100_000, "requests": 100_200, "worker_rss_mb": 110.0, "tree_rss_mb": 110.0},
    ]
    return {
        "key": f"{db}/users={users}/workers={workers}{suffix}",
        "recorded_at": "2026-12-01T10:00:00+00:00",
        "command": "scripts/bench --users 1000",
        "machine": {
            "nproc": 2,
            "cpu_model": "Test CPU",
            "platform": "Linux-test",
            "load_start": "0.10 0.20 0.30",
            "load_end": "1.00 0.90 0.80",
        },
        "versions": {"python": "3.11.7", "wrk": "debian/4.1.0-3"},
        "database": "SQLite 3.40.1 (file, WAL)",
        "parameters": {
            "db": db,
            "users": users,
            "workers": workers,
            "duration": 10,
            "quick": quick,
            "hash": hash_params,
            "login_stall_time": 0,
            "wrk_threads": 1,
            "samples": 990,
            "refresh_tokens": {"1": 15000, "32": 30000},
        },
        "scenarios": healthy_rows() if rows is None else rows,
        "argon2": {
            "params": hash_params,
            "threads_1_per_s": 10.0,
            "threads_n": 2,
            "threads_n_per_s": 20.0,
            "verify_ms": 100.0,
        },
        "memory": {
            "after_start": {"worker_rss_mb": 80.0, "tree_rss_mb": 85.0},
            "marks": marks,
            "growth_pct": growth_pct,
        },
        "notes": [],
        "server_log_problems": [],
        "elapsed_s": 300.0,
        "timings": {"bootstrap_and_seed_s": 5.0},
    }


def replace_row(rows: list[dict[str, Any]], new: dict[str, Any]) -> list[dict[str, Any]]:
    """`rows` with the row of the same scenario and concurrency as `new` swapped for it."""
    return [
        new
        if (old["scenario"], old["concurrency"]) == (new["scenario"], new["concurrency"])
        else old
        for old in rows
    ]


def golden_case() -> tuple[dict[str, Any], dict[str, Any]]:
    """A run with errors, notes, a server log line and a stored 1,000,000-user run: the case
    tests/fixtures/bench/ was rendered from (by scripts/benchmark.py, before the split)."""
    rows = [
        row("users_me", 1, rps=412.345, p50=2.0, p99=5.0),
        row("users_me", 32, rps=99.94, p50=20.0, p99=40.0, bad_answers=2, note="slow"),
        row("floor_users_me", 32, rps=1000.0, peak=90.0),
        row("users_by_id", 1, p50=1.0, p99=3.0),
        row("users_by_id", 32, p50=10.0, p99=30.0),
    ]
    run = make_run(rows)
    run["notes"] = ["users_me c=32: 2 errors"]
    run["server_log_problems"] = ["ERROR " + "x" * 300]
    big = make_run([row("users_by_id", 1, p50=1.4, p99=4.0)], users=1_000_000)
    return run, {big["key"]: big}
