"""initial schema

Revision ID: 0001
Revises:
Create Date: 2026-11-22
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "directus_files",
        sa.Column("id", sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
        sa.Column(
            "storage", sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False
        ),
        sa.Column(
            "filename_disk", sqlmodel.sql.sqltypes.AutoString(length=255), nullable=True
        ),
        sa.Column(
            "filename_download",
            sqlmodel.sql.sqltypes.AutoString(length=255),
            nullable=False,
        ),
        sa.Column("title", sqlmodel.sql.sqltypes.AutoString(length=255), nullable=True),
        sa.Column("type", sqlmodel.sql.sqltypes.AutoString(length=255), nullable=True),
        sa.Column("filesize", sa.BigInteger(), nullable=True),
        sa.Column("width", sa.Integer(), nullable=True),
        sa.Column("height", sa.Integer(), nullable=True),
        sa.Column("uploaded_on", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_directus_files")),
    )
    op.create_table(
        "directus_roles",
        sa.Column("id", sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column("icon", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("description", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column("ip_access", sa.JSON(), nullable=True),
        sa.Column("enforce_tfa", sa.Boolean(), nullable=False),
        sa.Column("admin_access", sa.Boolean(), nullable=False),
        sa.Column("app_access", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_directus_roles")),
    )
    op.create_table(
        "directus_permissions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("role", sa.String(length=36), nullable=True),
        sa.Column(
            "collection", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False
        ),
        sa.Column(
            "action", sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False
        ),
        sa.Column("permissions", sa.JSON(), nullable=True),
        sa.Column("validation", sa.JSON(), nullable=True),
        sa.Column("presets", sa.JSON(), nullable=True),
        sa.Column("fields", sa.JSON(), nullable=True),
        sa.ForeignKeyConstraint(
            ["role"],
            ["directus_roles.id"],
            name=op.f("fk_directus_permissions_role_directus_roles"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_directus_permissions")),
    )
    with op.batch_alter_table("directus_permissions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_directus_permissions_role"), ["role"], unique=False
        )

    op.create_table(
        "directus_settings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column(
            "project_name", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False
        ),
        sa.Column("public_registration", sa.Boolean(), nullable=False),
        sa.Column("public_registration_verify_email", sa.Boolean(), nullable=False),
        sa.Column("public_registration_role", sa.String(length=36), nullable=True),
        sa.Column("public_registration_email_filter", sa.JSON(), nullable=True),
        sa.Column("auth_login_attempts", sa.Integer(), nullable=True),
        sa.Column(
            "auth_password_policy",
            sqlmodel.sql.sqltypes.AutoString(length=255),
            nullable=True,
        ),
        sa.ForeignKeyConstraint(
            ["public_registration_role"],
            ["directus_roles.id"],
            name=op.f("fk_directus_settings_public_registration_role_directus_roles"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_directus_settings")),
    )
    op.create_table(
        "directus_users",
        sa.Column("id", sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
        sa.Column(
            "first_name", sqlmodel.sql.sqltypes.AutoString(length=50), nullable=True
        ),
        sa.Column(
            "last_name", sqlmodel.sql.sqltypes.AutoString(length=50), nullable=True
        ),
        sa.Column("email", sqlmodel.sql.sqltypes.AutoString(length=128), nullable=True),
        sa.Column(
            "password", sqlmodel.sql.sqltypes.AutoString(length=255), nullable=True
        ),
        sa.Column(
            "location", sqlmodel.sql.sqltypes.AutoString(length=255), nullable=True
        ),
        sa.Column("title", sqlmodel.sql.sqltypes.AutoString(length=50), nullable=True),
        sa.Column("description", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column("tags", sa.JSON(), nullable=True),
        sa.Column("avatar", sa.String(length=36), nullable=True),
        sa.Column(
            "language", sqlmodel.sql.sqltypes.AutoString(length=255), nullable=True
        ),
        sa.Column(
            "tfa_secret", sqlmodel.sql.sqltypes.AutoString(length=255), nullable=True
        ),
        sa.Column(
            "status", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False
        ),
        sa.Column("role", sa.String(length=36), nullable=True),
        sa.Column("token", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        sa.Column("last_access", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column(
            "last_page", sqlmodel.sql.sqltypes.AutoString(length=255), nullable=True
        ),
        sa.Column(
            "provider", sqlmodel.sql.sqltypes.AutoString(length=128), nullable=False
        ),
        sa.Column(
            "external_identifier",
            sqlmodel.sql.sqltypes.AutoString(length=255),
            nullable=True,
        ),
        sa.Column("auth_data", sa.JSON(), nullable=True),
        sa.Column("email_notifications", sa.Boolean(), nullable=True),
        sa.Column(
            "appearance", sqlmodel.sql.sqltypes.AutoString(length=255), nullable=True
        ),
        sa.Column(
            "theme_dark", sqlmodel.sql.sqltypes.AutoString(length=255), nullable=True
        ),
        sa.Column(
            "theme_light", sqlmodel.sql.sqltypes.AutoString(length=255), nullable=True
        ),
        sa.Column("theme_light_overrides", sa.JSON(), nullable=True),
        sa.Column("theme_dark_overrides", sa.JSON(), nullable=True),
        sa.Column(
            "text_direction",
            sqlmodel.sql.sqltypes.AutoString(length=16),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["avatar"],
            ["directus_files.id"],
            name=op.f("fk_directus_users_avatar_directus_files"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["role"],
            ["directus_roles.id"],
            name=op.f("fk_directus_users_role_directus_roles"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_directus_users")),
        sa.UniqueConstraint(
            "external_identifier", name=op.f("uq_directus_users_external_identifier")
        ),
        sa.UniqueConstraint("token", name=op.f("uq_directus_users_token")),
    )
    with op.batch_alter_table("directus_users", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_directus_users_role"), ["role"], unique=False
        )
    op.create_index(
        "directus_users_email_lower_unique",
        "directus_users",
        [sa.text("lower(email)")],
        unique=True,
    )

    op.create_table(
        "directus_sessions",
        sa.Column("id", sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
        sa.Column("token", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("user", sa.String(length=36), nullable=False),
        sa.Column("expires", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("ip", sqlmodel.sql.sqltypes.AutoString(length=255), nullable=True),
        sa.Column("user_agent", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column(
            "origin", sqlmodel.sql.sqltypes.AutoString(length=255), nullable=True
        ),
        sa.Column(
            "family", sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False
        ),
        sa.Column("rotated_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column(
            "successor", sqlmodel.sql.sqltypes.AutoString(length=36), nullable=True
        ),
        sa.ForeignKeyConstraint(
            ["user"],
            ["directus_users.id"],
            name=op.f("fk_directus_sessions_user_directus_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_directus_sessions")),
        sa.UniqueConstraint("token", name=op.f("uq_directus_sessions_token")),
    )
    with op.batch_alter_table("directus_sessions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_directus_sessions_expires"), ["expires"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_directus_sessions_family"), ["family"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_directus_sessions_user"), ["user"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("directus_sessions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_directus_sessions_user"))
        batch_op.drop_index(batch_op.f("ix_directus_sessions_family"))
        batch_op.drop_index(batch_op.f("ix_directus_sessions_expires"))

    op.drop_table("directus_sessions")
    with op.batch_alter_table("directus_users", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_directus_users_role"))

    op.drop_index("directus_users_email_lower_unique", table_name="directus_users")
    op.drop_table("directus_users")
    op.drop_table("directus_settings")
    with op.batch_alter_table("directus_permissions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_directus_permissions_role"))

    op.drop_table("directus_permissions")
    op.drop_table("directus_roles")
    op.drop_table("directus_files")
