"""Reading a collection on behalf of an accountability: permissions, filters, windows."""

from __future__ import annotations

from collections.abc import Collection as Names
from collections.abc import Sequence
from typing import Any

from app.collections import COLLECTIONS
from app.db.query.filters import field_column, linked_to
from app.db.query.item_query import (
    ItemQuery,
    all_of,
    check_field_list,
    check_query,
    group_ordering,
    order_by,
    where_clause,
    window,
)
from app.db.query.values import FilterVariables
from app.errors import (
    ForbiddenError,
    InvalidQueryError,
)
from app.permissions.access import Access
from app.permissions.concealed import require_comparable
from app.repositories import items as items_repo
from app.services.aggregates import aggregate_answers
from app.services.item_rules import touched_fields
from app.services.item_writes import M, RowGrants
from app.services.value_reads import ValueReads

__all__ = ["ItemReader", "M", "RowGrants", "touched_fields"]


class ItemReader(ValueReads[M]):
    """Reads of one collection; subclasses add that collection's write rules."""

    async def read_many(self, access: Access, query: ItemQuery, fields: Names[str]) -> list[M]:
        where, order, span, masks = self._planned(access, query, fields)
        async with self._db.read() as session:
            return await items_repo.select_rows(
                session, self.model, where, order, span.limit, span.offset, masks
            )

    async def counts(
        self, access: Access, query: ItemQuery, fields: Names[str], wanted: Names[str]
    ) -> dict[str, int]:
        """REST's meta: `total_count` and/or `filter_count` (as `wanted`), counted over the
        rows a read of `fields` may return (the same grants), without and with `query`."""
        counts: dict[str, int] = {}
        async with self._db.read() as session:
            if "total_count" in wanted:
                rule = self.read_rule(access, fields)
                variables = self.masked_variables(access, rule)
                total = where_clause(self.collection, ItemQuery(), rule, variables, access)
                counts["total_count"] = await items_repo.count_where(
                    session, self.collection, total
                )
            if "filter_count" in wanted:
                rule = self.read_rule(access, fields, query)
                variables = self.masked_variables(access, rule)
                filtered = where_clause(self.collection, query, rule, variables, access)
                counts["filter_count"] = await items_repo.count_where(
                    session, self.collection, filtered
                )
        return counts

    async def read_ids(self, access: Access, ids: Sequence[str], fields: Names[str]) -> list[M]:
        """The readable rows among `ids`, in the order given."""
        if not ids:
            return []
        rule = self.read_rule(access, fields)
        masks = self.selected_masks(self.masked_variables(access, rule))
        where = self.shown_where(access, rule)
        async with self._db.read() as session:
            rows = await items_repo.select_ids(
                session, self.collection, self.model, ids, where, masks
            )
        by_id = {str(getattr(row, "id")): row for row in rows}  # noqa: B009
        return [by_id[item_id] for item_id in ids if item_id in by_id]

    async def read_one(self, access: Access, item_id: str, fields: Names[str]) -> M:
        """Unknown and forbidden look the same: FORBIDDEN."""
        rows = await self.read_ids(access, [item_id], fields)
        if not rows:
            raise ForbiddenError()
        return rows[0]

    async def read_related(
        self,
        access: Access,
        column: str,
        parent_ids: Sequence[str],
        query: ItemQuery,
        fields: Names[str],
        via: tuple[str, str] | None = None,
    ) -> dict[str, list[M]]:
        """Rows whose `column` points at each parent, windowed per parent in one query.
        `via` (parent collection, o2m field): a parent not showing that field to the caller
        has no rows."""
        check_query(query, self._settings)
        rule = self.read_rule(access, {*fields, column}, query)
        variables = self.masked_variables(access, rule)
        where = where_clause(self.collection, query, rule, variables, access)
        where = all_of(where, *self._link_shown(access, variables, column, via))
        span = window(query, self._settings)
        ordering = order_by(self.collection, query, variables, access)
        async with self._db.read() as session:
            rows = await items_repo.select_related(
                session,
                self.collection,
                self.model,
                column,
                parent_ids,
                where,
                ordering,
                span.limit,
                span.offset,
                self.selected_masks(variables),
            )
        grouped: dict[str, list[M]] = {parent: [] for parent in parent_ids}
        for row in rows:
            grouped.setdefault(str(getattr(row, column)), []).append(row)
        return grouped

    async def count_related(
        self,
        access: Access,
        column: str,
        parent_ids: Sequence[str],
        via: tuple[str, str] | None = None,
    ) -> dict[str, int]:
        rule = self.read_rule(access, [column])
        variables = self.masked_variables(access, rule)
        where = all_of(
            self.shown_where(access, rule), *self._link_shown(access, variables, column, via)
        )
        async with self._db.read() as session:
            counts = await items_repo.count_related(
                session, self.collection, column, parent_ids, where
            )
        return {parent: counts.get(parent, 0) for parent in parent_ids}

    def _link_shown(
        self,
        access: Access,
        variables: FilterVariables,
        column: str,
        via: tuple[str, str] | None,
    ) -> list[Any]:
        """Per item, both ends of an o2m: the row shows its link `column`, and the parent
        (`via`: its collection and o2m field) shows that field. No mask: nothing to add."""
        clauses: list[Any] = []
        shown = variables.masks.get(column)
        if shown is not None:
            clauses.append(shown)
        parent = None if via is None else COLLECTIONS.get(via[0])
        if via is not None and parent is not None and via[1] in parent.relations:
            rule = access.require_fields(parent.name, "read", [via[1]])
            rows = rule.masks.get(via[1])
            if rows is not None:
                plain = self.variables(access)
                clauses.append(linked_to(self.collection, column, parent, rows, plain))
        return clauses

    async def readable_by_ids(
        self, access: Access, ids: Sequence[str], fields: Names[str]
    ) -> list[M | None]:
        """For DataLoaders: each id's row if the caller may read `fields` of it, else None."""
        try:
            rule = self.read_rule(access, fields)
        except ForbiddenError:
            return [None for _ in ids]
        masks = self.selected_masks(self.masked_variables(access, rule))
        where = self.shown_where(access, rule)
        wanted = list(set(ids))
        async with self._db.read() as session:
            rows = await items_repo.select_ids(
                session, self.collection, self.model, wanted, where, masks
            )
        by_id = {str(getattr(row, "id")): row for row in rows}  # noqa: B009
        return [by_id.get(item_id) for item_id in ids]

    async def aggregate(
        self,
        access: Access,
        query: ItemQuery,
        group_by: Sequence[str],
        count: Sequence[str],
        count_distinct: Sequence[str],
    ) -> list[dict[str, Any]]:
        """countAll, count and countDistinct per group, computed by the database."""
        check_query(query, self._settings)
        group_by = check_field_list(group_by, '"groupBy"')
        count = check_field_list(count, '"count"')
        count_distinct = check_field_list(count_distinct, '"countDistinct"')
        for name in (*group_by, *count, *count_distinct):
            if name not in self.collection.fields:
                raise InvalidQueryError(f'Field "{name}" does not exist')
        rule = self.read_rule(access, {*group_by, *count, *count_distinct}, query)
        require_comparable(self.collection, group_by, "grouped by")
        require_comparable(self.collection, count_distinct, "counted distinctly")
        sorted_by = {term.removeprefix("-") for term in query.sort or []}
        if not sorted_by <= set(group_by):
            raise InvalidQueryError("Aggregates can only be sorted by grouped fields")
        variables = self.masked_variables(access, rule)
        where = where_clause(self.collection, query, rule, variables, access)
        span = window(query, self._settings)
        # The last ordering term is the id, which grouped rows no longer have.
        ordering = order_by(self.collection, query, variables, access)[:-1] if group_by else []
        if group_by and variables.masks:
            # By the groups' labels: a masked group is a CASE, which PostgreSQL would not
            # match to the GROUP BY's own copy of it.
            ordering = group_ordering(query.sort)
        async with self._db.read() as session:
            rows = await items_repo.aggregate(
                session,
                self.collection,
                where,
                group_by,
                count,
                count_distinct,
                ordering,
                span.limit,
                span.offset,
                lambda name: field_column(self.collection, name, variables),
            )
        return aggregate_answers(rows, group_by, count, count_distinct)
