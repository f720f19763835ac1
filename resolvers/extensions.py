"""Limits on hostile documents, built once per app so the validation cache keeps hitting.

- a sensitive mutation at most once per operation (aliases and fragments counted);
- at most GRAPHQL_QUERY_TOKEN_LIMIT tokens, MAX_RELATIONAL_DEPTH levels and
  GRAPHQL_MAX_ALIASES aliases;
- no introspection when GRAPHQL_INTROSPECTION is false.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from graphql import (
    FieldNode,
    FragmentSpreadNode,
    GraphQLError,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionNode,
    ValidationRule,
)
from graphql.validation import (
    ASTValidationRule,
    NoSchemaIntrospectionCustomRule,
)
from strawberry.extensions import (
    AddValidationRules,
    MaxTokensLimiter,
    ParserCache,
    SchemaExtension,
)
from strawberry.extensions.max_aliases import create_validator as aliases_validator
from strawberry.extensions.query_depth_limiter import create_validator as depth_validator

from resolvers.errors import CodedErrors
from resolvers.validation import ShapeValidationCache, ShapeValidator

SENSITIVE_MUTATIONS = frozenset(
    {
        "auth_login",
        "auth_refresh",
        "auth_password_request",
        "auth_password_reset",
        "users_register",
        "users_register_verify",
        "users_invite_accept",
        "users_me_tfa_generate",
        "users_me_tfa_enable",
        "users_me_tfa_disable",
    }
)
_FRAGMENT_NESTING = 16


class SensitiveOnceRule(ValidationRule):
    """Twenty aliased auth_login in one document would be twenty password guesses."""

    def enter_operation_definition(self, node: OperationDefinitionNode, *_: Any) -> None:
        counts: Counter[str] = Counter()
        self._count(node.selection_set.selections, counts, 0)
        for name, count in sorted(counts.items()):
            if count > 1:
                self.report_error(GraphQLError(f'"{name}" can only be used once per request', node))

    def _count(self, selections: Iterable[SelectionNode], counts: Counter[str], depth: int) -> None:
        if depth > _FRAGMENT_NESTING:
            return  # a fragment cycle; NoFragmentCycles reports it
        for selection in selections:
            if isinstance(selection, FieldNode):
                if selection.name.value in SENSITIVE_MUTATIONS:
                    counts[selection.name.value] += 1
            elif isinstance(selection, InlineFragmentNode):
                self._count(selection.selection_set.selections, counts, depth + 1)
            elif isinstance(selection, FragmentSpreadNode):
                fragment = self.context.get_fragment(selection.name.value)
                if fragment is not None:
                    self._count(fragment.selection_set.selections, counts, depth + 1)


class OperationLabel(SchemaExtension):
    """Names the operation for the request log: its name, else its root fields."""

    def on_execute(self) -> Iterator[None]:
        context = self.execution_context
        label = context.operation_name
        if label is None and context.graphql_document is not None:
            operation = next(
                (
                    definition
                    for definition in context.graphql_document.definitions
                    if isinstance(definition, OperationDefinitionNode)
                ),
                None,
            )
            if operation is not None:
                label = ",".join(
                    selection.name.value
                    for selection in operation.selection_set.selections
                    if isinstance(selection, FieldNode)
                )
        request = getattr(context.context, "request", None)
        if request is not None and label:
            request.state.graphql_operation = label[:200]
        yield


@dataclass(frozen=True)
class DocumentLimits:
    token_limit: int = 5000
    max_depth: int = 10
    max_aliases: int = 50
    introspection: bool = True


def extension_factories(limits: DocumentLimits) -> list[Callable[[], SchemaExtension]]:
    """Factories for the schema; every rule class is made here once, not per request."""
    rules: list[type[ASTValidationRule]] = [
        SensitiveOnceRule,
        depth_validator(limits.max_depth, None),
        aliases_validator(limits.max_aliases),
    ]
    if not limits.introspection:
        rules.append(NoSchemaIntrospectionCustomRule)

    def tokens() -> SchemaExtension:
        return MaxTokensLimiter(max_token_count=limits.token_limit)

    def parser_cache() -> SchemaExtension:
        # The LRU lives at module level, keyed by maxsize: shared by every request.
        return ParserCache(maxsize=1024)

    def validation_rules() -> SchemaExtension:
        return AddValidationRules(list(rules))

    # Our rules read no literal value, so documents of one shape share their verdict.
    validator = ShapeValidator(literal_free_rules=rules, maxsize=1024)

    def validation_cache() -> SchemaExtension:
        return ShapeValidationCache(validator)

    return [tokens, parser_cache, validation_rules, validation_cache, OperationLabel, CodedErrors]
