"""Load: wrk driving one scenario (a Lua script that checks every answer) and its output parsed."""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Literal

from bench.common import GRAPHQL_PATH, PLACEHOLDER, WRK_TIMEOUT, BenchError

LUA_SCRIPT = Path(__file__).with_name("wrk_check.lua")


@cache
def lua_template() -> str:
    """bench/wrk_check.lua, with @MARKERS@ that Request.lua fills in."""
    return LUA_SCRIPT.read_text()


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
        script = lua_template()
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
