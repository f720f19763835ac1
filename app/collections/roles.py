"""directus_roles, with the users in each (o2m). The four flags are Directus 10's view of
the policies attached to the role (computed: see app/db/models.py)."""

from __future__ import annotations

from app.collections.collection import Collection
from app.collections.spec import FieldSpec, Kind, m2o, o2m, uuid_key
from app.db.models import Role

ROLES = Collection(
    name="directus_roles",
    model=Role,
    specs=(
        uuid_key(),
        FieldSpec("name", Kind.STRING, 100, nullable=False),
        FieldSpec("icon", Kind.STRING, 64, nullable=False),
        FieldSpec("description", Kind.STRING),
        FieldSpec("ip_access", Kind.CSV, computed=True),
        FieldSpec("enforce_tfa", Kind.BOOLEAN, nullable=False, computed=True),
        FieldSpec("admin_access", Kind.BOOLEAN, nullable=False, computed=True),
        FieldSpec("app_access", Kind.BOOLEAN, nullable=False, computed=True),
        # Nested roles: a role gets the policies of its ancestors too.
        m2o("parent", "directus_roles"),
        o2m("children", "directus_roles", via="parent"),
        o2m("policies", "directus_access", via="role"),
        o2m("users", "directus_users", via="role"),
    ),
)
