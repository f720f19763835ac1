"""Query arguments (filter, sort, limit, offset, page, search) checked and made into SQL."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from sqlalchemy import ColumnElement, and_, literal_column

from app.collections import Collection
from app.config import Settings
from app.db.query.filters import filter_clause, referenced_fields
from app.db.query.limits import FilterLimits, check_filter, check_text
from app.db.query.ordering import search_clause, sort_columns
from app.db.query.values import FilterVariables
from app.errors import ForbiddenError, InvalidQueryError
from app.permissions.access import Access, Rule

__all__ = [
    "ItemQuery",
    "Window",
    "all_of",
    "group_ordering",
    "masked",
    "order_by",
    "referenced_fields",
    "sort_fields",
    "where_clause",
    "window",
]


@dataclass(frozen=True)
class ItemQuery:
    filter: Mapping[str, Any] | None = None
    sort: Sequence[str] | None = None
    limit: int | None = None
    offset: int | None = None
    page: int | None = None
    search: str | None = None


# LIMIT and OFFSET are 64-bit integers in both databases.
_WINDOW_MAX = 2**63 - 1


def filter_limits(settings: Settings) -> FilterLimits:
    return FilterLimits(
        max_nodes=settings.filter_max_nodes,
        max_depth=settings.filter_max_depth,
        max_in=settings.filter_max_in,
        max_string_length=settings.filter_max_string_length,
    )


# Sort terms and grouped fields in one query: far more than any collection has fields, far
# fewer than the databases' own limits (SQLite's ORDER BY terms, PostgreSQL's 1664 columns).
MAX_QUERY_FIELDS = 100


def check_query(query: ItemQuery, settings: Settings) -> None:
    """The client's filter and search within FILTER_MAX_*: checked before any of it is
    translated, so an oversized filter costs a walk of at most the limits, not seconds."""
    limits = filter_limits(settings)
    check_filter(query.filter, limits)
    if query.search is not None:
        check_text(query.search, '"search"', limits)
    check_field_list(query.sort or (), '"sort"')


def check_field_list(names: Sequence[str], what: str) -> list[str]:
    """At most MAX_QUERY_FIELDS names (repeats counted: each is work); without repeats."""
    if len(names) > MAX_QUERY_FIELDS:
        raise InvalidQueryError(f"{what} may name at most {MAX_QUERY_FIELDS} fields")
    return list(dict.fromkeys(names))


@dataclass(frozen=True)
class Window:
    limit: int | None
    offset: int


def window(query: ItemQuery, settings: Settings) -> Window:
    """Directus's limit rules: default QUERY_LIMIT_DEFAULT, -1 for all, capped by the max."""
    limit = settings.query_limit_default if query.limit is None else query.limit
    if limit < -1:
        raise InvalidQueryError('"limit" has to be -1 or greater')
    if limit > _WINDOW_MAX:
        raise InvalidQueryError(f'"limit" has to be {_WINDOW_MAX} or less')
    maximum = settings.query_limit_max
    if limit == -1:
        resolved: int | None = None if maximum == -1 else maximum
    else:
        resolved = limit if maximum == -1 else min(limit, maximum)
    offset = query.offset or 0
    if offset < 0:
        raise InvalidQueryError('"offset" has to be 0 or greater')
    if offset > _WINDOW_MAX:
        raise InvalidQueryError(f'"offset" has to be {_WINDOW_MAX} or less')
    if query.page is not None:
        if query.page < 1:
            raise InvalidQueryError('"page" has to be 1 or greater')
        if resolved is not None:
            offset = (query.page - 1) * resolved
        if offset > _WINDOW_MAX:
            raise InvalidQueryError('"page" is out of range')
    return Window(limit=resolved, offset=offset)


def sort_fields(sort: Sequence[str] | None) -> Iterator[str]:
    for term in sort or []:
        yield term.removeprefix("-").partition(".")[0]


def masked(collection: Collection, rule: Rule, variables: FilterVariables) -> FilterVariables:
    """`variables` carrying the SQL of the rule's masks (app/permissions/field_rows.py):
    given to where_clause, order_by and the selects, so each of them sees a masked field
    as null on the rows it does not show on. No masks (the fast path): no change."""
    if not rule.masks:
        return variables
    plain = replace(variables, scope=None, masks={})
    return replace(
        variables,
        masks={name: filter_clause(collection, rows, plain) for name, rows in rule.masks.items()},
    )


def all_of(*clauses: ColumnElement[bool]) -> ColumnElement[bool]:
    """Every condition at once."""
    return and_(*clauses)


def group_ordering(sort: Sequence[str] | None) -> list[ColumnElement[Any]]:
    """ORDER BY the grouped fields' output names (each sort term already checked to be a
    grouped field, so a plain identifier)."""
    terms: list[ColumnElement[Any]] = []
    for term in sort or []:
        name: ColumnElement[Any] = literal_column(term.removeprefix("-"))
        terms.append(name.desc() if term.startswith("-") else name.asc())
    return terms


def where_clause(
    collection: Collection,
    query: ItemQuery,
    rule: Rule,
    variables: FilterVariables,
    access: Access,
) -> ColumnElement[bool]:
    """The caller's filter and search, within the rows the permission allows; its
    relational filters reach only what `access` may read in the related collection."""
    touched = [*referenced_fields(query.filter), *sort_fields(query.sort)]
    if not rule.allows_fields(touched):
        raise ForbiddenError()
    return and_(
        filter_clause(collection, query.filter, variables, scope=access),
        search_clause(collection, query.search, rule, variables),
        filter_clause(collection, rule.filter, variables),
    )


def order_by(
    collection: Collection, query: ItemQuery, variables: FilterVariables, access: Access
) -> list[ColumnElement[Any]]:
    """The caller's sort; through a relation, only as far as it may read there."""
    return sort_columns(collection, query.sort, replace(variables, scope=access))
