"""Duration strings as Directus writes them in its environment variables."""

from __future__ import annotations

import pytest

from app.durations import parse_duration_ms


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("15m", 900_000),
        ("7d", 604_800_000),
        ("1h", 3_600_000),
        ("500ms", 500),
        ("30s", 30_000),
        ("900000", 900_000),
        (900000, 900_000),
        (0, 0),
        (" 2h ", 7_200_000),
        ("1.5s", 1_500),
    ],
)
def test_parses_directus_durations(value: str | int, expected: int) -> None:
    assert parse_duration_ms(value) == expected


@pytest.mark.parametrize("value", ["soon", "", "15 parsecs", "m15", "-5m", -1, "1h30m"])
def test_bad_values_raise_value_error(value: str | int) -> None:
    """A typo in a TTL must stop start-up, not become a zero or a default."""
    with pytest.raises(ValueError):
        parse_duration_ms(value)


def test_boolean_is_not_a_duration() -> None:
    """bool is an int subclass; True must not quietly mean 1 ms."""
    with pytest.raises(ValueError):
        parse_duration_ms(True)
