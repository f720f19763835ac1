"""Constraint violations: the database's error (named here so that services catch it without
importing SQLAlchemy) and which unique field it is about, from the database's own words."""

from __future__ import annotations

from sqlalchemy.exc import IntegrityError

__all__ = ["IntegrityError", "is_foreign_key_violation", "unique_field"]

_UNIQUE_MARKERS = (
    ("email_lower_unique", "email"),
    ("directus_users.email", "email"),
    ("directus_users_token", "token"),
    ("directus_users.token", "token"),
    ("external_identifier", "external_identifier"),
    ("directus_roles_pkey", "id"),
    ("pk_directus_roles", "id"),
    ("directus_roles.id", "id"),
    ("pk_directus_users", "id"),
    ("directus_users.id", "id"),
)


def unique_field(error: IntegrityError) -> str | None:
    text = str(error.orig)
    if "unique" not in text.lower() and "duplicate" not in text.lower():
        return None
    for marker, field in _UNIQUE_MARKERS:
        if marker in text:
            return field
    return "id"


def is_foreign_key_violation(error: IntegrityError) -> bool:
    text = str(error.orig).lower()
    return "foreign key" in text
