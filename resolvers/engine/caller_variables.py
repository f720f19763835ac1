"""A caller's variables coerced against the caller's schema, not only the full one.

Requests execute against the full schema (resolvers/engine/caller_schema.py), whose inputs have
every field; an app user's `update_directus_users_input` has only the fields it may write. So a
variable holding `{role: …}` would pass coercion and be refused later by the resolver as
FORBIDDEN, where Directus (whose execution schema is the caller's) answers 400
GRAPHQL_VALIDATION: "Field "role" is not defined by type …". Coercing once more against the
caller's schema gives Directus's answer, and tells nothing the caller's introspection does not.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from graphql import DocumentNode, GraphQLError, GraphQLSchema, get_operation_ast
from graphql.execution.values import get_variable_values

# As graphql-core's own execution: stop collecting after this many.
_MAX_ERRORS = 50


def variable_errors(
    schema: GraphQLSchema,
    document: DocumentNode,
    operation_name: str | None,
    variables: Mapping[str, Any] | None,
) -> list[GraphQLError]:
    operation = get_operation_ast(document, operation_name)
    if operation is None or not operation.variable_definitions:
        return []
    coerced = get_variable_values(
        schema, operation.variable_definitions, dict(variables or {}), max_errors=_MAX_ERRORS
    )
    return coerced if isinstance(coerced, list) else []
