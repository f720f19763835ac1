"""`search` and `sort` → SQL, next to the filter translator they complement."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import ColumnElement, false, or_, select, true

from app.collections import COLLECTIONS, Collection
from app.db.query.filters import Clause, field_column, readable_rows, within
from app.db.query.values import FilterVariables
from app.errors import ForbiddenError, InvalidQueryError
from app.permissions.access import Rule
from app.permissions.concealed import require_comparable


def search_clause(
    collection: Collection,
    search: str | None,
    rule: Rule,
    variables: FilterVariables | None = None,
) -> Clause:
    """Case-insensitive contains over the text fields the caller's `rule` may read (never
    concealed ones), as Directus: a search must not find a row by a field it cannot read,
    nor by a value the caller is not shown on that row (`variables.masks`)."""
    if not search:
        return true()
    names = [name for name in collection.searchable if rule.allows_fields([name])]
    if not names:
        return false()
    columns = [field_column(collection, name, variables) for name in names]
    return or_(*(column.icontains(search, autoescape=True) for column in columns))


def sort_columns(
    collection: Collection,
    sort: Sequence[str] | None,
    variables: FilterVariables | None = None,
) -> list[ColumnElement[Any]]:
    """["-email", "first_name", "role.name"] → ORDER BY terms; id last for a stable order.

    With a caller's `variables.scope`, a related field sorts only as far as the caller may
    read it: an unreadable field is FORBIDDEN, an unreadable related row sorts as null."""
    terms: list[ColumnElement[Any]] = []
    for raw in sort or []:
        descending = raw.startswith("-")
        path = raw[1:] if descending else raw
        head, _, rest = path.partition(".")
        if rest and head in collection.relations and not collection.relations[head].many:
            relation = collection.relations[head]
            target = COLLECTIONS[relation.target]
            if rest not in target.fields:
                raise ForbiddenError.field(rest.partition(".")[0], target.name)
            require_comparable(target, [rest], "sorted by")
            inside = None if variables is None else within(variables)
            readable = true() if inside is None else readable_rows(target, {rest: {}}, inside)
            local = field_column(collection, relation.column, variables)
            expression: ColumnElement[Any] = (
                select(target.column(rest))
                .where(target.column("id") == local, readable)
                .scalar_subquery()
            )
        elif not rest and path in collection.fields:
            require_comparable(collection, [path], "sorted by")
            expression = field_column(collection, path, variables)
        elif head in collection.fields or head in collection.relations:
            raise InvalidQueryError(f'Cannot sort by "{raw}"')
        else:
            raise ForbiddenError.field(head, collection.name)
        # The database's own null order (as Directus): it lets an index serve the sort.
        terms.append(expression.desc() if descending else expression.asc())
    terms.append(collection.column("id").asc())
    return terms
