"""What a hashing helper process runs: argon2id through passlib, and nothing of the app.

Imports only passlib, so the forkserver preloads little and every helper it forks shares
those pages. The server talks to helpers through `app.security.hash_pool`.
"""

from __future__ import annotations

import contextlib
import os
import select
import signal
import threading
import time
from dataclasses import dataclass
from functools import lru_cache

from passlib.context import CryptContext

# How often a helper without pidfds (not Linux 5.3+) checks that its server still runs.
SERVER_POLL_SECONDS = 1.0
# The nice value a helper falls back to where SCHED_IDLE is refused.
FALLBACK_NICE = 19


@dataclass(frozen=True)
class Argon2Parameters:
    memory_cost: int  # KiB
    time_cost: int
    parallelism: int


@lru_cache(maxsize=8)
def context_for(parameters: Argon2Parameters) -> CryptContext:
    return CryptContext(
        schemes=["argon2"],
        argon2__type="ID",
        argon2__memory_cost=parameters.memory_cost,
        argon2__rounds=parameters.time_cost,
        argon2__parallelism=parameters.parallelism,
    )


def hash_password(parameters: Argon2Parameters, password: str) -> str:
    return str(context_for(parameters).hash(password))


def verify_password(parameters: Argon2Parameters, password: str, hashed: str) -> bool:
    try:
        return bool(context_for(parameters).verify(password, hashed))
    except (ValueError, TypeError):
        # A malformed stored hash is a failed login, not a crash.
        return False


def become_helper(server_pid: int) -> None:
    """A helper's start: it must not outlive the server, nor take CPU the server wants.

    Its parent is the forkserver, which ends only once every helper has (they share its
    pipe), so the helper watches the server itself. Ctrl-C at a terminal reaches the whole
    process group: the server decides what it means, not its helpers.
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    threading.Thread(
        target=_exit_with, args=(server_pid,), name="server-watch", daemon=True
    ).start()
    lowest_priority()


def _exit_with(server_pid: int) -> None:
    """Blocks until the server has exited (a pidfd turns readable), then ends the helper at
    once: a hash in flight has nobody left to answer. Without pidfds, polls each second."""
    try:
        watched = os.pidfd_open(server_pid)
    except (AttributeError, OSError):
        while _running(server_pid):
            time.sleep(SERVER_POLL_SECONDS)
    else:
        select.select([watched], [], [])
    os._exit(0)


def _running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def lowest_priority() -> None:
    """SCHED_IDLE: the helper (and argon2's lane threads, which inherit it) runs only on
    CPU time no normal task wants, so a login storm cannot delay the event loop. Being
    another process, it shares no interpreter lock with the loop: a starved helper
    cannot hold the loop up."""
    try:
        os.sched_setscheduler(0, os.SCHED_IDLE, os.sched_param(0))
    except (AttributeError, OSError):
        with contextlib.suppress(AttributeError, OSError):
            os.setpriority(os.PRIO_PROCESS, 0, FALLBACK_NICE)
