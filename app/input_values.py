"""Checks on plain client data (decoded JSON) that every layer shares: text a database
can store, and JSON of bounded depth. Pure functions; iterative, so a hostile input can
never exhaust the interpreter's recursion limit."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

# JSON numbers PostgreSQL and SQLite store as integers without overflow (int64).
INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1
INT32_MIN, INT32_MAX = -(2**31), 2**31 - 1


def is_storable_text(text: str) -> bool:
    """False for NUL (PostgreSQL refuses it in text) and lone surrogates (JSON's
    "\\ud800", which no byte encoding can carry)."""
    if "\x00" in text:
        return False
    try:
        text.encode()
    except UnicodeEncodeError:
        return False
    return True


def json_problem(value: Any, max_depth: int) -> str | None:
    """Why a JSON value cannot be stored as it is (too deep, bad text, NaN), or None."""
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, str):
            if not is_storable_text(item):
                return "Value has to be valid Unicode text without NUL characters."
        elif isinstance(item, float):
            if not math.isfinite(item):
                return "Value has to be a finite number."
        elif isinstance(item, Mapping | list):
            if depth > max_depth:
                return f"Value can't be nested more than {max_depth} levels deep."
            if isinstance(item, Mapping):
                stack.extend((key, depth) for key in item)
                stack.extend((child, depth + 1) for child in item.values())
            else:
                stack.extend((child, depth + 1) for child in item)
    return None


def exceeds_depth(value: Any, max_depth: int) -> bool:
    """Whether lists and objects nest deeper than `max_depth`."""
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, Mapping | list):
            if depth > max_depth:
                return True
            children = item.values() if isinstance(item, Mapping) else item
            stack.extend((child, depth + 1) for child in children)
    return False
