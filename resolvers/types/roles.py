"""directus_roles."""

from __future__ import annotations

import strawberry

from app.db.models import Role


@strawberry.type(name="directus_roles")
class DirectusRole:
    id: strawberry.ID
    name: str
    icon: str | None
    description: str | None
    ip_access: list[str | None] | None
    enforce_tfa: bool
    admin_access: bool
    app_access: bool

    @classmethod
    def from_model(cls, row: Role) -> DirectusRole:
        return cls(
            id=strawberry.ID(row.id),
            name=row.name,
            icon=row.icon,
            description=row.description,
            ip_access=list(row.ip_access) if row.ip_access is not None else None,
            enforce_tfa=row.enforce_tfa,
            admin_access=row.admin_access,
            app_access=row.app_access,
        )
