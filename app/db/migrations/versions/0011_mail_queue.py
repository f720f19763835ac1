"""mail queue: outgoing mail kept in the database until it is sent

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-04

Mail used to leave from an in-memory task, lost if the process died before sending it. Now
the action that sends a mail writes it to dauth_mail_queue in its own transaction; a sender
in every process claims due rows (a lease, so several instances never send one twice),
retries failures with backoff until EMAIL_RETRY_MAX_AGE, then marks them failed.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "dauth_mail_queue",
        sa.Column("id", sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
        sa.Column("created", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("queued_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("recipient", sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
        sa.Column("subject", sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
        sa.Column("message", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("claimed_by", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=True),
        sa.Column("claimed_until", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column("last_error", sqlmodel.sql.sqltypes.AutoString(length=255), nullable=True),
        sa.Column("sent_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dauth_mail_queue")),
    )
    op.create_index(
        "ix_dauth_mail_queue_status_next_attempt", "dauth_mail_queue", ["status", "next_attempt"]
    )


def downgrade() -> None:
    op.drop_index("ix_dauth_mail_queue_status_next_attempt", table_name="dauth_mail_queue")
    op.drop_table("dauth_mail_queue")
