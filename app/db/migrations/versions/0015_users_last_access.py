"""users by last access: a page of users newest-active first reads that page, not every user

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-06

`users(sort: ["-last_access"], limit: 25)` (the admin app's users list sorted by last
access) sorted every user to take 25: tens of milliseconds on the loop's thread at 100,000
users. The index matches the engine's ORDER BY, `last_access DESC, id ASC`, on both
databases, so the page is read in order and the read stops after it.

A role filter beside that sort keeps using the role's index (SQLite has no statistics to
prefer this one, and must not: for a role of a few users, walking every user newest first
would cost far more than sorting the role's).
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(
        "ix_directus_users_last_access",
        "directus_users",
        [sa.text("last_access DESC"), "id"],
    )


def downgrade() -> None:
    op.drop_index("ix_directus_users_last_access", table_name="directus_users")
