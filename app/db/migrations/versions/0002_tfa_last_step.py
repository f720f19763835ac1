"""tfa last step: remembers the last accepted TOTP step so a code cannot be replayed

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # A plain ADD COLUMN: a batch rebuild on SQLite would lose the lower(email) index.
    op.add_column("directus_users", sa.Column("tfa_last_step", sa.BigInteger(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("directus_users", schema=None) as batch_op:
        batch_op.drop_column("tfa_last_step")
    # SQLite's batch rebuild cannot carry expression indexes over: put it back.
    op.execute(
        "CREATE UNIQUE INDEX IF NOT EXISTS directus_users_email_lower_unique "
        "ON directus_users (lower(email))"
    )
