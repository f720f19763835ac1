"""passkeys: WebAuthn credentials per user and their pending challenges

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-05

A user may register several passkeys (dauth_passkeys: the credential id, its public key,
sign count, transports, AAGUID and the name the user gave it) and log in with any of them.
Each ceremony's challenge is kept server-side until used once or expired
(dauth_passkey_challenges), so every worker and instance can verify it. Additions to
Directus: neither table is a Directus collection.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "dauth_passkeys",
        sa.Column("id", sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
        sa.Column("user", sa.String(length=36), nullable=False),
        sa.Column(
            "credential_id", sqlmodel.sql.sqltypes.AutoString(length=1400), nullable=False
        ),
        sa.Column("public_key", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("sign_count", sa.BigInteger(), nullable=False),
        sa.Column("transports", sa.JSON(none_as_null=True), nullable=True),
        sa.Column("aaguid", sqlmodel.sql.sqltypes.AutoString(length=36), nullable=True),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
        sa.Column("date_created", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("last_used", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["user"],
            ["directus_users.id"],
            name=op.f("fk_dauth_passkeys_user_directus_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dauth_passkeys")),
        sa.UniqueConstraint("credential_id", name=op.f("uq_dauth_passkeys_credential_id")),
    )
    op.create_index(op.f("ix_dauth_passkeys_user"), "dauth_passkeys", ["user"])
    op.create_table(
        "dauth_passkey_challenges",
        sa.Column("challenge", sqlmodel.sql.sqltypes.AutoString(length=128), nullable=False),
        sa.Column("purpose", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("user", sa.String(length=36), nullable=True),
        sa.Column("email", sqlmodel.sql.sqltypes.AutoString(length=128), nullable=True),
        sa.Column("expires", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["user"],
            ["directus_users.id"],
            name=op.f("fk_dauth_passkey_challenges_user_directus_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("challenge", name=op.f("pk_dauth_passkey_challenges")),
    )
    op.create_index(
        op.f("ix_dauth_passkey_challenges_expires"), "dauth_passkey_challenges", ["expires"]
    )


def downgrade() -> None:
    op.drop_index(
        op.f("ix_dauth_passkey_challenges_expires"), table_name="dauth_passkey_challenges"
    )
    op.drop_table("dauth_passkey_challenges")
    op.drop_index(op.f("ix_dauth_passkeys_user"), table_name="dauth_passkeys")
    op.drop_table("dauth_passkeys")
