"""directus_permissions: one grant of an action on a collection, in a policy."""

from __future__ import annotations

from app.collections.collection import Collection
from app.collections.spec import FieldSpec, Kind, m2o
from app.db.models import Permission

PERMISSIONS = Collection(
    name="directus_permissions",
    model=Permission,
    specs=(
        FieldSpec("id", Kind.NUMBER),
        m2o("policy", "directus_policies", nullable=False),
        FieldSpec("collection", Kind.STRING, 64, nullable=False),
        FieldSpec("action", Kind.STRING, 10, nullable=False),
        FieldSpec("permissions", Kind.JSON),
        FieldSpec("validation", Kind.JSON),
        FieldSpec("presets", Kind.JSON),
        FieldSpec("fields", Kind.CSV),
    ),
)
