"""Targets: every goal of issues 6 and 21, judged on a run's figures (and on the stored
runs of other sizes for growth), with the value it was judged on."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from bench.common import CONCURRENCIES, STORM_CONNECTIONS


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
        (32, "threads_n_per_s", f"all cores: {argon.get('threads_n')} threads"),
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

    targets.extend(read_share_targets(rows))
    targets.extend(growth_targets(run, stored))

    memory = run["memory"]
    peak, read_peak = peaks(rows)
    if peak is not None:
        hashing = max(
            (row.get("hashing_peak_mb") or 0 for row in rows if row.get("peak_rss_mb") == peak),
            default=0,
        )
        of_which = f", of which its hashing processes {hashing:.0f} MB" if hashing else ""
        targets.append(
            Target(
                "peak RSS under load",
                "< 200 MB per worker (with its hashing processes)",
                f"{peak:.0f} MB{of_which} (read scenarios only: {read_peak or 0:.0f} MB)",
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


# Issue 21: each read at least this share of users_me's requests/s (same run, same c).
READ_SHARES = (
    ("users_list", 60),
    ("users_by_id", 80),
    ("users_by_email", 80),
)


def read_share_targets(rows: Sequence[dict[str, Any]]) -> list[Target]:
    targets: list[Target] = []
    for scenario, share_goal in READ_SHARES:
        for concurrency in CONCURRENCIES:
            me, read = find(rows, "users_me", concurrency), find(rows, scenario, concurrency)
            name = f"{scenario} vs users_me c={concurrency}"
            goal = f">= {share_goal}% of users_me's req/s"
            if not (valid(me) and valid(read)):
                targets.append(Target(name, goal, "errors or not run", False))
                continue
            assert me is not None
            assert read is not None
            share = read["rps"] / me["rps"] * 100
            measured = f"{read['rps']:.0f} vs {me['rps']:.0f} req/s = {share:.0f}%"
            targets.append(Target(name, goal, measured, share >= share_goal))
    targets.append(
        Target(
            "users_list vs Directus 12",
            ">= 5x Directus's req/s on the same machine",
            "Directus is not run by scripts/bench",
            None,
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


# (scenario, the larger run's p50 at most this many times the 1,000-user run's, judged at
# this many users).
GROWTH = (
    ("users_by_id", 1.5, 1_000_000),
    ("users_by_email", 1.5, 1_000_000),
    ("users_sorted", 2.0, 1_000_000),
    ("users_list", 1.5, 100_000),
    ("users_list100", 1.5, 100_000),
    ("users_filtered", 2.0, 100_000),
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
    for scenario, limit, judged in GROWTH:
        goal = f"{judged:,} users within {limit}x of 1,000 (p50, c=1)"
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
            if users == judged:
                met = ratio <= limit
        measured = "; ".join(seen) if seen else f"no 1,000-user and {judged:,}-user runs recorded"
        targets.append(Target(f"growth {scenario}", goal, measured, met))
    return targets
