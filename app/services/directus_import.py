"""Copies roles, users and permissions out of a Directus database (v10 shape).

A role's flags become its own policy (as migration 0008 does); the public's permission
rows go to the Public policy.

Users keep their ids, argon2 password hashes (they log in with their old passwords),
TFA secrets (their authenticator apps keep working) and statuses. Static tokens, stored
in clear by Directus, are stored hashed here. Running it again updates what it copied.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from app.collections import USERS, Kind
from app.db.models import PUBLIC_POLICY_ID, Permission, Role, User
from app.errors import InvalidPayloadError
from app.repositories import directus_source
from app.repositories import items as items_repo
from app.repositories import policies as policies_repo
from app.repositories import users as users_repo
from app.security.tokens import hash_token
from app.services.container import Services

# Copied as they are: the nullable text the user keeps (password hashes and TFA secrets
# included); static tokens are hashed, and the rest have defaults or relations of their own.
USER_TEXT_FIELDS = USERS.ordered(
    lambda spec: spec.kind in (Kind.STRING, Kind.HASH) and spec.nullable and not spec.digest
)
USER_JSON_FIELDS = USERS.ordered(lambda spec: spec.kind is Kind.JSON)


@dataclass
class ImportReport:
    roles: int = 0
    users: int = 0
    permissions: int = 0
    skipped: list[str] = field(default_factory=list)

    def summary(self) -> str:
        lines = [
            f"Imported {self.roles} roles, {self.users} users and {self.permissions} permissions."
        ]
        lines += [f"Skipped: {reason}" for reason in self.skipped]
        return "\n".join(lines)


def source_url(source: str) -> str:
    """A SQLite file path or a PostgreSQL URL, as SQLAlchemy's async URL."""
    for prefix in ("postgres://", "postgresql://", "postgresql+asyncpg://"):
        if source.startswith(prefix):
            return "postgresql+asyncpg://" + source[len(prefix) :]
    path = Path(source).expanduser()
    if not path.is_file():
        raise InvalidPayloadError(f'"{source}" is neither a PostgreSQL URL nor a SQLite file')
    return f"sqlite+aiosqlite:///{path.resolve()}"


def _json(value: Any) -> Any:
    if isinstance(value, (bytes, str)):
        try:
            return json.loads(value)
        except json.JSONDecodeError:
            return None
    return value


def _bool(value: Any, default: bool = False) -> bool:
    if value is None:
        return default
    if isinstance(value, str):
        return value.lower() in ("1", "true", "t", "yes")
    return bool(value)


def _csv(value: Any) -> list[str] | None:
    if value is None or value == "":
        return None
    if isinstance(value, list):
        return [str(item) for item in value]
    return [part.strip() for part in str(value).split(",") if part.strip()]


def _instant(value: Any) -> datetime | None:
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    if isinstance(value, (int, float)):
        return datetime.fromtimestamp(value / 1000, tz=UTC)
    parsed = datetime.fromisoformat(str(value).replace(" ", "T").replace("Z", "+00:00"))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _role(row: dict[str, Any]) -> Role:
    return Role(
        id=str(row["id"]),
        name=str(row.get("name") or "Role")[:100],
        icon=str(row.get("icon") or "supervised_user_circle")[:64],
        description=row.get("description"),
    )


def _role_flags(row: dict[str, Any]) -> dict[str, Any]:
    return {
        "ip_access": _csv(row.get("ip_access")),
        "enforce_tfa": _bool(row.get("enforce_tfa")),
        "admin_access": _bool(row.get("admin_access")),
        "app_access": _bool(row.get("app_access"), default=True),
    }


def _user(row: dict[str, Any]) -> User:
    values: dict[str, Any] = {name: row.get(name) for name in USER_TEXT_FIELDS}
    values.update({name: _json(row.get(name)) for name in USER_JSON_FIELDS})
    token = row.get("token")
    return User(
        id=str(row["id"]),
        **values,
        status=str(row.get("status") or "active"),
        role=str(row["role"]) if row.get("role") else None,
        token=hash_token(str(token)) if token else None,
        last_access=_instant(row.get("last_access")),
        provider=str(row.get("provider") or "default"),
        email_notifications=_bool(row.get("email_notifications"), default=True),
        text_direction=str(row.get("text_direction") or "auto"),
    )


def _permission(row: dict[str, Any]) -> Permission:
    """A role's row goes to its own policy (which has the role's id), the public's to the
    Public policy."""
    return Permission(
        id=int(row["id"]) if row.get("id") is not None else None,
        policy=str(row["role"]) if row.get("role") else PUBLIC_POLICY_ID,
        collection=str(row["collection"]),
        action=str(row["action"]),
        permissions=_json(row.get("permissions")),
        validation=_json(row.get("validation")),
        presets=_json(row.get("presets")),
        fields=_csv(row.get("fields")),
    )


async def import_directus(services: Services, source: str) -> ImportReport:
    tables = await directus_source.read_tables(
        source_url(source),
        ("directus_roles", "directus_users", "directus_permissions"),
        required=("directus_users", "directus_roles"),
    )
    if tables is None:
        raise InvalidPayloadError("The source has no directus_users and directus_roles tables")
    report = ImportReport()
    async with services.db.write() as session:
        role_ids = set()
        for row in tables["directus_roles"]:
            role = await items_repo.merge(session, _role(row))
            await session.flush()
            await policies_repo.set_own_flags(session, role.id, role.name, _role_flags(row))
            role_ids.add(role.id)
            report.roles += 1
        for row in tables["directus_users"]:
            user = _user(row)
            if user.role is not None and user.role not in role_ids:
                user.role = None
            if user.email and await users_repo.email_taken(session, user.email, user.id):
                report.skipped.append(f"user {user.id}: {user.email} is already taken here")
                continue
            await items_repo.merge(session, user)
            report.users += 1
        await session.flush()
        await policies_repo.ensure_public(session)
        for row in tables.get("directus_permissions", []):
            permission = _permission(row)
            if permission.policy != PUBLIC_POLICY_ID and permission.policy not in role_ids:
                report.skipped.append(f"permission {permission.id}: unknown role")
                continue
            await items_repo.merge(session, permission)
            report.permissions += 1
    return report
