"""directus_roles, with the users in each (o2m)."""

from __future__ import annotations

from app.collections.collection import Collection
from app.collections.spec import FieldSpec, Kind, o2m, uuid_key
from app.db.models import Role

ROLES = Collection(
    name="directus_roles",
    model=Role,
    specs=(
        uuid_key(),
        FieldSpec("name", Kind.STRING, 100, nullable=False),
        FieldSpec("icon", Kind.STRING, 64, nullable=False),
        FieldSpec("description", Kind.STRING),
        FieldSpec("ip_access", Kind.CSV),
        FieldSpec("enforce_tfa", Kind.BOOLEAN, nullable=False),
        FieldSpec("admin_access", Kind.BOOLEAN, nullable=False),
        FieldSpec("app_access", Kind.BOOLEAN, nullable=False),
        o2m("users", "directus_users", via="role"),
    ),
)
