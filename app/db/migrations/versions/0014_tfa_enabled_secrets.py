"""tfa enabled secrets: the TOTP secrets each user has turned TFA on with, as fingerprints

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-05

A keyed HMAC of the user's id and the secret (app.security.recovery_codes), never the secret:
turning TFA on again with a secret used before stores none of the recovery codes derived
from it, so a set shown once never comes back. Deleted with the user.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "dauth_tfa_enabled_secrets",
        sa.Column("id", sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
        sa.Column("user", sa.String(length=36), nullable=False),
        sa.Column("mark", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("date_created", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["user"],
            ["directus_users.id"],
            name=op.f("fk_dauth_tfa_enabled_secrets_user_directus_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dauth_tfa_enabled_secrets")),
    )
    op.create_index(
        op.f("ix_dauth_tfa_enabled_secrets_user"), "dauth_tfa_enabled_secrets", ["user"]
    )


def downgrade() -> None:
    op.drop_index(
        op.f("ix_dauth_tfa_enabled_secrets_user"), table_name="dauth_tfa_enabled_secrets"
    )
    op.drop_table("dauth_tfa_enabled_secrets")
