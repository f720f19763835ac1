"""Writes to directus_activity, the audit trail: a plain INSERT (every login writes one)."""

from __future__ import annotations

from sqlalchemy import Connection, insert

from app.db.models import Activity
from app.repositories.core import RowBuilder

_ROWS = RowBuilder(Activity)
_INSERT = insert(_ROWS.table)


def add(connection: Connection, row: Activity) -> None:
    connection.execute(_INSERT, _ROWS.values_of(row))
