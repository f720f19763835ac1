"""The entry point: one run from options to written results, with every process and temporary
directory cleaned up however it ends (an error, Ctrl-C, SIGTERM, SIGHUP)."""

from __future__ import annotations

import contextlib
import os
import platform
import signal
import sys
import time
from collections.abc import Sequence
from dataclasses import asdict
from datetime import UTC, datetime
from types import FrameType
from typing import Any

from bench.common import BenchError
from bench.machine import cpu_model, load_average, versions
from bench.options import Options, parse_options
from bench.report import ordered, table, write_results
from bench.run import Run
from bench.scenarios import server_phase
from bench.targets import peaks


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
    server_phase(run, plan)

    rows = ordered(row.as_dict() for row in run.rows)
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
    targets = write_results(result, options.output)

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
    results_path = options.output / "results.json"
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
