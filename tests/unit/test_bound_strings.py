"""A kept statement binds a placeholder only where it reached the SQL as a bound value,
untouched (app.repositories.items.bound_strings; app/services/read_plans.py)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, literal_column, true

from app.collections import COLLECTIONS
from app.db.models import User
from app.db.query.filters import filter_clause
from app.db.query.values import FilterVariables
from app.repositories.items import bound_strings, values_statement
from app.services.read_plans import PLACEHOLDER_MARK, placeholder

P0, P1 = placeholder(0), placeholder(1)
NAMES = {P0: "dauth_s0", P1: "dauth_s1"}


def _bound(where: Any, names: dict[str, str] = NAMES) -> Any:
    prepared = values_statement(User, ["id", "email"], where, [], 10, 0)
    return bound_strings(prepared, names, PLACEHOLDER_MARK)


def test_values_compared_as_given_become_parameters() -> None:
    email, name = User.__table__.c.email, User.__table__.c.first_name  # type: ignore[attr-defined]
    bound = _bound((email == P0) & (name != P1))
    assert bound is not None
    text = str(bound.statement)
    assert ":dauth_s0" in text
    assert ":dauth_s1" in text
    assert P0 not in text
    assert P1 not in text
    assert _bound(email == P0, {P0: "dauth_s0"}) is not None


def test_rewritten_missing_or_written_out_placeholders_bind_nothing() -> None:
    email = User.__table__.c.email  # type: ignore[attr-defined]
    # Escaped for LIKE, lower-cased, cut: the value is not passed on as given.
    assert _bound(email.startswith(P0, autoescape=True) & (email == P1)) is None
    assert _bound((email == P0.lower()) & (email == P1)) is None
    assert _bound((email == P0[:10]) & (email == P1)) is None
    assert _bound(func.lower(email) == P0.lower(), {P0: "dauth_s0"}) is None
    # One placeholder never reached the statement.
    assert _bound(email == P0) is None
    # Reached it, but also as SQL text.
    assert _bound((email == P0) & (email == P1) & literal_column(f"'{P0}'").isnot(None)) is None
    assert _bound(true(), {}) is not None


def test_a_value_derived_from_a_placeholder_binds_nothing() -> None:
    """A copy of a placeholder in another bound value (a pattern made from it, in any case)
    would stay the first request's: such a statement is not kept."""
    email = User.__table__.c.email  # type: ignore[attr-defined]
    assert _bound((email == P0) & email.like(P0 + "x"), {P0: "dauth_s0"}) is None
    assert _bound((email == P0) & (email == P0.upper()), {P0: "dauth_s0"}) is None
    assert _bound((email == P0) & email.in_([P0 + "x", "y"]), {P0: "dauth_s0"}) is None


def test_the_engine_translates_every_string_compared_by_eq_alike() -> None:
    """What makes binding them sound: the filter engine never branches on the value of a
    string it compares by _eq/_neq (after the $ of a variable, which keys no plan). An empty
    string, "null", "0" or "true" get the very statement a placeholder gets."""
    users = COLLECTIONS["directus_users"]
    variables = FilterVariables(user=None, role=None, now=datetime(2026, 1, 1, tzinfo=UTC))

    def sql(value: str, operator: str, nested: bool) -> str:
        leaf = {operator: value}
        node = {"role": {"name": leaf}} if nested else {"email": leaf, "first_name": dict(leaf)}
        return str(filter_clause(users, node, variables))

    for operator in ("_eq", "_neq"):
        for nested in (False, True):
            expected = sql(P0, operator, nested)
            for value in ("", "null", "NULL", "0", "true", "false", " ", "%", "\\"):
                assert sql(value, operator, nested) == expected, (value, operator, nested)
