"""A many-to-one read in its rows' own statement (app/repositories/alongside.py): only where
nothing in it would be correlated to the outer row, and its rows as a read by id finds them."""

from __future__ import annotations

from sqlalchemy import create_engine, exists, select, true
from sqlalchemy.dialects import sqlite

from app.db.models import Role, User
from app.repositories.alongside import related_columns, related_rows

USERS = User.__table__  # type: ignore[attr-defined]
ROLES = Role.__table__  # type: ignore[attr-defined]


def test_a_rule_of_its_own_table_is_read_in_the_rows_statement() -> None:
    named = ROLES.c.name == "Editors"
    columns = related_columns(User, "role", Role, ["id", "name"], named, {})
    assert columns is not None
    assert len(columns) == 2
    statement = select(USERS.c.id, *columns)
    sql = str(statement.compile(dialect=sqlite.dialect()))
    # Correlated to the user row, the rule inside each subquery, the users table once.
    assert sql.count("directus_roles.id = directus_users.role") == 2
    assert sql.count("FROM directus_users") == 1


def test_a_rule_mask_or_field_reading_the_rows_table_is_not() -> None:
    members = exists(select(USERS.c.id).where(USERS.c.role == ROLES.c.id, USERS.c.id == "u"))
    assert related_columns(User, "role", Role, ["id"], members, {}) is None
    assert related_columns(User, "role", Role, ["id", "name"], true(), {"name": members}) is None
    # A computed field of roles reads policies and access rows, not users: allowed.
    assert related_columns(User, "role", Role, ["id", "admin_access"], true(), {}) is not None


def test_the_related_rows_are_what_a_read_by_id_finds() -> None:
    rows = related_rows(
        Role,
        ["id", "name"],
        ["r1", None, "r2", "r1", "r3"],
        [("r1", "Editors"), (None, None), (None, "Hidden id"), ("r1", "Editors"), (None, None)],
    )
    assert set(rows) == {"r1", "r2", "r3"}
    first = rows["r1"]
    assert first is not None
    assert first["name"] == "Editors"
    assert first["icon"] is None
    assert rows["r2"] is None  # its id masked: not found by it
    assert rows["r3"] is None  # not shown


def test_the_subqueries_answer_per_row_on_a_database() -> None:
    engine = create_engine("sqlite://")
    ROLES.metadata.create_all(engine, tables=[ROLES, USERS])
    with engine.begin() as connection:
        connection.execute(ROLES.insert(), [{"id": "r1", "name": "Editors"}])
        connection.execute(ROLES.insert(), [{"id": "r2", "name": "Viewers"}])
        connection.execute(
            USERS.insert(),
            [{"id": "u1", "role": "r1"}, {"id": "u2", "role": "r2"}, {"id": "u3", "role": None}],
        )
        columns = related_columns(User, "role", Role, ["id", "name"], ROLES.c.name != "Viewers", {})
        assert columns is not None
        found = connection.execute(select(USERS.c.id, *columns).order_by(USERS.c.id)).all()
    assert [tuple(row) for row in found] == [
        ("u1", "r1", "Editors"),
        ("u2", None, None),  # the rule does not admit it
        ("u3", None, None),
    ]
