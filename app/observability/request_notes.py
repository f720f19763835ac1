"""What a request did, as short notes for its access-log line (`login=failed reason=locked`).

The access-log middleware opens a collection per request; anything the request runs (services
included) adds to it through a context variable, so no layer hands it down. Outside a request
(the CLI, tests calling services) notes go nowhere.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

_notes: ContextVar[list[str] | None] = ContextVar("dauth_request_notes", default=None)


@contextmanager
def collecting_notes() -> Iterator[list[str]]:
    """The notes of everything run inside (tasks started inside share the same list)."""
    notes: list[str] = []
    token = _notes.set(notes)
    try:
        yield notes
    finally:
        _notes.reset(token)


def note(text: str) -> None:
    notes = _notes.get()
    if notes is not None and len(notes) < 20:  # a batch of mutations stays one readable line
        notes.append(text)
