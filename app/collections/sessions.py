"""directus_sessions: one refresh session each; the token is stored as its sha256 only."""

from __future__ import annotations

from app.collections.collection import Collection
from app.collections.spec import FieldSpec, Kind, m2o, uuid_key
from app.db.models import Session

STRING, ID = Kind.STRING, Kind.ID

SESSIONS = Collection(
    name="directus_sessions",
    model=Session,
    specs=(
        uuid_key(),
        FieldSpec("token", Kind.HASH, 64, nullable=False, digest=True),
        m2o("user", "directus_users", nullable=False),
        FieldSpec("expires", Kind.DATE, nullable=False),
        FieldSpec("ip", STRING, 255),
        FieldSpec("user_agent", STRING),
        FieldSpec("origin", STRING, 255),
        # The rotation chain: every session of one login shares a family.
        FieldSpec("family", ID, 36, nullable=False, internal=True),
        FieldSpec("rotated_at", Kind.DATE, internal=True),
        FieldSpec("successor", ID, 36, internal=True),
        FieldSpec("created", Kind.DATE),
        FieldSpec("last_used", Kind.DATE),
    ),
)

# Fields of other collections' GraphQL types that are no stored field: a user's logins,
# computed by the sessions API and in admins' schemas only.
COMPUTED_FIELDS: dict[str, frozenset[str]] = {"directus_users": frozenset({"sessions"})}
