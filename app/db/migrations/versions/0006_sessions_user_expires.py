"""sessions by user and expiry: a login deletes its user's expired sessions

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-30

Every login runs DELETE … WHERE user = ? AND expires <= ?. With only the index on user it
visited every session the user has (rotated ones stay until they expire, for replay
detection: hundreds for a client that refreshes all week); this index reaches just the
expired ones.
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(
        "ix_directus_sessions_user_expires", "directus_sessions", ["user", "expires"]
    )


def downgrade() -> None:
    op.drop_index("ix_directus_sessions_user_expires", table_name="directus_sessions")
