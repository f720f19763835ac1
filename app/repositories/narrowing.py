"""A read's `column IN (subquery)` condition, its ids read first and bound as a list.

A filter through a many-to-one relation (`users(filter: {role: {name: {_eq: "Editor"}}},
sort: ["-last_access"])`) becomes `role IN (SELECT id FROM directus_roles WHERE ...)`. The
planner cannot tell how many ids that subquery yields, so it reads the whole role through the
role's index and sorts it to keep 25 rows: 16 ms at 100,000 users, 118 ms at 1,000,000, all
on the event loop's thread. With the ids known (`role IN ('…')`), the same page is read in
order from the (role, last_access, id) index and stops after 25 rows, a few microseconds.

So the subquery runs first, on the same connection, for at most NARROW_MAX + 1 ids; where
it yields at most NARROW_MAX, the statement runs with `column IN (ids)` beside the condition
as built. The condition stays: each statement reads its own snapshot (SQLite outside a
transaction, PostgreSQL at READ COMMITTED), so a role renamed between the two must not let a
row through that the condition, read with the rows, refuses. A write between them can only
leave out a row the page would have shown a moment later, as if read a moment sooner.

Only a condition that every returned row must meet is narrowed (a conjunct of the top-level
WHERE), and only a subquery that names none of the outer statement's tables (so it means the
same on its own). Callers narrow only a page (ORDER BY and LIMIT), where the planner's
choice is what sorting the whole condition's rows costs; the lookup is one more statement.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, bindparam, select
from sqlalchemy.sql import operators
from sqlalchemy.sql.elements import BinaryExpression, BooleanClauseList, ColumnClause
from sqlalchemy.sql.selectable import ScalarSelect, Select, SelectBase, TableClause
from sqlmodel.ext.asyncio.session import AsyncSession

__all__ = ["NARROW_MAX", "Narrowing", "narrowed", "narrowed_async", "narrowing"]

# More ids than this and the statement runs as built: a long list gains the planner
# little, and each id is one more bound parameter.
NARROW_MAX = 100
_KEY = "dauth_narrow_{}"


@dataclass(frozen=True)
class Narrowing:
    """The lookups of a statement's narrowable subqueries (each at most `cap` + 1 ids), and
    the statement with each one's ids as the expanding parameter of its position (`_KEY`)."""

    lookups: tuple[Any, ...]
    statement: Any
    cap: int


def narrowing(statement: Any) -> Narrowing | None:
    """The Narrowing of a page (a SELECT with ORDER BY and LIMIT) whose WHERE has `column IN
    (subquery)` conjuncts whose subqueries stand alone; None for anything else."""
    where = getattr(statement, "whereclause", None)
    if where is None or not isinstance(statement, Select) or not _is_page(statement):
        return None
    if isinstance(where, BooleanClauseList) and where.operator is operators.and_:
        conjuncts: Sequence[Any] = list(where.clauses)
    else:
        conjuncts = [where]
    candidates = [
        conjunct
        for conjunct in conjuncts
        if isinstance(conjunct, BinaryExpression)
        and conjunct.operator is operators.in_op
        and isinstance(conjunct.left, ColumnClause)
        and isinstance(conjunct.right, ScalarSelect)
    ]
    if not candidates:
        return None
    outer = _surface_tables(statement)
    found = [c for c in candidates if not _tables([c.right.element]) & outer]
    if not found:
        return None
    cap = NARROW_MAX
    beside = [
        conjunct.left.in_(bindparam(_KEY.format(index), expanding=True, type_=conjunct.left.type))
        for index, conjunct in enumerate(found)
    ]
    lookups = tuple(_lookup(conjunct.right.element, cap + 1) for conjunct in found)
    return Narrowing(lookups, statement.where(*beside), cap)


def _is_page(statement: Select[Any]) -> bool:
    """ORDER BY and LIMIT both (read as _lookup reads a window: absent, not a page)."""
    limited = getattr(statement, "_limit_clause", None) is not None
    return limited and bool(getattr(statement, "_order_by_clauses", ()))


def _lookup(inner: Select[Any], rows: int) -> Select[Any]:
    """The subquery as a statement of its own, `rows` rows at most: limited as it is where
    it has no window of its own (as the engine builds them), else wrapped."""
    if (
        getattr(inner, "_limit_clause", True) is None
        and getattr(inner, "_offset_clause", True) is None
    ):
        return inner.limit(rows)
    return select(*inner.subquery().c).limit(rows)


def _surface_tables(statement: Any) -> set[Any]:
    """What a SELECT reads from outside its subqueries (tables, aliases): a superset of its
    FROM list, which a subquery within it would be correlated to."""
    return _from_clauses(statement.get_children(), into_subqueries=False)


def _tables(elements: Sequence[Any]) -> set[Any]:
    """What `elements` read from anywhere, their subqueries included."""
    return _from_clauses(elements, into_subqueries=True)


def _from_clauses(elements: Any, *, into_subqueries: bool) -> set[Any]:
    found: set[Any] = set()
    stack = list(elements)
    while stack:
        element = stack.pop()
        if isinstance(element, TableClause):
            found.add(element)
        elif isinstance(element, ColumnClause):
            if element.table is not None:
                found.add(element.table)
        elif into_subqueries or not isinstance(element, SelectBase | ScalarSelect):
            stack.extend(element.get_children())
    return found


def _bound(
    answers: Sequence[Sequence[Any]], parameters: Mapping[str, Any] | None, cap: int
) -> dict[str, Any] | None:
    """`parameters` with each lookup's ids, or None where one found too many to narrow."""
    bound = dict(parameters or {})
    for index, ids in enumerate(answers):
        distinct = list(dict.fromkeys(ids))
        if len(ids) > cap:
            return None
        bound[_KEY.format(index)] = distinct
    return bound


def narrowed(
    connection: Connection,
    statement: Any,
    found: Narrowing | None,
    parameters: Mapping[str, Any] | None,
) -> tuple[Any, Mapping[str, Any] | None]:
    """The statement to run and its parameters: narrowed where every lookup's ids fit."""
    if found is None:
        return statement, parameters
    answers = [
        [row[0] for row in connection.execute(lookup, parameters)] for lookup in found.lookups
    ]
    bound = _bound(answers, parameters, found.cap)
    return (statement, parameters) if bound is None else (found.statement, bound)


async def narrowed_async(
    session: AsyncSession, statement: Any, parameters: Mapping[str, Any] | None = None
) -> tuple[Any, Mapping[str, Any] | None]:
    """`narrowed` through an async session, for a statement built for this one run."""
    found = narrowing(statement)
    if found is None:
        return statement, parameters
    answers = [
        [row[0] for row in await session.exec(lookup, params=parameters)]
        for lookup in found.lookups
    ]
    bound = _bound(answers, parameters, found.cap)
    return (statement, parameters) if bound is None else (found.statement, bound)
