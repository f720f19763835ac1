"""The executor every operation runs with: Strawberry's, without one reference cycle.

graphql-core's executor keeps `async_helpers` (handed to resolvers through `info`) as
bound methods of itself: a cycle per operation. Through `context_value` the cycle holds
the whole request — the caller's rows, permissions, loaders, the request itself — until
the cyclic collector happens to run, which then has ~125 objects per request to trace
(measured on `users_me`; a tenth of the request's CPU under load went to collections).
Helpers that reach the executor through a weak reference leave no cycle: a request's
objects go as soon as it is answered.

It also answers plain leaf fields itself and calls resolvers with no arguments or raw ones
(resolvers/engine/leaf_fields.py), and completes an object value straight to its fields: the
same values as graphql-core's per-field path, at a fraction of its cost, when no extension
wraps the resolvers (with tracing on, every field goes through graphql-core and gets its
span).
"""

from __future__ import annotations

import weakref
from collections.abc import Awaitable, Iterable, Sequence
from typing import Any, cast

from graphql import (
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLOutputType,
    GraphQLResolveInfo,
    Undefined,
)
from graphql.execution.collect_fields import FieldDetailsList, GroupedFieldSet
from graphql.execution.executor import to_nodes
from graphql.execution.values import get_argument_values
from graphql.pyutils import AwaitableOrValue, Path, gather_with_cancel
from graphql.type.definition import GraphQLResolveInfoHelpers
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext

from resolvers.engine.leaf_fields import (
    ASK_GRAPHQL_CORE,
    Call,
    Leaf,
    LeafPlan,
    leaf_value,
    plan_of,
)


class AcyclicExecutionContext(StrawberryGraphQLCoreExecutionContext):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        executor = weakref.ref(self)

        def gather(values: Sequence[Awaitable[Any]]) -> Awaitable[list[Any]]:
            return gather_with_cancel(*values)  # what the executor's own method does

        def track(values: Sequence[Any]) -> None:
            alive = executor()
            if alive is not None:  # it is, while any of its resolvers runs
                alive.track_async_work(values)

        self.async_helpers = GraphQLResolveInfoHelpers(gather=gather, track=track)

        manager = self.middleware_manager
        # Wrapped resolvers (tracing) must each be called: no field is answered directly.
        self._direct = manager is None or manager._middleware_resolvers is None
        # Keyed by the grouped field set's id, which graphql-core keeps alive (memoized)
        # for the whole operation; the set itself is kept too, so its id is never reused.
        self._plans: dict[int, tuple[GroupedFieldSet, GraphQLObjectType, LeafPlan | None]] = {}
        self._object_types: dict[int, tuple[GraphQLOutputType, GraphQLObjectType | None]] = {}
        # A Call marked `answers_by`: its completed answer per (response key's details, value
        # of the attribute), with the details (so that their id is not reused) and the
        # caller it was completed for. Nothing changes a completed value in place; each
        # reuse is a copy all the same.
        self._answers: dict[tuple[int, Any], tuple[FieldDetailsList, Any, Any]] = {}

    def build_per_event_executor(self, payload: Any) -> AcyclicExecutionContext:
        """graphql-core's copy for one subscription event, with answers of its own: an
        answer belongs to one event (its caller's permissions then, its rows then)."""
        executor = cast("AcyclicExecutionContext", super().build_per_event_executor(payload))
        executor._answers = {}
        return executor

    def _plan(self, parent_type: GraphQLObjectType, fields: GroupedFieldSet) -> LeafPlan | None:
        cached = self._plans.get(id(fields))
        if cached is None or cached[0] is not fields or cached[1] is not parent_type:
            plan: LeafPlan | None = plan_of(parent_type, fields)
            if plan is not None and all(leaf is None for _, _, leaf in plan):
                plan = None
            cached = (fields, parent_type, plan)
            self._plans[id(fields)] = cached
        return cached[2]

    def execute_fields(
        self,
        parent_type: GraphQLObjectType,
        source_value: Any,
        path: Path | None,
        grouped_field_set: GroupedFieldSet,
        position_context: Any,
    ) -> AwaitableOrValue[dict[str, Any]]:
        """graphql-core's execute_fields, with plain leaf fields read directly."""
        plan = (
            self._plan(parent_type, grouped_field_set)
            if self._direct and position_context is None
            else None
        )
        if plan is None:
            return super().execute_fields(
                parent_type, source_value, path, grouped_field_set, position_context
            )
        results: dict[str, Any] = {}
        is_awaitable = self.is_awaitable
        awaitable_fields: list[str] = []
        try:
            for response_name, details, direct in plan:
                if isinstance(direct, Leaf):
                    value = leaf_value(direct, source_value, is_awaitable)
                    if value is not ASK_GRAPHQL_CORE:
                        results[response_name] = value
                        continue
                field_path = Path(path, response_name, parent_type.name)
                if isinstance(direct, Call):
                    result = self._answer_of(parent_type, source_value, details, field_path, direct)
                else:
                    result = self.execute_field(
                        parent_type, source_value, details, field_path, None
                    )
                if result is not Undefined:
                    results[response_name] = result
                    if is_awaitable(result):
                        awaitable_fields.append(response_name)
        except Exception:
            if awaitable_fields:
                self.settle_in_background([results[name] for name in awaitable_fields])
            raise
        if not awaitable_fields:
            return results
        return _gathered(results, awaitable_fields)

    def complete_value(
        self,
        return_type: GraphQLOutputType,
        field_details_list: FieldDetailsList,
        info: GraphQLResolveInfo[Any],
        path: Path,
        result: Any,
        position_context: Any,
    ) -> AwaitableOrValue[Any]:
        """graphql-core's complete_value; an object (a list's item, a user's role) of a type
        with no is_type_of, with nothing deferred under it, goes straight to its fields:
        what graphql-core's dozen calls per object end in (a nullable or non-null object
        type; a null, an error or anything else takes graphql-core's own way)."""
        if (
            self._direct
            and position_context is None
            and result is not None
            and result is not Undefined
        ):
            object_type = self._object_type(return_type)
            if object_type is not None and not isinstance(result, Exception):
                fields, deferred, _ = self.collect_subfields(object_type, field_details_list)
                if not deferred:
                    return self.execute_fields(object_type, result, path, fields, None)
        return super().complete_value(
            return_type, field_details_list, info, path, result, position_context
        )

    def complete_iterable_value(
        self,
        item_type: GraphQLOutputType,
        field_details_list: FieldDetailsList,
        info: GraphQLResolveInfo[Any],
        path: Path,
        items: Iterable[Any],
        position_context: Any,
    ) -> AwaitableOrValue[list[Any]]:
        """graphql-core's complete_iterable_value; for a list (not streamed) of objects of a
        type `complete_value` takes straight to its fields, each object goes there at once:
        the subfields are collected once for the list, not once per item. A null, an error
        or an awaitable item takes graphql-core's own way, as does anything else."""
        object_type = (
            self._object_type(item_type)
            if self._direct and position_context is None and type(items) is list
            else None
        )
        if object_type is None or self.get_stream_usage(field_details_list, path) is not None:
            return super().complete_iterable_value(
                item_type, field_details_list, info, path, items, position_context
            )
        fields, deferred, _ = self.collect_subfields(object_type, field_details_list)
        if deferred:
            return super().complete_iterable_value(
                item_type, field_details_list, info, path, items, position_context
            )
        is_awaitable = self.is_awaitable
        completed: list[Any] = []
        awaitable_indices: list[int] = []
        try:
            for index, item in enumerate(items):
                item_path = path.add_key(index, None)
                if item is None or item is Undefined or isinstance(item, Exception):
                    if self.complete_list_item_value(
                        item, completed, item_type, field_details_list, info, item_path, None
                    ):
                        awaitable_indices.append(index)
                    continue
                if is_awaitable(item):
                    completed.append(
                        self.complete_awaitable_list_item_value(
                            item, item_type, field_details_list, info, item_path, None
                        )
                    )
                    awaitable_indices.append(index)
                    continue
                try:
                    value = self.execute_fields(object_type, item, item_path, fields, None)
                except Exception as raw_error:
                    self.handle_field_error(raw_error, item_type, field_details_list, item_path)
                    value = None
                if is_awaitable(value):
                    value = self._settled(value, item_type, field_details_list, item_path)
                    awaitable_indices.append(index)
                completed.append(value)
        except Exception:
            pending = [completed[index] for index in awaitable_indices]
            if pending:
                self.settle_in_background(pending)
            raise
        if not awaitable_indices:
            return completed
        return _gathered_items(completed, awaitable_indices)

    def _object_type(self, return_type: GraphQLOutputType) -> GraphQLObjectType | None:
        """The object type `return_type` is (or wraps in non-null), if it has no is_type_of."""
        known = self._object_types.get(id(return_type))
        if known is not None and known[0] is return_type:
            return known[1]
        named = return_type.of_type if isinstance(return_type, GraphQLNonNull) else return_type
        plain = named if isinstance(named, GraphQLObjectType) and named.is_type_of is None else None
        self._object_types[id(return_type)] = (return_type, plain)
        return plain

    def _answer_of(
        self,
        parent_type: GraphQLObjectType,
        source: Any,
        details: FieldDetailsList,
        path: Path,
        call: Call,
    ) -> Any:
        """`_execute_call`; for a Call marked `answers_by`, the answer already completed for
        another row with the same value of its attribute, for the same caller, if that one
        came at once and without error (a copy: no two rows share an object of the
        response). A socket's caller may change mid-operation: an answer is reused only for
        the caller it was completed for."""
        if call.by is None:
            return self._execute_call(parent_type, source, details, path, call)
        caller = getattr(self.context_value, "known_access", None)
        try:
            key = (id(details), getattr(source, call.by)) if caller is not None else None
            known = None if key is None else self._answers.get(key)
        except Exception:  # an attribute missing or unhashable: answered as any Call
            key = known = None
        if known is not None and known[0] is details and known[1] is caller:
            return _copied(known[2])
        errors = len(self.collected_errors.errors)
        result = self._execute_call(parent_type, source, details, path, call)
        if (
            key is not None
            and result is not Undefined
            and not self.is_awaitable(result)
            and len(self.collected_errors.errors) == errors
            and not self.collected_errors.has_nulled_position(path)
        ):
            self._answers[key] = (details, caller, result)
        return result

    def _execute_call(
        self,
        parent_type: GraphQLObjectType,
        source: Any,
        details: FieldDetailsList,
        path: Path,
        call: Call,
    ) -> Any:
        """graphql-core's execute_field for a field asked for without arguments, or one whose
        resolver takes raw arguments, with no middleware: its resolver called as Strawberry
        would (`Call`; raw: with the arguments graphql-core coerced), then completed and its
        errors (an argument refused included) handled by graphql-core as for any field."""
        field_def = parent_type.fields[details[0].node.name.value]
        return_type = field_def.type
        info = self.build_resolve_info(field_def, to_nodes(details), parent_type, path)
        try:
            arguments = (
                get_argument_values(
                    field_def, details[0].node, self.variable_values, None, self.hide_suggestions
                )
                if call.raw
                else {}
            )
            result = call(source, info, **arguments)
            if self.is_awaitable(result):
                return self.complete_awaitable_value(return_type, details, info, path, result, None)
            completed = self.complete_value(return_type, details, info, path, result, None)
            if self.is_awaitable(completed):
                return self._settled(completed, return_type, details, path)
        except Exception as raw_error:
            self.handle_field_error(raw_error, return_type, details, path)
            return None
        return completed

    async def _settled(
        self,
        completed: Awaitable[Any],
        return_type: GraphQLOutputType,
        details: FieldDetailsList,
        path: Path,
    ) -> Any:
        try:
            return await completed
        except Exception as raw_error:
            self.handle_field_error(raw_error, return_type, details, path)
            return None


def _copied(value: Any) -> Any:
    """A completed value with its own dicts and lists (its leaves are immutable)."""
    if isinstance(value, dict):
        return {key: _copied(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_copied(item) for item in value]
    return value


async def _gathered_items(completed: list[Any], awaitable_indices: list[int]) -> list[Any]:
    """What graphql-core's complete_iterable_value returns when some items are awaitable."""
    awaited = await gather_with_cancel(*(completed[index] for index in awaitable_indices))
    for index, value in zip(awaitable_indices, awaited, strict=True):
        completed[index] = value
    return completed


async def _gathered(results: dict[str, Any], awaitable_fields: list[str]) -> dict[str, Any]:
    """What graphql-core's execute_fields returns when some fields are awaitable."""
    if len(awaitable_fields) == 1:
        name = awaitable_fields[0]
        results[name] = await results[name]
        return results
    awaited = await gather_with_cancel(*(results[name] for name in awaitable_fields))
    results.update(zip(awaitable_fields, awaited, strict=True))
    return results
