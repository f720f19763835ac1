"""Pinned npm tools for the end-to-end checks: installed once into .cache/, behind a lock,
and every Node process bounded in time. A missing Node or registry skips a check on a
developer's machine and fails it under CI."""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import shutil
import signal
import subprocess
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, NoReturn

import pytest

from tests.databases import running_in_ci

NPM_INSTALL_SECONDS = 600


def unavailable(reason: str) -> NoReturn:
    """A missing tool skips the test on a developer's machine and fails it under CI."""
    if running_in_ci():
        pytest.fail(f"{reason} (CI=true: required)")
    pytest.skip(reason)


def run_bounded(
    args: Sequence[str], *, cwd: Path, timeout: float, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """Runs `args` in its own process group; on timeout the whole group is killed."""
    with subprocess.Popen(
        args,
        cwd=cwd,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    ) as process:
        try:
            stdout, stderr = process.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.communicate()
            raise
    return subprocess.CompletedProcess(list(args), process.returncode, stdout, stderr)


@contextmanager
def locked(path: Path, timeout: float) -> Iterator[None]:
    """An exclusive lock on `path`, so two test runs never install into one folder at once."""
    with path.open("w") as handle:
        deadline = time.monotonic() + timeout
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    unavailable(f"another process holds {path} for more than {timeout}s")
                time.sleep(0.5)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def npm_tools(source: Path, target: Path) -> str:
    """Installs the pinned packages of `source` into `target` (skipped when already there).

    Returns the path of `node`.
    """
    node, npm = shutil.which("node"), shutil.which("npm")
    if node is None or npm is None:
        unavailable("Node.js and npm are not on PATH")
    manifests = [source / "package.json", source / "package-lock.json"]
    digest = hashlib.sha256(b"".join(path.read_bytes() for path in manifests)).hexdigest()
    stamp = target / f".installed-{digest[:16]}"
    if stamp.exists():
        return node
    target.mkdir(parents=True, exist_ok=True)
    with locked(target / ".lock", NPM_INSTALL_SECONDS):
        if stamp.exists():
            return node
        for old in target.glob(".installed-*"):
            old.unlink()
        for manifest in manifests:
            shutil.copyfile(manifest, target / manifest.name)
        command = [npm, "ci", "--no-audit", "--no-fund", "--loglevel=error"]
        try:
            result = run_bounded(command, cwd=target, timeout=NPM_INSTALL_SECONDS)
        except subprocess.TimeoutExpired:
            unavailable(f"`npm ci` in {target} took more than {NPM_INSTALL_SECONDS}s")
        if result.returncode != 0:
            unavailable(
                f"`npm ci` in {target} failed (is the npm registry reachable?):\n"
                f"{result.stderr[-3000:]}"
            )
        stamp.touch()
    return node


def drive_browser(
    node: str, script: Path, config: dict[str, Any], workdir: Path, seconds: float
) -> dict[str, Any]:
    """Runs one of browser/*.mjs with its config and returns the JSON report it prints last
    (also kept as browser-report.json in `workdir`). A Chromium that cannot start is
    `unavailable` (skip, or fail under CI); no report at all fails the test."""
    config_file = workdir / "browser-config.json"
    config_file.write_text(json.dumps(config))
    try:
        result = run_bounded([node, str(script), str(config_file)], cwd=workdir, timeout=seconds)
    except subprocess.TimeoutExpired:
        pytest.fail(f"the browser check {script.name} took more than {seconds}s")
    lines = result.stdout.strip().splitlines()
    if not lines:
        pytest.fail(
            f"the browser check {script.name} printed no report (exit {result.returncode}):\n"
            f"{result.stderr[-3000:]}"
        )
    report: dict[str, Any] = json.loads(lines[-1])
    (workdir / "browser-report.json").write_text(json.dumps(report, indent=2))
    if report["error"] is not None and "Failed to launch" in report["error"]:
        unavailable(f"Chromium at {config['chromium']} does not start:\n{report['error']}")
    return report
