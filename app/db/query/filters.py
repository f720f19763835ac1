"""Directus filter JSON → SQL. One translator for the `filter` argument, search, sort and
permission rules, so the same rule means the same rows everywhere.

Everything happens in SQL: rows are never filtered in Python.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from sqlalchemy import (
    ColumnElement,
    String,
    and_,
    case,
    cast,
    exists,
    extract,
    false,
    func,
    literal,
    not_,
    null,
    or_,
    select,
    true,
)
from sqlalchemy.sql.util import ClauseAdapter

from app.collections import COLLECTIONS, Collection, Kind, Relation
from app.db.query.functions import DATE_PARTS, json_count
from app.db.query.limits import in_column_range
from app.db.query.missing_rows import rejects_missing, split_m2o
from app.db.query.values import FilterVariables, coerce, resolve_variable
from app.errors import ForbiddenError, InvalidQueryError

if TYPE_CHECKING:
    from app.permissions.access import Access

Clause = ColumnElement[bool]

LOGICAL = ("_and", "_or")
QUANTIFIERS = ("_some", "_none")
CONCEALED_OPERATORS = frozenset({"_null", "_nnull", "_empty", "_nempty"})


def _invalid(reason: str) -> InvalidQueryError:
    return InvalidQueryError(reason)


def _like_operator(
    name: str,
) -> Callable[[ColumnElement[Any], str], Clause] | None:
    table: dict[str, Callable[[ColumnElement[Any], str], Clause]] = {
        "_contains": lambda c, v: c.contains(v, autoescape=True),
        "_icontains": lambda c, v: c.icontains(v, autoescape=True),
        "_starts_with": lambda c, v: c.startswith(v, autoescape=True),
        "_istarts_with": lambda c, v: c.istartswith(v, autoescape=True),
        "_ends_with": lambda c, v: c.endswith(v, autoescape=True),
        "_iends_with": lambda c, v: c.iendswith(v, autoescape=True),
    }
    if name in table:
        return table[name]
    negated = {
        "_ncontains": "_contains",
        "_nicontains": "_icontains",
        "_nstarts_with": "_starts_with",
        "_nistarts_with": "_istarts_with",
        "_nends_with": "_ends_with",
        "_niends_with": "_iends_with",
    }
    if name in negated:
        positive = table[negated[name]]
        return lambda c, v: not_(positive(c, v))
    return None


def _empty(column: ColumnElement[Any], kind: Kind) -> Clause:
    if kind in (Kind.STRING, Kind.ID, Kind.HASH):
        return or_(column.is_(None), column == "")
    return column.is_(None)


def _operator(
    column: ColumnElement[Any],
    kind: Kind,
    field: str,
    operator: str,
    raw: Any,
    variables: FilterVariables,
) -> Clause:
    if kind is Kind.HASH and operator not in CONCEALED_OPERATORS:
        raise _invalid(
            f'Field "{field}" can only be filtered with _null, _nnull, _empty or _nempty'
        )
    if kind is Kind.JSON and operator not in ("_null", "_nnull"):
        raise _invalid(f'Field "{field}" can only be filtered with _null or _nnull')
    if operator in CONCEALED_OPERATORS:
        # REST query strings carry booleans as text.
        raw = {"true": True, "false": False, "1": True, "0": False}.get(str(raw).lower(), raw)
        if not isinstance(raw, bool):
            raise _invalid(f'"{operator}" takes true or false')
        positive = operator in ("_null", "_empty")
        if not raw:
            positive = not positive
        if operator in ("_null", "_nnull"):
            return column.is_(None) if positive else column.is_not(None)
        return _empty(column, kind) if positive else not_(_empty(column, kind))

    # A string compared by _eq/_neq goes on to the SQL as given, whatever it holds (after
    # the $ of a variable): an admin's kept statement binds it (app/services/read_plans.py).
    # Branching on its value here would need that to change too.
    value = resolve_variable(raw, variables)
    if kind is Kind.CSV:  # stored as JSON: compared as its text, for _in too
        column = cast(column, String)
        kind = Kind.STRING
    if operator in ("_in", "_nin"):
        if not isinstance(value, list):
            raise _invalid(f'"{operator}" takes a list')
        values = [
            in_column_range(column, coerce(kind, resolve_variable(item, variables), field), field)
            for item in value
        ]
        if not values:
            return false() if operator == "_in" else true()
        clause = column.in_(values)
        return clause if operator == "_in" else not_(clause)
    if operator in ("_between", "_nbetween"):
        if not isinstance(value, list) or len(value) != 2:
            raise _invalid(f'"{operator}" takes a list of two values')
        low, high = (
            in_column_range(column, coerce(kind, resolve_variable(item, variables), field), field)
            for item in value
        )
        clause = column.between(low, high)
        return clause if operator == "_between" else not_(clause)

    coerced = in_column_range(column, coerce(kind, value, field), field)
    if operator == "_eq":
        return column.is_(None) if coerced is None else column == coerced
    if operator == "_neq":
        return column.is_not(None) if coerced is None else column != coerced
    comparisons: dict[str, Callable[[Any], Clause]] = {
        "_gt": lambda v: column > v,
        "_gte": lambda v: column >= v,
        "_lt": lambda v: column < v,
        "_lte": lambda v: column <= v,
    }
    if operator in comparisons:
        if coerced is None:
            raise _invalid(f'"{operator}" needs a value')
        return comparisons[operator](coerced)
    like = _like_operator(operator)
    if like is not None:
        if coerced is None:
            raise _invalid(f'"{operator}" needs a value')
        return like(column, str(coerced))
    raise _invalid(f'Unknown filter operator "{operator}"')


def _operators(
    column: ColumnElement[Any], kind: Kind, field: str, node: Any, variables: FilterVariables
) -> Clause:
    if not isinstance(node, Mapping) or not node:
        raise _invalid(f'Filter on "{field}" must be an object of operators')
    clauses = []
    for operator, value in node.items():
        if not isinstance(operator, str) or not operator.startswith("_"):
            raise _invalid(f'Unknown filter operator "{operator}" on "{field}"')
        clauses.append(_operator(column, kind, field, operator, value, variables))
    return and_(*clauses)


def _function(collection: Collection, field: str, node: Any, variables: FilterVariables) -> Clause:
    relation = collection.relations.get(field)
    known = field in collection.fields or (relation is not None and relation.many)
    if not known:
        raise ForbiddenError.field(field, collection.name)
    if not isinstance(node, Mapping):
        raise _invalid(f'Function field "{field}_func" takes an object of functions')
    clauses = []
    for name, operators in node.items():
        if relation is not None and relation.many and name == "count":
            target_collection = COLLECTIONS[relation.target]
            readable = readable_rows(target_collection, {}, variables, link=relation.column)
            target: ColumnElement[Any] = o2m_rows(
                collection, relation, variables.masks.get(field), lambda _: func.count(), readable
            ).scalar_subquery()
            clauses.append(
                _operators(target, Kind.NUMBER, f"{field}_func.{name}", operators, variables)
            )
            continue
        kind = collection.fields[field]
        column = field_column(collection, field, variables)
        if kind is Kind.JSON and name == "count":
            target = json_count(column)
        elif kind is Kind.DATE and name in DATE_PARTS:
            target = extract(DATE_PARTS[name], column)
        else:
            raise _invalid(f'Function "{name}" does not apply to "{field}"')
        clauses.append(
            _operators(target, Kind.NUMBER, f"{field}_func.{name}", operators, variables)
        )
    return and_(*clauses)


def field_column(
    collection: Collection, name: str, variables: FilterVariables | None = None
) -> ColumnElement[Any]:
    """A field's column as the caller sees it: null on the rows it does not show on."""
    column: ColumnElement[Any] = collection.column(name)
    mask = None if variables is None else variables.masks.get(name)
    return column if mask is None else case((mask, column), else_=null())


def within(variables: FilterVariables) -> FilterVariables:
    """The variables for a related collection: the masks are the queried collection's."""
    return replace(variables, masks={}) if variables.masks else variables


def o2m_rows(
    collection: Collection,
    relation: Relation,
    mask: ColumnElement[bool] | None,
    what: Callable[[Any], ColumnElement[Any]],
    *conditions: ColumnElement[bool],
) -> Any:
    """SELECT `what` (of the target's table) over the target's rows that belong to the row of
    `collection` being filtered, through the o2m `relation`, where `conditions` (written on
    the target's table) hold; none where `mask` (the rows the caller is shown the o2m field
    on) leaves the row out. A relation to its own table (a role's children) reads the target
    under another name, so that the link still names the row being filtered."""
    target = COLLECTIONS[relation.target]
    table = target.model.__table__  # type: ignore[attr-defined]
    where = and_(true(), *conditions)
    if relation.present is not None:
        where = and_(where, table.c[relation.present].is_not(None))
    if target.model is collection.model:
        table = table.alias()
        where = ClauseAdapter(table).traverse(where)
    link = table.c[relation.column] == collection.column("id")
    if mask is not None:
        link = and_(link, mask)
    return select(what(table)).select_from(table).where(link, where)


def _relation(collection: Collection, field: str, node: Any, variables: FilterVariables) -> Clause:
    relation = collection.relations[field]
    target = COLLECTIONS[relation.target]
    if not isinstance(node, Mapping):
        raise _invalid(f'Filter on "{field}" must be an object')
    if relation.many:
        # o2m: rows of the target point at us through relation.column.
        mask = variables.masks.get(field)
        inside = within(variables)
        clauses = []
        for key, value in node.items():
            inner_node = value if key in QUANTIFIERS else {key: value}
            readable = readable_rows(target, inner_node, inside, link=relation.column)
            inner = _node(target, inner_node, inside)
            matched = exists(o2m_rows(collection, relation, mask, _id_of, readable, inner))
            clauses.append(not_(matched) if key == "_none" else matched)
        return and_(*clauses)
    # m2o: operators apply to the foreign key itself; anything else filters the target.
    local = field_column(collection, relation.column, variables)
    direct, nested = split_m2o(node)
    clauses = []
    if direct:
        clauses.append(_operators(local, Kind.ID, field, direct, variables))
    if nested:
        # LEFT JOIN semantics, as Directus: a row without a related item is matched
        # against an all-null one, so {role: {id: {_null: true}}} finds users without a role.
        # A related row the caller may not read matches nothing.
        inside = within(variables)
        readable = readable_rows(target, nested, inside)
        condition = _node(target, nested, inside)
        if rejects_missing(target, nested):
            # Never true of the all-null row: the ids it matches (an index answers), read
            # from the target's own rows even where the outer query reads that table too.
            ids = select(target.column("id")).where(readable, condition).correlate(None)
            clauses.append(local.in_(ids))
        else:
            anchor = select(literal(1).label("anchor")).subquery()
            where = and_(readable, condition)
            if target.model is collection.model:
                # A relation to its own table (a role's parent): the related row joined under
                # another name, so that `local` still names the row being filtered.
                related = target.model.__table__.alias()  # type: ignore[attr-defined]
                joined = anchor.outerjoin(related, related.c.id == local)
                where = ClauseAdapter(related).traverse(where)
            else:
                joined = anchor.outerjoin(target.model, target.column("id") == local)
            clauses.append(exists(select(literal(1)).select_from(joined).where(where)))
    return and_(*clauses)


def _id_of(table: Any) -> ColumnElement[Any]:
    column: ColumnElement[Any] = table.c.id
    return column


def referenced_fields(node: Any) -> Iterator[str]:
    """Top-level field names a filter touches (through _and/_or), for permission checks."""
    if not isinstance(node, Mapping):
        return
    for key, value in node.items():
        if key in LOGICAL and isinstance(value, list):
            for item in value:
                yield from referenced_fields(item)
        elif isinstance(key, str) and not key.startswith("_"):
            yield key.removesuffix("_func")


def readable_rows(
    target: Collection, node: Any, variables: FilterVariables, link: str | None = None
) -> Clause:
    """Where a caller's filter reaches into a related collection: only the rows it may read
    there, by fields it may read (else FORBIDDEN, as for its own collection's fields).
    Through an o2m, `link` is the target's column pointing back: only rows whose link the
    caller is shown count (a user whose `role` is hidden is no member of any role).
    Trusted filters (no scope) and admins reach every row."""
    scope = variables.scope
    if scope is None or scope.is_admin:
        return true()
    names = list(referenced_fields(node))
    scope.require_readable(target, names)
    rows = scope.visible_rows(target.name, names)
    trusted = replace(variables, scope=None, masks={})
    clause = _node(target, rows or {}, trusted)
    if link is None:
        return clause
    given, shown = scope.field_rows(target.name, link)
    if not given:
        return false()
    return and_(clause, _node(target, shown or {}, trusted))


def _node(collection: Collection, node: Any, variables: FilterVariables) -> Clause:
    if not isinstance(node, Mapping):
        raise _invalid("A filter must be an object")
    clauses: list[Clause] = []
    for key, value in node.items():
        if key in LOGICAL:
            if not isinstance(value, list):
                raise _invalid(f'"{key}" takes a list of filters')
            parts = [_node(collection, item, variables) for item in value]
            if parts:
                clauses.append(and_(*parts) if key == "_and" else or_(*parts))
        elif key in collection.relations:
            clauses.append(_relation(collection, key, value, variables))
        elif key in collection.fields:
            column = field_column(collection, key, variables)
            clauses.append(_operators(column, collection.fields[key], key, value, variables))
        elif key.endswith("_func"):
            clauses.append(_function(collection, key[: -len("_func")], value, variables))
        else:
            raise ForbiddenError.field(key, collection.name)
    return and_(true(), *clauses)


def linked_to(
    collection: Collection,
    column: str,
    parent: Collection,
    parent_rows: Mapping[str, Any],
    variables: FilterVariables,
) -> Clause:
    """Rows of `collection` whose `column` points at a row of `parent` that `parent_rows`
    (a trusted filter: a permission's) admits."""
    rows = _node(parent, parent_rows, replace(variables, scope=None, masks={}))
    return collection.column(column).in_(select(parent.column("id")).where(rows))


def filter_clause(
    collection: Collection,
    node: Mapping[str, Any] | None,
    variables: FilterVariables,
    *,
    scope: Access | None = None,
) -> Clause:
    """The WHERE clause for a Directus filter; an empty or missing filter matches all.

    A caller's own filter passes its `scope`; permission rules and validation do not."""
    if not node:
        return true()
    if scope is None:
        return _node(collection, node, replace(variables, scope=None, masks={}))
    return _node(collection, node, replace(variables, scope=scope))
