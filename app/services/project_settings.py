"""The project settings row: read by app users, changed by whoever may update it."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from app.collections import SETTINGS
from app.db.engine import Database
from app.db.models import File, ProjectSettings
from app.db.types import AsyncSession
from app.errors import FailedValidationError, InvalidForeignKeyError, InvalidPayloadError
from app.permissions.access import Access
from app.repositories import items as items_repo
from app.repositories import project_settings as settings_repo
from app.services.payloads import as_bool, as_text, check_id, writable_rule
from app.services.project_face import HEX_COLOR, ProjectFace
from app.services.roles import RolesService

SETTINGS_FIELDS = SETTINGS.names(lambda spec: spec.name != "id")
# What anyone may see of the project (Directus's /server/info project block).
PUBLIC_FIELDS = SETTINGS.ordered(lambda spec: spec.public)
COLLECTION = SETTINGS.name
_TEXT_LIMITS = SETTINGS.text_limits
# Columns that are NOT NULL: a null must come back as the client's error, not the database's.
_REQUIRED = SETTINGS.names(lambda spec: not spec.nullable)


class ProjectSettingsService:
    def __init__(self, db: Database, roles: RolesService) -> None:
        self._db = db
        self._roles = roles

    async def read(self, access: Access, fields: set[str]) -> ProjectSettings:
        access.require_fields(COLLECTION, "read", fields)
        async with self._db.read() as session:
            return await self._row(session)

    async def public_values(self) -> dict[str, Any]:
        """The public fields, whatever the caller may read: the project's face that every
        client shows before logging in (as Directus's server info reads them)."""
        async with self._db.read() as session:
            row = await self._row(session)
        return {name: getattr(row, name) for name in PUBLIC_FIELDS}

    async def face(self) -> ProjectFace:
        """The name and colour the pages and mails show."""
        return ProjectFace.of(await self.public_values())

    async def update(self, access: Access, data: Mapping[str, Any]) -> None:
        writable_rule(access, COLLECTION, "update", data, SETTINGS_FIELDS)
        async with self._db.write() as session:
            row = await self._row(session)
            values: dict[str, Any] = {}
            for key, value in data.items():
                if key == "public_registration_role":
                    values[key] = await self._roles.reference(
                        session, access, value, (key, COLLECTION)
                    )
                elif key in ("public_registration", "public_registration_verify_email"):
                    values[key] = as_bool(value, key)
                elif key == "auth_login_attempts":
                    values[key] = _attempts(value)
                elif key == "project_color":
                    values[key] = _color(value)
                elif key == "project_logo":
                    values[key] = await _logo(session, value)
                elif key == "public_registration_email_filter":
                    values[key] = value
                elif value is None and key in _REQUIRED:
                    raise FailedValidationError(key, "Value can't be null.", "nnull")
                else:
                    values[key] = as_text(value, key, max_length=_TEXT_LIMITS[key])
            if values:
                await settings_repo.update_values(session, row.id, values)

    async def _row(self, session: AsyncSession) -> ProjectSettings:
        row = await settings_repo.get(session)
        if row is None:
            row = await settings_repo.add(session, ProjectSettings())
        return row


def _color(value: Any) -> str | None:
    """`project_color`: null, or #RRGGBB (it goes into the pages' CSS and the mails)."""
    if value is None:
        return None
    if not isinstance(value, str) or HEX_COLOR.fullmatch(value) is None:
        raise FailedValidationError(
            "project_color", "Value has to be a hex colour (#RRGGBB).", "regex"
        )
    return value


async def _logo(session: AsyncSession, value: Any) -> str | None:
    """`project_logo`: null, or the id of a file here (a string or `{"id": …}`), as
    Directus stores it; files are not created through the settings."""
    if isinstance(value, Mapping):
        value = value.get("id")
        if value is None:
            raise InvalidPayloadError('"project_logo" has to be the id of an existing file')
    if value is None:
        return None
    file_id = check_id(value, "project_logo")
    if not await items_repo.exists(session, File, file_id):
        raise InvalidForeignKeyError("project_logo", COLLECTION)
    return file_id


_INT_MAX = 2**31 - 1  # the column's range on PostgreSQL: both databases refuse alike


def _attempts(value: Any) -> int | None:
    """`auth_login_attempts`: null, or a whole number in the column's range (a JSON `true`
    is not 1)."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise FailedValidationError("auth_login_attempts", "Value has to be an integer.", "integer")
    if value < 0:
        raise FailedValidationError(
            "auth_login_attempts", "Value has to be 0 or greater.", "gte", extra={"valid": 0}
        )
    if value > _INT_MAX:
        raise FailedValidationError(
            "auth_login_attempts",
            f"Value has to be {_INT_MAX} or less.",
            "lte",
            extra={"valid": _INT_MAX},
        )
    return value
