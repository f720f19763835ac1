"""A narrowed statement keeps its condition as built beside the ids read first
(app/repositories/narrowing.py): the lookup and the read are two statements, two snapshots,
and a write between them must not let through a row the condition refuses when it is read."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import Engine, create_engine, insert, select, update
from sqlmodel import SQLModel, col

from app.db.models import Role, User
from app.repositories.narrowing import narrowed, narrowing


@pytest.fixture
def engine() -> Iterator[Engine]:
    engine = create_engine("sqlite://")
    SQLModel.metadata.create_all(engine)
    with engine.begin() as connection:
        connection.execute(
            insert(Role),
            [
                {"id": "r-view", "name": "Viewers", "icon": "badge"},
                {"id": "r-edit", "name": "Editors", "icon": "badge"},
            ],
        )
        connection.execute(
            insert(User),
            [
                {"id": "u-dave", "email": "dave@example.com", "role": "r-view"},
                {"id": "u-erin", "email": "erin@example.com", "role": "r-edit"},
            ],
        )
    yield engine
    engine.dispose()


def _page() -> Any:
    viewers = select(col(Role.id)).where(col(Role.name) == "Viewers").correlate(None)
    return select(col(User.id)).where(col(User.role).in_(viewers)).order_by(col(User.id)).limit(25)


def test_a_role_renamed_between_lookup_and_read_lets_nothing_through(engine: Engine) -> None:
    found = narrowing(_page())
    assert found is not None
    with engine.connect() as connection:
        ids = [row[0] for row in connection.execute(found.lookups[0])]
        assert ids == ["r-view"]
        # Between the two statements: the role's name goes to the other role, Erin's.
        with engine.begin() as writer:
            writer.execute(update(Role).where(col(Role.id) == "r-view").values(name="Former"))
            writer.execute(update(Role).where(col(Role.id) == "r-edit").values(name="Viewers"))
        rows = connection.execute(found.statement, {"dauth_narrow_0": ids}).scalars().all()
        built = connection.execute(_page()).scalars().all()
    assert built == ["u-erin"]
    assert rows == []  # Dave's role is no longer "Viewers"; Erin's id was not looked up


def test_narrowed_reads_the_rows_of_the_statement_as_built(engine: Engine) -> None:
    with engine.connect() as connection:
        statement, parameters = narrowed(connection, _page(), narrowing(_page()), None)
        assert parameters == {"dauth_narrow_0": ["r-view"]}
        assert connection.execute(statement, parameters).scalars().all() == ["u-dave"]
        assert connection.execute(_page()).scalars().all() == ["u-dave"]


def test_a_subquery_with_a_window_of_its_own_keeps_it(engine: Engine) -> None:
    """The lookup reads at most cap + 1 ids, and never more than the subquery itself would:
    one with a LIMIT of its own is wrapped, not re-limited."""
    first = select(col(Role.id)).order_by(col(Role.name)).limit(1).correlate(None)
    page = select(col(User.id)).where(col(User.role).in_(first)).order_by(col(User.id)).limit(9)
    with engine.connect() as connection:
        statement, parameters = narrowed(connection, page, narrowing(page), None)
        assert parameters == {"dauth_narrow_0": ["r-edit"]}  # "Editors" sorts first
        assert connection.execute(statement, parameters).scalars().all() == ["u-erin"]
        assert connection.execute(page).scalars().all() == ["u-erin"]
