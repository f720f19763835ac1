"""directus_users: who signs in, and their profile."""

from __future__ import annotations

from app.collections.collection import Collection
from app.collections.spec import FieldSpec, Kind, m2o, o2m, uuid_key
from app.db.models import User

STRING, HASH, JSON = Kind.STRING, Kind.HASH, Kind.JSON

USERS = Collection(
    name="directus_users",
    model=User,
    specs=(
        uuid_key(),
        FieldSpec("first_name", STRING, 50, app_editable=True),
        FieldSpec("last_name", STRING, 50, app_editable=True),
        FieldSpec("email", STRING, 128, app_editable=True),
        FieldSpec("password", HASH, 255, app_editable=True),
        FieldSpec("location", STRING, 255, app_editable=True),
        FieldSpec("title", STRING, 50, app_editable=True),
        FieldSpec("description", STRING, app_editable=True),
        FieldSpec("tags", JSON),
        m2o("avatar", "directus_files", app_editable=True),
        FieldSpec("language", STRING, 255, app_editable=True),
        # In Directus's own-profile grant: enabling or disabling TFA updates it (only the
        # TFA mutations do; user mutations refuse it whatever the permissions).
        FieldSpec("tfa_secret", HASH, 255, app_editable=True),
        FieldSpec("status", STRING, 16, nullable=False),
        m2o("role", "directus_roles"),
        # Not in the own-profile grant (Directus 12): a static token the user mints for
        # itself would outlive its password and every session (only a grant gives it).
        FieldSpec("token", HASH, 64, digest=True),
        FieldSpec("last_access", Kind.DATE),
        FieldSpec("last_page", STRING, 255),
        # How a user signs in is the administrators' business alone (as in Directus).
        FieldSpec("provider", STRING, 128, nullable=False, admin_only=True),
        FieldSpec("external_identifier", STRING, 255, admin_only=True),
        FieldSpec("auth_data", JSON, admin_only=True),
        FieldSpec("email_notifications", Kind.BOOLEAN, app_editable=True),
        FieldSpec("appearance", STRING, 255, app_editable=True),
        FieldSpec("theme_dark", STRING, 255, app_editable=True),
        FieldSpec("theme_light", STRING, 255, app_editable=True),
        FieldSpec("theme_light_overrides", JSON, app_editable=True),
        FieldSpec("theme_dark_overrides", JSON, app_editable=True),
        FieldSpec("text_direction", STRING, 16, nullable=False, app_editable=True),
        o2m("policies", "directus_access", via="user"),
        # The last TOTP time step accepted, and the brute-force defence's counter and lock.
        FieldSpec("tfa_last_step", Kind.NUMBER, internal=True),
        FieldSpec("failed_login_attempts", Kind.NUMBER, nullable=False, internal=True),
        FieldSpec("locked_until", Kind.DATE, internal=True),
        # Login attempts in flight (until they expire) and the run of failures (LoginGuard).
        FieldSpec("login_claims", Kind.NUMBER, nullable=False, internal=True),
        FieldSpec("login_claims_expire", Kind.DATE, internal=True),
        FieldSpec("login_run", Kind.NUMBER, nullable=False, internal=True),
    ),
)
