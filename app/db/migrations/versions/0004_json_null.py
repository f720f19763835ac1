"""json null: absent JSON values become SQL NULL (they were stored as the JSON text 'null')

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-22
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON_COLUMNS = {
    "directus_users": ("tags", "auth_data", "theme_light_overrides", "theme_dark_overrides"),
    "directus_roles": ("ip_access",),
    "directus_permissions": ("permissions", "validation", "presets", "fields"),
    "directus_settings": ("public_registration_email_filter",),
}


def upgrade() -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    for table, columns in JSON_COLUMNS.items():
        for column in columns:
            is_json_null = f"json_typeof({column}) = 'null'" if postgres else f"{column} = 'null'"
            op.execute(f"UPDATE {table} SET {column} = NULL WHERE {is_json_null}")


def downgrade() -> None:
    """Nothing to undo: SQL NULL reads back as None either way."""
