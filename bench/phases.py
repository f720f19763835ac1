"""The measurements around the scenarios: the login storm, the memory marks, the floor app
and the raw argon2 rate (what the server is judged against)."""

from __future__ import annotations

import math
import os
import sys
import time
from collections.abc import Callable
from dataclasses import asdict
from typing import Any

from app.clock import SystemClock
from app.security.argon2id import hash_password
from app.security.tokens import TokenService
from bench.api import Api, Check, data_of
from bench.common import (
    CONCURRENCIES,
    ROOT,
    STORM_CONNECTIONS,
    USER_FIELDS,
    BenchError,
)
from bench.hashing import argon2_rate
from bench.load import Request
from bench.run import Row, Run
from bench.seeding import Plan, SeededUser
from bench.servers import Server, free_port, start_server, stop_group


def storm(
    run: Run,
    server: Server,
    plan: Plan,
    me_request: Callable[[], Request],
    login_request: Callable[[SeededUser, str, str, str], Request],
    check_me: Check,
) -> None:
    """users_me while a second wrk keeps 16 logins in flight."""
    url = server.url
    storm_login = login_request(plan.storm, plan.password, '"access_token":"', '"errors"')
    run.say("  storm: users_me while 16 logins run at once ...")
    for concurrency in CONCURRENCIES:
        request = me_request()
        problem = check_me(run.post(server, request.body(), request.token))
        if problem:
            raise BenchError(f"storm users_me sample: {problem}")
        seconds = run.options.duration
        lead = 2  # let the logins saturate the hashers before measuring
        server.reset_peak()
        storm = run.wrk.start(
            f"storm-logins-c{concurrency}",
            storm_login,
            url,
            STORM_CONNECTIONS,
            seconds + lead + 1,
        )
        try:
            time.sleep(lead)
            result = run.wrk.run(
                f"storm-users_me-c{concurrency}", request, url, concurrency, seconds
            )
        except BaseException:
            storm.kill()
            storm.communicate(timeout=10)
            raise
        logins = run.wrk.finish(f"storm-logins-c{concurrency}", storm, seconds + lead + 1)
        server.check_alive()
        peak, hashing = server.peaks()
        run.record(Row("users_me_storm", concurrency, result, "16 logins in flight", peak, hashing))
        run.record(
            Row(
                f"storm_logins_c{concurrency}",
                STORM_CONNECTIONS,
                logins,
                f"the storm itself, alongside users_me_storm c={concurrency}",
                peak,
                hashing,
            )
        )
        run.settle(server, f"storm c={concurrency}")


def memory_marks(run: Run, server: Server, api: Api, plan: Plan) -> None:
    """RSS after the first and the second mark of users_me requests (a leak shows)."""
    first_mark, second_mark = run.options.memory_marks
    run.say(f"Memory: RSS after {first_mark:,} and {second_mark:,} users_me requests ...")
    url = server.url
    c32 = [row for row in run.rows if row.scenario == "users_me" and row.concurrency == 32]
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
            result = run.wrk.run(f"memory-{mark}-{attempt}", request, url, 32, seconds)
            server.check_alive()
            if result.errors:
                raise BenchError(f"memory run answers are wrong: {result.bad_sample[:300]}")
            done += result.requests
            rate = max(result.rps, 20.0)
        if done < mark:
            run.notes.append(f"memory mark {mark:,} not reached in time: {done:,} requests")
        marks.append({"mark": mark, "requests": done, **server.memory()})
    run.memory["marks"] = marks
    if len(marks) == 2 and marks[0]["worker_rss_mb"]:
        growth = (marks[1]["worker_rss_mb"] / marks[0]["worker_rss_mb"] - 1) * 100
        run.memory["growth_pct"] = round(growth, 1)


def floor_phase(run: Run, plan: Plan) -> None:
    """The bare Starlette app under the same uvicorn model, at both concurrencies."""
    port = free_port()
    # The floor runs in the work dir like the server; PYTHONPATH lets it import this package.
    env = {**run.env, "PORT": str(port), "PYTHONPATH": str(ROOT)}
    run.say(f"  floor: bench/floor.py (workers={run.options.workers}) ...")
    command = [
        sys.executable,
        "-m",
        "bench.floor",
        f"--port={port}",
        f"--workers={run.options.workers}",
        f"--log-level={run.env.get('LOG_LEVEL', 'info')}",
    ]
    server = start_server(
        "floor",
        command,
        cwd=run.work,
        env=env,
        port=port,
        workers=run.options.workers,
        ready_path="/health",
        cleanup=run.cleanup,
    )
    try:
        token = TokenService(run.secret, SystemClock()).sign_access(
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

        run.warm_up(server.url, request, 1 if run.options.quick else 3)
        run.measure("floor_users_me", lambda: request, server, check)
    finally:
        stop_group(server.process)
        run.server_log_problems += [f"floor: {line}" for line in server.log_problems()]
        server.keep_log_tail(run.wrk.raw_dir)


def argon2_phase(run: Run, plan: Plan) -> None:
    """Raw verifies in this process with the server's own hash function and
    parameters (threads per hash included), on an otherwise idle server side: one at a
    time, and the machine's all-core rate (one hash per core, side by side), which logins
    under load are judged against whatever the server's pool is."""
    parameters = run.hash.parameters()
    hashed = hash_password(parameters, plan.password)
    seconds = max(3, min(run.options.duration, 10))
    concurrent = max(1, (os.cpu_count() or 1) // parameters.threads)
    run.say(f"  argon2 verify rate ({seconds} s with 1 thread, then {concurrent}) ...")
    single = argon2_rate(parameters, hashed, plan.password, 1, seconds)
    many = argon2_rate(parameters, hashed, plan.password, concurrent, seconds)
    run.argon2 = {
        "params": asdict(run.hash),
        "threads_1_per_s": round(single, 2),
        "threads_n": concurrent,
        "threads_n_per_s": round(many, 2),
        "verify_ms": round(1000 / single, 1) if single else None,
    }
    run.say(f"    1 thread {single:.2f}/s, {concurrent} threads {many:.2f}/s")
