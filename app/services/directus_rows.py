"""A Directus database's rows as our models (`dauth import-directus`).

The source's drivers differ: SQLite gives JSON as text, booleans as 0/1 and instants as text
or epoch milliseconds; PostgreSQL gives UUID objects, JSON as text and aware datetimes.
Everything is normalised here, so the import itself only decides what goes where.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from app.collections import USERS, Kind
from app.db.models import PUBLIC_POLICY_ID, Permission, Policy, PolicyAccess, Role, User
from app.security.tokens import hash_token

# Copied as they are: the nullable text the user keeps (password hashes and TFA secrets
# included); static tokens are hashed, and the rest have defaults or relations of their own.
USER_TEXT_FIELDS = USERS.ordered(
    lambda spec: spec.kind in (Kind.STRING, Kind.HASH) and spec.nullable and not spec.digest
)
USER_JSON_FIELDS = USERS.ordered(lambda spec: spec.kind is Kind.JSON)


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


def _id(value: Any) -> str | None:
    """A key as our 36-character text (PostgreSQL's driver gives UUID objects)."""
    return None if value is None or value == "" else str(value)


def _instant(value: Any) -> datetime | None:
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    if isinstance(value, (int, float)):
        return datetime.fromtimestamp(value / 1000, tz=UTC)
    parsed = datetime.fromisoformat(str(value).replace(" ", "T").replace("Z", "+00:00"))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def role(row: dict[str, Any]) -> Role:
    """Without its parent: the parent may come later in the source, so it is set once every
    role is in."""
    return Role(
        id=str(row["id"]),
        name=str(row.get("name") or "Role")[:100],
        icon=str(row.get("icon") or "supervised_user_circle")[:64],
        description=row.get("description"),
    )


def parent_of(row: dict[str, Any]) -> str | None:
    return _id(row.get("parent"))


def role_flags(row: dict[str, Any]) -> dict[str, Any]:
    """Directus 10's flags on a role row (they become the role's own policy)."""
    return {
        "ip_access": _csv(row.get("ip_access")),
        "enforce_tfa": _bool(row.get("enforce_tfa")),
        "admin_access": _bool(row.get("admin_access")),
        "app_access": _bool(row.get("app_access"), default=True),
    }


def policy_flags(row: dict[str, Any]) -> dict[str, Any]:
    """A Directus 11+ policy's flags (Directus's defaults: all off)."""
    return {
        "ip_access": _csv(row.get("ip_access")),
        "enforce_tfa": _bool(row.get("enforce_tfa")),
        "admin_access": _bool(row.get("admin_access")),
        "app_access": _bool(row.get("app_access")),
    }


def policy(row: dict[str, Any]) -> Policy:
    return Policy(
        id=str(row["id"]),
        name=str(row.get("name") or "Policy")[:100],
        icon=str(row.get("icon") or "badge")[:64],
        description=row.get("description"),
        **policy_flags(row),
    )


def access(row: dict[str, Any]) -> PolicyAccess:
    sort = row.get("sort")
    return PolicyAccess(
        id=str(row["id"]),
        role=_id(row.get("role")),
        user=_id(row.get("user")),
        policy=str(row["policy"]),
        sort=None if sort is None else int(sort),
    )


def user(row: dict[str, Any]) -> User:
    values: dict[str, Any] = {name: row.get(name) for name in USER_TEXT_FIELDS}
    values.update({name: _json(row.get(name)) for name in USER_JSON_FIELDS})
    token = row.get("token")
    return User(
        id=str(row["id"]),
        **values,
        status=str(row.get("status") or "active"),
        role=_id(row.get("role")),
        token=hash_token(str(token)) if token else None,
        last_access=_instant(row.get("last_access")),
        provider=str(row.get("provider") or "default"),
        email_notifications=_bool(row.get("email_notifications"), default=True),
        text_direction=str(row.get("text_direction") or "auto"),
    )


def permission(row: dict[str, Any]) -> Permission:
    """Directus 11+ rows name their policy; Directus 10's name a role (whose own policy has
    the role's id) or none (the public's, to the Public policy)."""
    owner = str(row["policy"]) if "policy" in row else _id(row.get("role")) or PUBLIC_POLICY_ID
    return Permission(
        id=int(row["id"]) if row.get("id") is not None else None,
        policy=owner,
        collection=str(row["collection"]),
        action=str(row["action"]),
        permissions=_json(row.get("permissions")),
        validation=_json(row.get("validation")),
        presets=_json(row.get("presets")),
        fields=_csv(row.get("fields")),
    )
