"""session times: when a login began and when its session was last used

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-04

A user's sessions list (users_me_sessions, /users/me/sessions) shows when each login began
and when it was last used. A rotation writes a new row for the same login (the family), so
`created` is copied from row to row and `last_used` is the time of the row's login or
refresh. Both are written by the INSERT a login or refresh already makes: no statement is
added to those paths. Rows from before this revision have neither (null: unknown).
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "directus_sessions",
        sa.Column("created", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    )
    op.add_column(
        "directus_sessions",
        sa.Column("last_used", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    )


def downgrade() -> None:
    # Plain ALTER TABLE … DROP COLUMN on both databases (SQLite 3.35+): no table rebuild.
    op.drop_column("directus_sessions", "last_used")
    op.drop_column("directus_sessions", "created")
