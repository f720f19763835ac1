"""Concealed fields (password, token, tfa_secret): the one place their public form is made."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from app.permissions.collections import Collection

CONCEALED = "**********"


def conceal(value: str | None) -> str | None:
    """Set → "**********"; unset → null. The stored hash or secret never leaves."""
    return None if value is None else CONCEALED


def iso_instant(value: datetime | None) -> str | None:
    """UTC instants as Directus writes them: ISO 8601 with a Z."""
    return None if value is None else value.isoformat().replace("+00:00", "Z")


def public_value(collection: Collection, field: str, value: Any) -> Any:
    if field in collection.concealed:
        return conceal(value)
    if isinstance(value, datetime):
        return iso_instant(value)
    return value
