"""directus_settings: the project's one row (name, colour and logo, registration, login policy)."""

from __future__ import annotations

from dataclasses import replace

from app.collections.collection import Collection
from app.collections.spec import FieldSpec, Kind, m2o
from app.db.models import ProjectSettings

BOOLEAN = Kind.BOOLEAN


def _public(spec: FieldSpec) -> FieldSpec:
    return replace(spec, public=True)


# `public`: what Directus lets anyone read (its /server/info project block): the project's
# face and whether one may register; never the policy, the limit, the role or the filter.
SETTINGS = Collection(
    name="directus_settings",
    model=ProjectSettings,
    specs=(
        FieldSpec("id", Kind.NUMBER, in_inputs=False),
        FieldSpec("project_name", Kind.STRING, 100, nullable=False, public=True),
        FieldSpec("project_color", Kind.STRING, 255, public=True),
        _public(m2o("project_logo", "directus_files")),
        FieldSpec("public_registration", BOOLEAN, nullable=False, public=True),
        FieldSpec("public_registration_verify_email", BOOLEAN, nullable=False, public=True),
        m2o("public_registration_role", "directus_roles"),
        FieldSpec("public_registration_email_filter", Kind.JSON),
        FieldSpec("auth_login_attempts", Kind.NUMBER),
        FieldSpec("auth_password_policy", Kind.STRING, 255),
    ),
)
