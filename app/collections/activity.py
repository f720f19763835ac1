"""directus_activity: the audit trail (read only over the API)."""

from __future__ import annotations

from app.collections.collection import Collection
from app.collections.spec import FieldSpec, Kind
from app.db.models import Activity

STRING = Kind.STRING

ACTIVITY = Collection(
    name="directus_activity",
    model=Activity,
    specs=(
        FieldSpec("id", Kind.NUMBER),
        FieldSpec("action", STRING, 45, nullable=False),
        # The acting user's id, kept (without a foreign key) after the user is deleted.
        FieldSpec("user", Kind.ID, 36),
        FieldSpec("timestamp", Kind.DATE, nullable=False),
        FieldSpec("ip", STRING, 255),
        FieldSpec("user_agent", STRING),
        FieldSpec("origin", STRING, 255),
        FieldSpec("collection", STRING, 64, nullable=False),
        FieldSpec("item", STRING, 255),
        FieldSpec("comment", STRING),
    ),
)
