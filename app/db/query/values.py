"""The values a filter compares with: $CURRENT_USER, $CURRENT_ROLE, $NOW (and $NOW(-1 day))
resolved for this request, and each literal coerced to its field's kind."""

from __future__ import annotations

import calendar
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import ColumnElement

from app.collections import Kind
from app.errors import InvalidQueryError
from app.input_values import INT64_MAX, INT64_MIN

if TYPE_CHECKING:
    from app.permissions.access import Access

_NOW_ADJUSTMENT = re.compile(r"^\$NOW\(\s*([+-]?\d+)\s*([a-z]+?)s?\s*\)$")
_UNIT_SECONDS = {"second": 1, "minute": 60, "hour": 3600, "day": 86400, "week": 604800}
_UNIT_MONTHS = {"month": 1, "year": 12}


@dataclass(frozen=True)
class FilterVariables:
    """What $CURRENT_USER, $CURRENT_ROLE and $NOW stand for in this request.

    `scope` is the caller whose own filter this is: relations then reach only the related
    rows and fields it may read. None (permission rules, validation) sees every row.

    `masks`: per field of the collection queried that shows on only some of its rows, the
    SQL condition of those rows; everywhere else the caller's filter, sort, search and
    aggregates see the field as null (app/permissions/field_rows.py).
    """

    user: str | None
    role: str | None
    now: datetime
    scope: Access | None = None
    masks: Mapping[str, ColumnElement[bool]] = field(default_factory=dict)


def resolve_variable(value: Any, variables: FilterVariables) -> Any:
    if not isinstance(value, str) or not value.startswith("$"):
        return value
    if value == "$CURRENT_USER":
        return variables.user
    if value == "$CURRENT_ROLE":
        return variables.role
    if value == "$NOW":
        return variables.now
    match = _NOW_ADJUSTMENT.match(value)
    if match:
        try:
            amount, unit = int(match.group(1)), match.group(2)
            if unit in _UNIT_SECONDS:
                return variables.now + timedelta(seconds=amount * _UNIT_SECONDS[unit])
            if unit in _UNIT_MONTHS:
                return _add_months(variables.now, amount * _UNIT_MONTHS[unit])
        except (OverflowError, ValueError):  # past year 9999 or before year 1
            raise InvalidQueryError(f'"{value}" is out of the range of dates') from None
    return value


def _add_months(moment: datetime, months: int) -> datetime:
    """Calendar months, as date-fns does for Directus: Mar 31 - 1 month = Feb 28/29."""
    year, month = divmod(moment.month - 1 + months, 12)
    year += moment.year
    day = min(moment.day, calendar.monthrange(year, month + 1)[1])
    return moment.replace(year=year, month=month + 1, day=day)


def coerce(kind: Kind, value: Any, field: str) -> Any:
    if value is None:
        return None
    try:
        if kind is Kind.NUMBER:
            if isinstance(value, bool):
                raise ValueError
            number = float(value)
            if not math.isfinite(number):
                raise ValueError
            whole = int(number) if number.is_integer() else None
            if whole is not None and not INT64_MIN <= whole <= INT64_MAX:
                raise InvalidQueryError(f'Value {value!r} is out of range for field "{field}"')
            return number if whole is None else whole
        if kind is Kind.DATE:
            parsed = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
            # In UTC, as the databases compare it: 0001-01-01T00:00+01:00 is before year 1.
            return (parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)).astimezone(UTC)
        if kind is Kind.BOOLEAN:
            if isinstance(value, bool):
                return value
            if str(value).lower() in ("true", "1"):
                return True
            if str(value).lower() in ("false", "0"):
                return False
            raise ValueError
    except (ValueError, TypeError, OverflowError):
        raise InvalidQueryError(f'Value {value!r} is not valid for field "{field}"') from None
    return str(value)
