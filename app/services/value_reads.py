"""Reads as plain values (no ORM objects): the GraphQL lists' and reads by id, with the
related rows read alongside, and an admin's statements kept (app/services/read_plans.py)."""

from __future__ import annotations

from collections.abc import Collection as Names
from collections.abc import Mapping, Sequence
from functools import cached_property
from typing import Any

from app.db.loaded import Values
from app.db.query.item_query import (
    ItemQuery,
    check_query,
)
from app.errors import (
    DirectusError,
    ForbiddenError,
)
from app.permissions.access import Access, Rule
from app.repositories import items as items_repo
from app.services.alongside import (
    Alongside,
    AlongsideRows,
    added_columns,
    alongside_rows,
    plan_alongside,
)
from app.services.item_rules import ItemRules
from app.services.item_writes import M
from app.services.read_plans import (
    PLACEHOLDER_MARK,
    UNBOUND,
    Built,
    ReadPlans,
    Shape,
    Unbound,
    alongside_key,
    keeps_plans,
    plan_key,
    query_key,
    shaped,
)

__all__ = ["ValueReads"]


class ValueReads(ItemRules[M]):
    """A collection's reads as values; ItemReader adds the rest."""

    async def read_many_values(
        self,
        access: Access,
        query: ItemQuery,
        fields: Names[str],
        alongside: Sequence[Alongside] = (),
    ) -> tuple[list[Values], AlongsideRows]:
        """`read_many`, the same rows with the same masks, as the values of the id and the
        stored `fields` only (the GraphQL lists build their objects from values); with the
        related rows of each `alongside`, as `readable_values_by_ids` would read them. An
        admin's statement is kept (app/services/read_plans.py)."""
        keys = self.value_keys(fields)
        (statement, plans), parameters = self._many_statement(
            access, query, fields, keys, alongside
        )
        rows, extras = await self._db.run_reads(
            lambda connection: items_repo.run_values(connection, statement, parameters)
        )
        return rows, alongside_rows(alongside, plans, rows, extras)

    def _many_statement(
        self,
        access: Access,
        query: ItemQuery,
        fields: Names[str],
        keys: list[str],
        alongside: Sequence[Alongside],
    ) -> tuple[Built, Mapping[str, str] | None]:
        """A list read's statement and the parameters it runs with: an admin's kept one,
        bound to this query's strings (or kept for the query whole where its shape binds
        none); built anew for anyone else."""
        shape = shaped(query) if keeps_plans(access) else None
        if shape is None:
            return self._built(access, query, fields, keys, alongside), None
        related = (*keys, *alongside_key(alongside))
        key = plan_key(access, "shape", (shape.text, *related))
        kept = self._plans.get(key)
        if kept is None:
            built = self._built(access, query, fields, keys, alongside)  # its errors first
            bound = self._bound(access, shape, fields, keys, alongside) if shape.values else built
            if bound is None:
                self._plans.keep(key, UNBOUND)
            else:  # a bound statement keeps the one it was cloned from alive
                weight = items_repo.statement_weight(bound[0]) * (2 if shape.values else 1)
                self._plans.keep(key, bound, weight)
            return built, None
        if not isinstance(kept, Unbound):
            check_query(query, self._settings)  # this request's strings, within the limits
            return kept, shape.values
        text = query_key(query)
        whole = None if text is None else plan_key(access, "whole", (text, *related))
        built_whole = self._plans.get(whole)
        if not isinstance(built_whole, tuple):
            built_whole = self._built(access, query, fields, keys, alongside)
            self._plans.keep(whole, built_whole, items_repo.statement_weight(built_whole[0]))
        return built_whole, None

    def _built(
        self,
        access: Access,
        query: ItemQuery,
        fields: Names[str],
        keys: list[str],
        alongside: Sequence[Alongside],
    ) -> Built:
        where, order, span, masks = self._planned(access, query, fields)
        plans = plan_alongside(access, self.model, alongside, span.limit)
        statement = items_repo.values_statement(
            self.model, keys, where, order, span.limit, span.offset, masks, added_columns(plans)
        )
        return statement, plans

    def _bound(
        self,
        access: Access,
        shape: Shape,
        fields: Names[str],
        keys: list[str],
        alongside: Sequence[Alongside],
    ) -> Built | None:
        """The shape's statement with its placeholders bound, or None where it has none."""
        try:
            statement, plans = self._built(access, shape.query, fields, keys, alongside)
        except DirectusError:  # a placeholder the engine refuses: the value is not passed on
            return None
        bound = items_repo.bound_strings(statement, shape.placeholders, PLACEHOLDER_MARK)
        return None if bound is None else (bound, plans)

    @cached_property
    def _plans(self) -> ReadPlans[Built | Unbound]:
        return ReadPlans()

    async def readable_values_by_ids(
        self, access: Access, ids: Sequence[str], fields: Names[str]
    ) -> list[Values | None]:
        """`readable_by_ids`, the same rows with the same masks, as `Values` of the id and
        the stored `fields`."""
        try:
            rule = self.read_rule(access, fields)
        except ForbiddenError:
            return [None for _ in ids]
        rows, _ = await self._values_among(access, rule, list(set(ids)), fields)
        by_id = {str(row["id"]): row for row in rows}
        return [by_id.get(item_id) for item_id in ids]

    async def read_one_values(
        self, access: Access, item_id: str, fields: Names[str], alongside: Sequence[Alongside] = ()
    ) -> tuple[Values, AlongsideRows]:
        """`read_one` as `Values` of the id and the stored `fields`: FORBIDDEN alike; with
        the related rows of each `alongside` (see `read_many_values`). The id is bound when
        the statement runs, so an admin's statement serves every id."""
        rule = self.read_rule(access, fields)
        keys = self.value_keys(fields)
        key = plan_key(access, "one", (*keys, *alongside_key(alongside)))
        kept = self._plans.get(key)
        if not isinstance(kept, tuple):
            masks = self.selected_masks(self.masked_variables(access, rule))
            among = items_repo.among_one_id(self.collection, self.shown_where(access, rule))
            plans = plan_alongside(access, self.model, alongside, 1)
            statement = items_repo.values_statement(
                self.model, keys, among, [], None, 0, masks, added_columns(plans)
            )
            kept = (statement, plans)
            self._plans.keep(key, kept, items_repo.statement_weight(statement))
        statement, plans = kept
        wanted = items_repo.keys(self.collection, [item_id])
        if not wanted:
            raise ForbiddenError()
        parameters = {items_repo.ONE_ID: wanted[0]}
        rows, extras = await self._db.run_reads(
            lambda connection: items_repo.run_values(connection, statement, parameters)
        )
        # By its id as shown, as read_ids finds it: a row whose id is masked is not found.
        found = next(
            (pair for pair in zip(rows, extras, strict=True) if str(pair[0]["id"]) == item_id),
            None,
        )
        if found is None:
            raise ForbiddenError()
        row, more = found
        return row, alongside_rows(alongside, plans, [row], [more])

    async def _values_among(
        self, access: Access, rule: Rule, ids: Sequence[str], fields: Names[str]
    ) -> tuple[list[Values], list[tuple[Any, ...]]]:
        """The rows among `ids` the rule shows, as values, masked as `read_ids` masks them."""
        masks = self.selected_masks(self.masked_variables(access, rule))
        among = items_repo.among_ids(self.collection, ids, self.shown_where(access, rule))
        statement = items_repo.values_statement(
            self.model, self.value_keys(fields), among, [], None, 0, masks
        )
        return await self._db.run_reads(
            lambda connection: items_repo.run_values(connection, statement)
        )
