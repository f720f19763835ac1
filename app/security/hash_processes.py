"""argon2 in processes of their own (`app.security.hash_worker`), awaited by the event loop.

A hashing thread shares the interpreter lock with the loop: each hash hands it back and
forth, and a thread at lower priority that holds or is owed the lock makes the loop wait
for the scheduler. A process has nothing to share: the loop writes a request down a pipe
and its selector wakes it when the answer line arrives, with no helper thread on this side.

The processes are started on demand up to `size`, each computes one hash at a time, and
one that dies (killed, out of memory) is replaced: the hash it was computing is tried once
more on a fresh process, then refused with a coded error, never left hanging.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import subprocess
import sys
import weakref
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from app.errors import ServiceUnavailableError
from app.security.argon2id import Argon2Parameters

# The folder this server's `app` package is in, found first by the hashing processes.
_SOURCE_ROOT = str(Path(__file__).resolve().parents[2])


def _environment() -> dict[str, str]:
    paths = [_SOURCE_ROOT, *filter(None, os.environ.get("PYTHONPATH", "").split(os.pathsep))]
    return {**os.environ, "PYTHONPATH": os.pathsep.join(paths)}


class WorkerLostError(Exception):
    """The hashing process ended before it answered."""


@dataclass(eq=False)
class _Worker:
    process: subprocess.Popen[bytes]
    received: bytearray = field(default_factory=bytearray)
    pending: asyncio.Future[Any] | None = None  # the answer being computed

    @property
    def reply_fd(self) -> int:
        assert self.process.stdout is not None
        return self.process.stdout.fileno()


class ProcessHashPool:
    def __init__(self, parameters: Argon2Parameters, size: int, nice: int) -> None:
        self._parameters = parameters
        self._size = size
        self._nice = nice
        self._loop: asyncio.AbstractEventLoop | None = None
        self._workers: list[_Worker] = []
        self._idle: list[_Worker] = []
        self._waiting: deque[asyncio.Future[_Worker]] = deque()
        self._closed = False
        # A pool dropped unclosed (an app whose lifespan never ran) still ends its processes.
        weakref.finalize(self, _kill_all, self._workers)

    @property
    def pids(self) -> list[int]:
        return [worker.process.pid for worker in self._workers]

    def start(self) -> None:
        """Starts every process now (a server's start-up) instead of at the first hashes."""
        self._bind()
        while len(self._workers) < self._size:
            self._idle.append(self._spawn())

    async def run(self, request: list[str]) -> Any:
        """The answer to `request`; ValueError when argon2 refuses it (as in a thread)."""
        self._bind()
        for attempt in range(2):
            worker = await self._acquire()
            try:
                reply = await self._ask(worker, request)
            except WorkerLostError:
                if attempt == 1 or self._closed:
                    raise _unavailable() from None
                continue
            if "error" in reply:
                raise ValueError(reply["error"])
            return reply["ok"]
        raise AssertionError("unreachable")

    def close(self) -> None:
        """Ends every process now (what they compute is for requests already over)."""
        self._closed = True
        waiting, self._waiting = self._waiting, deque()
        for waiter in waiting:
            if not waiter.done():
                waiter.set_exception(_unavailable())
        for worker in list(self._workers):
            self._end(worker)
        self._loop = None

    def _bind(self) -> None:
        """The pool's pipes are watched by one loop; another loop (a CLI command's, a test's)
        gets fresh processes."""
        if self._closed:
            raise ServiceUnavailableError("Password hashing has stopped with the server.")
        loop = asyncio.get_running_loop()
        if self._loop is not loop:
            self._waiting.clear()  # futures of a loop that has stopped
            for worker in list(self._workers):
                self._end(worker)
            self._loop = loop

    async def _acquire(self) -> _Worker:
        if self._idle:
            return self._idle.pop()
        if len(self._workers) < self._size:
            return self._spawn()
        assert self._loop is not None
        waiter: asyncio.Future[_Worker] = self._loop.create_future()
        self._waiting.append(waiter)
        try:
            return await waiter
        except asyncio.CancelledError:
            if waiter.done() and not waiter.cancelled():
                self._release(waiter.result())  # handed over as we were cancelled
            raise

    def _release(self, worker: _Worker) -> None:
        if worker not in self._workers:
            return
        while self._waiting:
            waiter = self._waiting.popleft()
            if not waiter.done():
                waiter.set_result(worker)
                return
        self._idle.append(worker)

    async def _ask(self, worker: _Worker, request: list[str]) -> dict[str, Any]:
        assert self._loop is not None
        answer: asyncio.Future[Any] = self._loop.create_future()
        worker.pending = answer
        try:
            self._send(worker, json.dumps(request).encode() + b"\n")
        except OSError:
            self._end(worker)
            raise WorkerLostError() from None
        # A cancelled request leaves the process computing: it is released when it answers.
        try:
            reply: dict[str, Any] = await asyncio.shield(answer)
        except asyncio.CancelledError:
            answer.add_done_callback(_retrieved)
            raise
        return reply

    def _send(self, worker: _Worker, data: bytes) -> None:
        """A request fits the pipe unless its password is huge; the rest goes when the
        process has read the start (it is idle, so it reads at once)."""
        assert worker.process.stdin is not None
        assert self._loop is not None
        descriptor = worker.process.stdin.fileno()
        sent = os.write(descriptor, data)
        if sent == len(data):
            return
        rest = memoryview(data)[sent:]

        def more() -> None:
            nonlocal rest
            try:
                rest = rest[os.write(descriptor, rest) :]
            except OSError:
                rest = rest[:0]
                self._end(worker)
            if not rest:
                with contextlib.suppress(ValueError, OSError):
                    assert self._loop is not None
                    self._loop.remove_writer(descriptor)

        self._loop.add_writer(descriptor, more)

    def _spawn(self) -> _Worker:
        assert self._loop is not None
        parameters = self._parameters
        command = [
            sys.executable,
            "-P",  # not the working directory's `app`, if it has one: this server's
            "-m",
            "app.security.hash_worker",
            str(os.getpid()),
            str(self._nice),
            str(parameters.memory_cost),
            str(parameters.time_cost),
            str(parameters.parallelism),
            str(parameters.threads),
        ]
        try:
            process = subprocess.Popen(  # noqa: S603 (our interpreter, our module, numbers)
                command,
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                close_fds=True,
                env=_environment(),
            )
        except OSError as error:  # out of processes or memory
            raise _unavailable() from error
        assert process.stdin is not None
        assert process.stdout is not None
        os.set_blocking(process.stdin.fileno(), False)
        os.set_blocking(process.stdout.fileno(), False)
        worker = _Worker(process)
        self._workers.append(worker)
        self._loop.add_reader(worker.reply_fd, self._readable, worker)
        return worker

    def _readable(self, worker: _Worker) -> None:
        try:
            chunk = os.read(worker.reply_fd, 65536)
        except BlockingIOError:
            return
        except OSError:
            chunk = b""
        if not chunk:
            self._end(worker)
            return
        worker.received += chunk
        while b"\n" in worker.received:
            line, _, rest = bytes(worker.received).partition(b"\n")
            worker.received = bytearray(rest)
            answer, worker.pending = worker.pending, None
            if answer is not None and not answer.done():
                answer.set_result(json.loads(line))
            self._release(worker)

    def _end(self, worker: _Worker) -> None:
        """Stops watching `worker`, kills and reaps it; its caller learns it was lost."""
        if worker not in self._workers:
            return
        self._workers.remove(worker)
        if worker in self._idle:
            self._idle.remove(worker)
        if self._loop is not None and not self._loop.is_closed():
            self._loop.remove_reader(worker.reply_fd)
            assert worker.process.stdin is not None
            self._loop.remove_writer(worker.process.stdin.fileno())
        _kill(worker)
        answer, worker.pending = worker.pending, None
        if answer is not None and not answer.done():
            answer.set_exception(WorkerLostError())
        # A slot is free: a waiting request gets a fresh process.
        while self._waiting and len(self._workers) < self._size and self._loop is not None:
            waiter = self._waiting.popleft()
            if not waiter.done():
                try:
                    waiter.set_result(self._spawn())
                except ServiceUnavailableError as error:
                    waiter.set_exception(error)


def _unavailable() -> ServiceUnavailableError:
    return ServiceUnavailableError("Password hashing is unavailable right now; please try again.")


def _retrieved(answer: asyncio.Future[Any]) -> None:
    """Nobody awaits the answer of a cancelled request, lost process or not."""
    if not answer.cancelled():
        answer.exception()


def _kill(worker: _Worker) -> None:
    """Killed and reaped (no zombie), its pipes closed."""
    with contextlib.suppress(ProcessLookupError):
        worker.process.kill()
    worker.process.wait()
    for pipe in (worker.process.stdin, worker.process.stdout):
        if pipe is not None:
            pipe.close()


def _kill_all(workers: list[_Worker]) -> None:
    for worker in workers:
        _kill(worker)
    workers.clear()
