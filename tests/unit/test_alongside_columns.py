"""A many-to-one read in its rows' own statement (app/repositories/alongside.py): only a plain
read (no rule, no mask, stored columns), and its rows as a read by id finds them."""

from __future__ import annotations

from sqlalchemy import create_engine, select, true
from sqlalchemy.dialects import sqlite

from app.db.models import Role, User
from app.repositories.alongside import related_columns, related_rows

USERS = User.__table__  # type: ignore[attr-defined]
ROLES = Role.__table__  # type: ignore[attr-defined]


def test_a_plain_read_is_one_primary_key_lookup_per_field() -> None:
    columns = related_columns(User, "role", Role, ["id", "name"], true(), {})
    assert columns is not None
    assert len(columns) == 2
    sql = str(select(USERS.c.id, *columns).compile(dialect=sqlite.dialect()))
    # Correlated to the user row by the link alone; the users table read once.
    assert sql.count("WHERE directus_roles.id = directus_users.role)") == 2
    assert sql.count("FROM directus_users") == 1


def test_a_rule_a_mask_or_a_computed_field_is_read_by_id() -> None:
    named = ROLES.c.name == "Editors"
    assert related_columns(User, "role", Role, ["id", "name"], named, {}) is None
    assert related_columns(User, "role", Role, ["id", "name"], true(), {"name": named}) is None
    assert related_columns(User, "role", Role, ["id", "admin_access"], true(), {}) is None


def test_the_related_rows_are_what_a_read_by_id_finds() -> None:
    rows = related_rows(
        Role,
        ["id", "name"],
        ["r1", None, "r2", "r1"],
        [("r1", "Editors"), (None, None), (None, None), ("r1", "Editors")],
    )
    assert set(rows) == {"r1", "r2"}
    first = rows["r1"]
    assert first is not None
    assert first["name"] == "Editors"
    assert first["icon"] is None  # not read
    assert rows["r2"] is None  # dangling: no such role


def test_the_subqueries_answer_per_row_on_a_database() -> None:
    engine = create_engine("sqlite://")
    ROLES.metadata.create_all(engine, tables=[ROLES, USERS])
    with engine.begin() as connection:
        connection.execute(ROLES.insert(), [{"id": "r1", "name": "Editors"}])
        connection.execute(
            USERS.insert(),
            [{"id": "u1", "role": "r1"}, {"id": "u2", "role": "gone"}, {"id": "u3", "role": None}],
        )
        columns = related_columns(User, "role", Role, ["id", "name"], true(), {})
        assert columns is not None
        found = connection.execute(select(USERS.c.id, *columns).order_by(USERS.c.id)).all()
    assert [tuple(row) for row in found] == [
        ("u1", "r1", "Editors"),
        ("u2", None, None),
        ("u3", None, None),
    ]
