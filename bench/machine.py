"""Facts about the machine and the software a run was measured on."""

from __future__ import annotations

import contextlib
import platform
import subprocess
from importlib import metadata
from pathlib import Path


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
