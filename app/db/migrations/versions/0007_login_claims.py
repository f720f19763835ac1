"""login claims: attempts in flight, counted apart from verified failures

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-03

Before, an attempt counted as a failure before its password was checked, so a parallel
burst of logins with the right password locked the account. Now the attempts being checked
are counted apart (`login_claims`, which count until `login_claims_expire`), and only
verified failures start a lock; `login_run` tells a failure claimed before a success from
one claimed after it.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Plain ADD COLUMNs: a batch rebuild on SQLite would lose the lower(email) index.
    op.add_column(
        "directus_users",
        sa.Column("login_claims", sa.Integer(), server_default="0", nullable=False),
    )
    op.add_column(
        "directus_users",
        sa.Column("login_claims_expire", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    )
    op.add_column(
        "directus_users",
        sa.Column("login_run", sa.Integer(), server_default="0", nullable=False),
    )


def downgrade() -> None:
    with op.batch_alter_table("directus_users", schema=None) as batch_op:
        batch_op.drop_column("login_run")
        batch_op.drop_column("login_claims_expire")
        batch_op.drop_column("login_claims")
    op.execute(
        "CREATE UNIQUE INDEX IF NOT EXISTS directus_users_email_lower_unique "
        "ON directus_users (lower(email))"
    )
