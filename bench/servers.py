"""The processes a run starts (the server, the floor app): started in their own process group
so the whole tree can be ended by its id, and watched through /proc (memory, CPU, liveness)."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from bench.common import BenchError

# The hashing processes' command line (app/security/hash_processes.py).
HASH_WORKER = "app.security.hash_worker"


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


def _parent(pid: int) -> int | None:
    try:
        return int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1])
    except (OSError, ValueError, IndexError):
        return None


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
        """VmRSS and VmHWM (peak) in MB of every worker and of the whole tree. A worker's
        hashing processes (HASH_POOL=process) count in its memory: their peaks are added
        to its own (they peak together, in a login storm)."""
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
                    "hashing_for": _parent(pid) if HASH_WORKER in _cmdline(pid) else None,
                    "rss_mb": _kb_to_mb(status.get("VmRSS", "0 kB")),
                    "hwm_mb": _kb_to_mb(status.get("VmHWM", "0 kB")),
                }
            )
        serving = [item for item in per if item["worker"]]

        def hashing_hwm(worker: int) -> float:
            return float(sum(item["hwm_mb"] for item in per if item["hashing_for"] == worker))

        return {
            "processes": per,
            "worker_rss_mb": round(sum(item["rss_mb"] for item in serving), 1),
            "worker_max_hwm_mb": max((item["hwm_mb"] for item in serving), default=0.0),
            "hashing_max_hwm_mb": round(
                max((hashing_hwm(item["pid"]) for item in serving), default=0.0), 1
            ),
            "worker_with_hashing_max_hwm_mb": round(
                max((item["hwm_mb"] + hashing_hwm(item["pid"]) for item in serving), default=0.0),
                1,
            ),
            "tree_rss_mb": round(sum(item["rss_mb"] for item in per), 1),
        }

    def peaks(self) -> tuple[float, float]:
        """The largest worker's peak with its hashing processes, and theirs alone."""
        memory = self.memory()
        return memory["worker_with_hashing_max_hwm_mb"], memory["hashing_max_hwm_mb"]

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
