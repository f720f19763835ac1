"""dauth_db_pool_connections_in_use: the pool's checkouts and checkins, counted as they happen
(a gauge each worker moves, summed across workers)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine, event

from app.observability.metrics import DB_POOL_IN_USE


def count_pool_use(engine: Engine) -> None:
    @event.listens_for(engine, "checkout")
    def _checked_out(_dbapi: Any, _record: Any, _proxy: Any) -> None:
        DB_POOL_IN_USE.inc()

    @event.listens_for(engine, "checkin")
    def _checked_in(_dbapi: Any, _record: Any) -> None:
        DB_POOL_IN_USE.dec()
