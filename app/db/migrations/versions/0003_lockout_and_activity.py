"""lockout and activity: failed-login counters, temporary locks and the audit trail

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-22
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "directus_activity",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("action", sqlmodel.sql.sqltypes.AutoString(length=45), nullable=False),
        sa.Column("user", sqlmodel.sql.sqltypes.AutoString(length=36), nullable=True),
        sa.Column("timestamp", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("ip", sqlmodel.sql.sqltypes.AutoString(length=255), nullable=True),
        sa.Column("user_agent", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column("origin", sqlmodel.sql.sqltypes.AutoString(length=255), nullable=True),
        sa.Column("collection", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("item", sqlmodel.sql.sqltypes.AutoString(length=255), nullable=True),
        sa.Column("comment", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_directus_activity")),
    )
    op.create_index("ix_directus_activity_action", "directus_activity", ["action"])
    op.create_index("ix_directus_activity_timestamp", "directus_activity", ["timestamp"])
    op.create_index("ix_directus_activity_user", "directus_activity", ["user"])
    # Plain ADD COLUMNs: a batch rebuild on SQLite would lose the lower(email) index.
    op.add_column(
        "directus_users",
        sa.Column("failed_login_attempts", sa.Integer(), server_default="0", nullable=False),
    )
    op.add_column(
        "directus_users",
        sa.Column("locked_until", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    )


def downgrade() -> None:
    with op.batch_alter_table("directus_users", schema=None) as batch_op:
        batch_op.drop_column("locked_until")
        batch_op.drop_column("failed_login_attempts")
    op.execute(
        "CREATE UNIQUE INDEX IF NOT EXISTS directus_users_email_lower_unique "
        "ON directus_users (lower(email))"
    )
    op.drop_index("ix_directus_activity_user", table_name="directus_activity")
    op.drop_index("ix_directus_activity_timestamp", table_name="directus_activity")
    op.drop_index("ix_directus_activity_action", table_name="directus_activity")
    op.drop_table("directus_activity")
