"""email index: filters and sorts on the stored email use an index

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-22
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_directus_users_email", "directus_users", ["email"])


def downgrade() -> None:
    op.drop_index("ix_directus_users_email", table_name="directus_users")
