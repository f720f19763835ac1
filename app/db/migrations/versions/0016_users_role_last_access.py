"""users by role, newest-active first: a role's page is read in order, not sorted

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-06

`users(filter: {role: {name: {_eq: "Editor"}}}, sort: ["-last_access"], limit: 25)` read
every user of the role through the role's index and sorted them to keep 25: 16 ms at
100,000 users, 118 ms at 1,000,000. The engine now reads the role's ids first
(app/repositories/narrowing.py), so the WHERE is `role IN ('…')`; this index answers that
and the engine's ORDER BY (`last_access DESC, id ASC`) at once, on both databases, and the
read stops after the page. It leads with `role`, so it replaces the role's own index
(lookups by role and the foreign key's ON DELETE use it alike).
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(
        "ix_directus_users_role_last_access",
        "directus_users",
        ["role", sa.text("last_access DESC"), "id"],
    )
    op.drop_index("ix_directus_users_role", table_name="directus_users")


def downgrade() -> None:
    op.create_index("ix_directus_users_role", "directus_users", ["role"])
    op.drop_index("ix_directus_users_role_last_access", table_name="directus_users")
