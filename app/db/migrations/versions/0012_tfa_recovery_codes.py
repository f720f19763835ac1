"""tfa recovery codes: single-use codes that stand in for a TOTP code

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-05

Ten per user with TFA on, stored as keyed SHA-256 hashes (app.security.recovery_codes);
a login may give one instead of a TOTP code, once. Deleted with the user, and when TFA
is turned off.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "dauth_tfa_recovery_codes",
        sa.Column("id", sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
        sa.Column("user", sa.String(length=36), nullable=False),
        sa.Column("code_hash", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("used_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column("date_created", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["user"],
            ["directus_users.id"],
            name=op.f("fk_dauth_tfa_recovery_codes_user_directus_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dauth_tfa_recovery_codes")),
    )
    op.create_index(
        op.f("ix_dauth_tfa_recovery_codes_user"), "dauth_tfa_recovery_codes", ["user"]
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_dauth_tfa_recovery_codes_user"), table_name="dauth_tfa_recovery_codes")
    op.drop_table("dauth_tfa_recovery_codes")
