"""The shape of each system collection: field kinds and relations, for filters and checks."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field

from sqlalchemy import Column

from app.db.models import Activity, File, Role, User


class Kind(enum.Enum):
    STRING = "string"
    ID = "id"
    HASH = "hash"
    DATE = "date"
    BOOLEAN = "boolean"
    NUMBER = "number"
    JSON = "json"
    CSV = "csv"


@dataclass(frozen=True)
class Relation:
    """m2o: local column holds the target's id; o2m: the target's column holds ours."""

    target: str
    many: bool
    column: str


@dataclass(frozen=True)
class Collection:
    name: str
    model: type
    fields: dict[str, Kind]
    relations: dict[str, Relation] = field(default_factory=dict)
    concealed: frozenset[str] = frozenset()

    def column(self, name: str) -> Column[object]:
        column: Column[object] = self.model.__table__.c[name]  # type: ignore[attr-defined]
        return column

    @property
    def searchable(self) -> list[str]:
        return [
            name
            for name, kind in self.fields.items()
            if kind in (Kind.STRING, Kind.ID) and name not in self.concealed and name != "id"
        ]


# How a user signs in is the administrators' business alone, whatever a permission grants
# (Directus keeps these fields admin-only too).
ADMIN_ONLY_USER_FIELDS = frozenset({"provider", "external_identifier", "auth_data"})

USERS = Collection(
    name="directus_users",
    model=User,
    fields={
        "id": Kind.ID,
        "first_name": Kind.STRING,
        "last_name": Kind.STRING,
        "email": Kind.STRING,
        "password": Kind.HASH,
        "location": Kind.STRING,
        "title": Kind.STRING,
        "description": Kind.STRING,
        "tags": Kind.JSON,
        "avatar": Kind.ID,
        "language": Kind.STRING,
        "tfa_secret": Kind.HASH,
        "status": Kind.STRING,
        "role": Kind.ID,
        "token": Kind.HASH,
        "last_access": Kind.DATE,
        "last_page": Kind.STRING,
        "provider": Kind.STRING,
        "external_identifier": Kind.STRING,
        "auth_data": Kind.JSON,
        "email_notifications": Kind.BOOLEAN,
        "appearance": Kind.STRING,
        "theme_dark": Kind.STRING,
        "theme_light": Kind.STRING,
        "theme_light_overrides": Kind.JSON,
        "theme_dark_overrides": Kind.JSON,
        "text_direction": Kind.STRING,
    },
    relations={
        "role": Relation(target="directus_roles", many=False, column="role"),
        "avatar": Relation(target="directus_files", many=False, column="avatar"),
    },
    concealed=frozenset({"password", "token", "tfa_secret"}),
)

ROLES = Collection(
    name="directus_roles",
    model=Role,
    fields={
        "id": Kind.ID,
        "name": Kind.STRING,
        "icon": Kind.STRING,
        "description": Kind.STRING,
        "ip_access": Kind.CSV,
        "enforce_tfa": Kind.BOOLEAN,
        "admin_access": Kind.BOOLEAN,
        "app_access": Kind.BOOLEAN,
    },
    relations={"users": Relation(target="directus_users", many=True, column="role")},
)

FILES = Collection(
    name="directus_files",
    model=File,
    fields={
        "id": Kind.ID,
        "storage": Kind.STRING,
        "filename_disk": Kind.STRING,
        "filename_download": Kind.STRING,
        "title": Kind.STRING,
        "type": Kind.STRING,
        "filesize": Kind.NUMBER,
        "width": Kind.NUMBER,
        "height": Kind.NUMBER,
        "uploaded_on": Kind.DATE,
    },
)

ACTIVITY = Collection(
    name="directus_activity",
    model=Activity,
    fields={
        "id": Kind.NUMBER,
        "action": Kind.STRING,
        "user": Kind.ID,
        "timestamp": Kind.DATE,
        "ip": Kind.STRING,
        "user_agent": Kind.STRING,
        "origin": Kind.STRING,
        "collection": Kind.STRING,
        "item": Kind.STRING,
        "comment": Kind.STRING,
    },
)

COLLECTIONS: dict[str, Collection] = {c.name: c for c in (USERS, ROLES, FILES, ACTIVITY)}
