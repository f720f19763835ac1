"""Turning client payloads into column values: checks shared by users and roles."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from email_validator import EmailNotValidError, validate_email

from app.errors import FailedValidationError, InvalidPayloadError
from app.input_values import is_storable_text, json_problem
from app.permissions.access import Access, Action, Rule


def writable_rule(
    access: Access,
    collection: str,
    action: Action,
    data: Mapping[str, Any],
    allowed: frozenset[str],
) -> Rule:
    """Unknown keys are a bad payload; each known one must be given by some grant (else
    FORBIDDEN naming them); the rows where each is given, and those grants' validation and
    presets, then apply (per field, per item: Access.require_fields)."""
    unknown = sorted(key for key in data if key not in allowed)
    if unknown:
        raise InvalidPayloadError(f'"{unknown[0]}" is not a known field')
    return access.require_fields(collection, action, [key for key in data if key != "id"])


def with_presets(rule: Rule, data: Mapping[str, Any]) -> dict[str, Any]:
    return {**(rule.presets or {}), **data}


def check_id(value: Any, field: str = "id") -> str:
    try:
        return str(uuid.UUID(str(value)))
    except ValueError:
        raise FailedValidationError(field, "Value has to be a valid UUID.") from None


def as_datetime(value: Any, field: str) -> datetime | None:
    if value is None or isinstance(value, datetime):
        return value
    try:
        parsed = datetime.fromisoformat(str(value))
        # Stored in UTC: 0001-01-01T00:00+01:00 would be before year 1.
        return (parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)).astimezone(UTC)
    except (ValueError, OverflowError):
        raise FailedValidationError(field, "Value has to be a valid date.") from None


def as_bool(value: Any, field: str, *, nullable: bool = False) -> bool | None:
    if value is None and nullable:
        return None
    if not isinstance(value, bool):
        raise FailedValidationError(
            field, "Value has to be true or false.", "in", extra={"valid": [True, False]}
        )
    return value


def as_text(value: Any, field: str, *, max_length: int | None = None) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise FailedValidationError(field, "Value has to be a string.")
    if max_length is not None and len(value) > max_length:
        raise FailedValidationError(
            field,
            f"Value can't be longer than {max_length} characters.",
            "lte",
            extra={"valid": max_length},
        )
    if not is_storable_text(value):
        raise FailedValidationError(
            field, "Value has to be valid Unicode text without NUL characters."
        )
    return value


def as_json(value: Any, field: str, max_depth: int) -> Any:
    """JSON fields: any JSON, but nothing a database cannot store or read back."""
    problem = json_problem(value, max_depth)
    if problem is not None:
        raise FailedValidationError(field, problem)
    return value


def valid_email(value: Any) -> str | None:
    """An address as Directus accepts it (syntax only, at most 128 characters)."""
    if value is None:
        return None
    invalid = FailedValidationError("email", "Value has to be a valid email address.", "email")
    if not isinstance(value, str) or not is_storable_text(value):
        raise invalid
    try:
        validate_email(value, check_deliverability=False)
    except EmailNotValidError:
        raise invalid from None
    if len(value) > 128:
        raise FailedValidationError(
            "email", "Value can't be longer than 128 characters.", "lte", extra={"valid": 128}
        )
    return value
