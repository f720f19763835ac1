"""The hashing processes' entry point (`python -m app.security.hash_worker PARENT NICE M T P
THREADS`).

It imports argon2 and nothing of the server, so each process costs a few MB beside the
HASH_MEMORY_COST KiB of the hash it computes. It lowers its own priority first, and dies
with the process that started it (PR_SET_PDEATHSIG, and the end of its input when that
process is gone), so a killed server leaves no hashing processes behind.

Protocol, one JSON line each way: `["hash", password]` or `["verify", password, stored]`
in, `{"ok": result}` or `{"error": message}` out (argon2 refusing the parameters).
"""

from __future__ import annotations

import contextlib
import ctypes
import json
import os
import signal
import sys
from typing import IO, Any

from app.security.argon2id import Argon2Parameters, hash_password, verify_password

PR_SET_PDEATHSIG = 1  # from <linux/prctl.h>


def lower_priority(nice: int) -> None:
    """`nice` steps below the server (the kernel stops at 19), for the whole process: the
    hash and argon2's lane threads."""
    with contextlib.suppress(OSError):  # a sandbox may refuse; hashing still works
        os.nice(nice)


def die_with(parent: int) -> None:
    """SIGKILL when the parent's thread that started us ends, and now if it already has."""
    if sys.platform == "linux":
        with contextlib.suppress(OSError, AttributeError):
            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    if os.getppid() != parent:
        sys.exit(0)


def answer(parameters: Argon2Parameters, request: list[Any]) -> dict[str, Any]:
    operation, *arguments = request
    try:
        if operation == "hash":
            return {"ok": hash_password(parameters, arguments[0])}
        if operation == "verify":
            return {"ok": verify_password(parameters, arguments[0], arguments[1])}
    except ValueError as error:
        return {"error": str(error)}
    return {"error": f"unknown operation {operation!r}"}


def serve(parameters: Argon2Parameters, requests: IO[bytes], replies: IO[bytes]) -> None:
    """One request at a time until the input ends (the pool closed it, or its owner died)."""
    for line in requests:
        reply = answer(parameters, json.loads(line))
        replies.write(json.dumps(reply).encode() + b"\n")
        replies.flush()


def main(argv: list[str]) -> None:
    parent, nice, memory_cost, time_cost, lanes, threads = argv
    die_with(int(parent))
    lower_priority(int(nice))
    parameters = Argon2Parameters(int(memory_cost), int(time_cost), int(lanes), int(threads))
    # SIGINT goes to the whole foreground group on Ctrl-C: the server decides when we end.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    serve(parameters, sys.stdin.buffer, sys.stdout.buffer)


if __name__ == "__main__":
    main(sys.argv[1:])
