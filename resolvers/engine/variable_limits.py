"""Filter limits on variables, before GraphQL coerces them.

Coercion turns each object of a typed filter into a Strawberry input instance: an
18,000-branch `_or` (740 kB) took 2.3 s of the event loop before the filter could even be
looked at, and four of them stalled every other request for seconds. So the raw JSON of
every variable typed as a filter (or a list of filters, or a field's operators) is
checked with the same limits first; the service checks the converted filter again, as it
does for literals, whose size GRAPHQL_QUERY_TOKEN_LIMIT already bounds. Lists of create
and update inputs are held to MAX_BATCH_MUTATION the same way.
"""

from __future__ import annotations

from typing import Any

from graphql import (
    DocumentNode,
    ListTypeNode,
    NonNullTypeNode,
    OperationDefinitionNode,
    TypeNode,
)

from app.db.query.limits import FilterLimits, check_filter
from app.errors import InvalidPayloadError

_FILTER_TYPES = ("_filter", "_filter_operators")


def _is_list(type_node: TypeNode) -> bool:
    if isinstance(type_node, NonNullTypeNode):
        type_node = type_node.type
    return isinstance(type_node, ListTypeNode)


def _named(type_node: TypeNode) -> str:
    while isinstance(type_node, NonNullTypeNode | ListTypeNode):
        type_node = type_node.type
    return str(type_node.name.value)  # type: ignore[attr-defined]


def _operation(document: DocumentNode, name: str | None) -> OperationDefinitionNode | None:
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    for operation in operations:
        if name is None or (operation.name is not None and operation.name.value == name):
            return operation
    return None


def check_filter_variables(
    document: DocumentNode | None,
    operation_name: str | None,
    variables: dict[str, Any] | None,
    limits: FilterLimits,
    max_batch: int,
) -> None:
    """Raises INVALID_QUERY for a filter variable past the limits, and INVALID_PAYLOAD for
    a list of create/update inputs longer than MAX_BATCH_MUTATION (the services' own
    rule, applied before 14,000 input objects cost a second to coerce)."""
    if document is None or not variables:
        return
    operation = _operation(document, operation_name)
    if operation is None:
        return
    for definition in operation.variable_definitions or ():
        named = _named(definition.type)
        value = variables.get(definition.variable.name.value)
        if named.endswith(_FILTER_TYPES):
            check_filter({"_or": value} if isinstance(value, list) else value, limits)
        elif (
            named.endswith("_input")
            and _is_list(definition.type)
            and isinstance(value, list)
            and len(value) > max_batch
        ):
            raise InvalidPayloadError(f"A batch may hold at most {max_batch} items")
