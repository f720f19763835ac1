"""The report: results.json (every size and setup, merged across runs), RESULTS.md and the
table printed at the end of a run."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import asdict
from pathlib import Path
from typing import Any

from bench.common import CONCURRENCIES, ROLE_COUNT, WRK_TIMEOUT
from bench.targets import GROWTH, Target, evaluate, find, growth_pairs, peaks, valid

# The order of the table's rows, whatever order the scenarios ran in.
SCENARIO_ORDER = (
    "users_me",
    "floor_users_me",
    "users_me_storm",
    "storm_logins_c1",
    "storm_logins_c32",
    "users_list",
    "users_list100",
    "users_filtered",
    "users_by_id",
    "users_by_email",
    "users_sorted",
    "auth_login",
    "auth_login_wrong",
    "auth_refresh",
)


def ordered(rows: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """Rows by scenario (SCENARIO_ORDER), then concurrency."""
    return sorted(rows, key=lambda row: (SCENARIO_ORDER.index(row["scenario"]), row["concurrency"]))


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
        f"{hp['parallelism']}, HASH_POOL {hp.get('pool', 'thread')}, HASH_CONCURRENCY "
        f"{hp['concurrency']} (production defaults)"
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
        f"{argon['threads_n']} threads (all cores)."
    )
    add("")
    add("## Memory\n")
    memory = run["memory"]
    add(
        "Peak RSS is VmHWM of each serving process (uvicorn workers) plus the VmHWM of its "
        "hashing processes (HASH_POOL=process; they peak together in a login storm), reset "
        "right before each wrk run, so every row's figure belongs to that run's load; see the "
        "table's peak column."
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
            for scenario, _, _ in GROWTH:
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
    add("## Targets (issues 6 and 21)\n")
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


def write_results(result: dict[str, Any], output: Path) -> list[Target]:
    """Judges the run, merges it into results.json under its key (so sizes accumulate) and
    rewrites RESULTS.md; returns the targets."""
    output.mkdir(parents=True, exist_ok=True)
    results_path = output / "results.json"
    stored = load_stored(results_path)
    targets = evaluate(result, stored)
    result["targets"] = [{**asdict(target), "status": target.status} for target in targets]
    stored[result["key"]] = result
    results_path.write_text(json.dumps({"runs": stored}, indent=2, sort_keys=True) + "\n")
    (output / "RESULTS.md").write_text(markdown(result, targets, stored))
    return targets
