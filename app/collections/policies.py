"""directus_policies and directus_access (Directus 11+): the rights, and whom they go to.

Served by GraphQL and REST like users and roles (admins only unless a permission row says
otherwise). A policy's `users` and `roles` are both its directus_access rows (Directus types
them so); as fields they list the rows attached to a user, respectively to a role."""

from __future__ import annotations

from app.collections.collection import Collection
from app.collections.spec import FieldSpec, Kind, m2o, o2m, uuid_key
from app.db.models import Policy, PolicyAccess

POLICIES = Collection(
    name="directus_policies",
    model=Policy,
    specs=(
        uuid_key(),
        FieldSpec("name", Kind.STRING, 100, nullable=False),
        FieldSpec("icon", Kind.STRING, 64, nullable=False),
        FieldSpec("description", Kind.STRING),
        FieldSpec("ip_access", Kind.CSV),
        FieldSpec("enforce_tfa", Kind.BOOLEAN, nullable=False),
        FieldSpec("admin_access", Kind.BOOLEAN, nullable=False),
        FieldSpec("app_access", Kind.BOOLEAN, nullable=False),
        o2m("permissions", "directus_permissions", via="policy"),
        o2m("users", "directus_access", via="policy", present="user"),
        o2m("roles", "directus_access", via="policy", present="role"),
    ),
)

ACCESS = Collection(
    name="directus_access",
    model=PolicyAccess,
    specs=(
        uuid_key(),
        m2o("role", "directus_roles"),
        m2o("user", "directus_users"),
        m2o("policy", "directus_policies", nullable=False),
        FieldSpec("sort", Kind.NUMBER),
    ),
)
