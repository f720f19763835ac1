"""project face: directus_settings.project_color and project_logo (Directus's fields)

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-04

The colour is a #RRGGBB string (the account pages' banner and the mails); the logo a
directus_files id, as Directus stores it (null when the file goes). Both start empty: the
pages then show Directus's default colour and no logo.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # A batch on SQLite rebuilds the table (it has no expression index to lose) so that the
    # logo's foreign key exists there too; PostgreSQL gets plain ALTERs.
    with op.batch_alter_table("directus_settings", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "project_color", sqlmodel.sql.sqltypes.AutoString(length=255), nullable=True
            )
        )
        batch_op.add_column(sa.Column("project_logo", sa.String(length=36), nullable=True))
        batch_op.create_foreign_key(
            op.f("fk_directus_settings_project_logo_directus_files"),
            "directus_files",
            ["project_logo"],
            ["id"],
            ondelete="SET NULL",
        )


def downgrade() -> None:
    with op.batch_alter_table("directus_settings", schema=None) as batch_op:
        batch_op.drop_constraint(
            op.f("fk_directus_settings_project_logo_directus_files"), type_="foreignkey"
        )
        batch_op.drop_column("project_logo")
        batch_op.drop_column("project_color")
