"""The benchmark seeds the real schema: its bulk inserts must match the latest migration,
and a seeded user must get the access the scenarios expect (an app user of its role)."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import create_engine

from app.repositories.sync.callers import AccessQuery
from bench.options import parse_options
from bench.seeding import SqliteSeeder, seed
from tests import databases


def test_a_seeded_user_is_an_app_user_of_its_role(tmp_path: Path, sqlite_template: Path) -> None:
    database = databases.copy_sqlite(sqlite_template, tmp_path)
    options = parse_options(["--users", "30", "--quick", "--output", str(tmp_path / "out")])
    seeder = SqliteSeeder(database)
    try:
        plan = seed(seeder, options, "not-a-real-hash", tmp_path)
        seeder.finish()
    finally:
        seeder.close()
    engine = create_engine(f"sqlite:///{database}")
    try:
        with engine.connect() as connection:
            access = AccessQuery(user_id=plan.me.id)(connection)
    finally:
        engine.dispose()
    assert access is not None
    role = next(role_id for role_id, name in plan.roles if name == plan.me.role)
    assert access.role == role
    granted = access.at("127.0.0.1")
    assert (granted.admin, granted.app) == (False, True)
