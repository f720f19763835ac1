"""What a read of a collection may see: its rule, masks and variables, its WHERE and window
(app.services.items.ItemReader reads with them)."""

from __future__ import annotations

from collections.abc import Collection as Names
from typing import Any

from app.collections import Collection
from app.db.loaded import column_keys
from app.db.query.filters import filter_clause
from app.db.query.item_query import (
    ItemQuery,
    Window,
    check_query,
    masked,
    order_by,
    referenced_fields,
    sort_fields,
    where_clause,
    window,
)
from app.db.query.values import FilterVariables
from app.permissions.access import Access, Rule
from app.services.item_writes import ItemBase, M

__all__ = ["ItemRules", "touched_fields"]


def touched_fields(fields: Names[str], query: ItemQuery | None) -> set[str]:
    """The fields a read selects, filters on and sorts by: each shows per item (masks)."""
    if query is None:
        return set(fields)
    return {*fields, *referenced_fields(query.filter), *sort_fields(query.sort)}


class ItemRules(ItemBase[M]):
    """A collection's read rules for one caller (the readers build on them)."""

    collection: Collection
    model: type[M]

    def read_rule(self, access: Access, fields: Names[str], query: ItemQuery | None = None) -> Rule:
        """The rows of every read grant, and the rows each field the read selects, filters
        or sorts by shows on (FORBIDDEN for a field no grant gives)."""
        touched = touched_fields(fields, query)
        if query is not None:
            queried = [*referenced_fields(query.filter), *sort_fields(query.sort)]
            access.require_readable(self.collection, queried)
            if query.search:  # searched: the readable text fields, each as it shows
                readable = access.readable_fields(self.collection.name)
                searched = self.collection.searchable
                touched |= {n for n in searched if readable is None or n in readable}
        return access.require_fields(self.collection.name, "read", touched)

    def masked_variables(self, access: Access, rule: Rule) -> FilterVariables:
        """This request's variables with the rule's masks in SQL (see item_query.masked)."""
        return masked(self.collection, rule, self.variables(access))

    def selected_masks(self, variables: FilterVariables) -> dict[str, Any]:
        """The masks of stored fields, nulled on the rows loaded."""
        return {n: m for n, m in variables.masks.items() if n in self.collection.fields}

    def shown_where(self, access: Access, rule: Rule) -> Any:
        """The rule's rows, for reads by id: the rows of every grant."""
        return filter_clause(self.collection, rule.filter, self.variables(access))

    def _planned(
        self, access: Access, query: ItemQuery, fields: Names[str]
    ) -> tuple[Any, list[Any], Window, dict[str, Any]]:
        """A list read's WHERE, ORDER BY, window and masks (FORBIDDEN, INVALID_QUERY first)."""
        check_query(query, self._settings)
        rule = self.read_rule(access, fields, query)
        variables = self.masked_variables(access, rule)
        where = where_clause(self.collection, query, rule, variables, access)
        order = order_by(self.collection, query, variables, access)
        return where, list(order), window(query, self._settings), self.selected_masks(variables)

    def value_keys(self, fields: Names[str]) -> list[str]:
        """The columns a read of `fields` as values selects: the id, then the stored ones."""
        columns = column_keys(self.model)
        return ["id", *sorted(name for name in fields if name in columns and name != "id")]
