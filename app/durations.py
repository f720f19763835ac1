"""Directus duration strings ("15m", "7d", "500ms", plain milliseconds) as milliseconds."""

from __future__ import annotations

import re

_UNITS_MS: dict[str, float] = {
    "ms": 1,
    "s": 1_000,
    "sec": 1_000,
    "secs": 1_000,
    "second": 1_000,
    "seconds": 1_000,
    "m": 60_000,
    "min": 60_000,
    "mins": 60_000,
    "minute": 60_000,
    "minutes": 60_000,
    "h": 3_600_000,
    "hr": 3_600_000,
    "hrs": 3_600_000,
    "hour": 3_600_000,
    "hours": 3_600_000,
    "d": 86_400_000,
    "day": 86_400_000,
    "days": 86_400_000,
    "w": 604_800_000,
    "week": 604_800_000,
    "weeks": 604_800_000,
    "y": 31_557_600_000,
    "year": 31_557_600_000,
    "years": 31_557_600_000,
}

_PATTERN = re.compile(r"^\s*(-?\d+(?:\.\d+)?)\s*([a-zA-Z]*)\s*$")


def parse_duration_ms(value: str | int | float) -> int:
    """Parse like the `ms` package Directus uses; a bare number means milliseconds."""
    if isinstance(value, bool):
        raise ValueError("expected a duration such as 15m, 7d or 900000")
    if isinstance(value, (int, float)):
        result = float(value)
    else:
        match = _PATTERN.match(value)
        if match is None:
            raise ValueError(f"{value!r} is not a duration such as 15m, 7d or 900000")
        number, unit = match.groups()
        factor = _UNITS_MS.get(unit.lower() if unit else "ms")
        if factor is None:
            raise ValueError(f"{value!r} has an unknown unit {unit!r}")
        result = float(number) * factor
    if result < 0:
        raise ValueError("a duration cannot be negative")
    return int(result)


def parse_seconds_ms(value: str | int | float) -> int:
    """Directus's rate-limiter windows: a bare number means seconds, a unit is honoured."""
    if isinstance(value, bool):
        raise ValueError("expected a duration such as 60 (seconds), 90s or 15m")
    if isinstance(value, (int, float)):
        return parse_duration_ms(float(value) * 1000)
    match = _PATTERN.match(value)
    if match is not None and not match.group(2):
        return parse_duration_ms(float(match.group(1)) * 1000)
    return parse_duration_ms(value)
