"""Limits on hostile documents, built once per app so the validation cache keeps hitting.

- a GRAPHQL_SINGLE_USE_MUTATIONS mutation at most once per operation (aliases and
  fragments counted);
- at most GRAPHQL_QUERY_TOKEN_LIMIT tokens, MAX_RELATIONAL_DEPTH levels and
  GRAPHQL_MAX_ALIASES aliases;
- no introspection when GRAPHQL_INTROSPECTION is false.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import AsyncIterator, Callable, Iterable, Iterator
from dataclasses import dataclass, field
from inspect import isawaitable
from typing import Any, ClassVar

from cachetools import LRUCache
from graphql import (
    DocumentNode,
    ExecutionResult,
    FieldNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLSchema,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionNode,
    ValidationRule,
    execute,
    parse,
)
from graphql.validation import (
    ASTValidationRule,
    NoSchemaIntrospectionCustomRule,
)
from strawberry.extensions import SchemaExtension
from strawberry.extensions.max_aliases import create_validator as aliases_validator
from strawberry.extensions.query_depth_limiter import create_validator as depth_validator
from strawberry.types import ExecutionContext
from strawberry.types.execution import StreamExecutionResult

from app.config import SINGLE_USE_MUTATIONS
from app.db.query.limits import FilterLimits
from resolvers.context import Context
from resolvers.engine.caller_schema import caller_schemas, introspects, schema_key
from resolvers.engine.caller_variables import variable_errors
from resolvers.engine.errors import code_errors
from resolvers.engine.templates import DocumentTemplates, Literals, split_literals
from resolvers.engine.validation import ShapeValidator
from resolvers.engine.variable_limits import check_filter_variables

_FRAGMENT_NESTING = 16
MULTIPLE_OPERATIONS = "Must provide operation name if query contains multiple operations."


class SensitiveOnceRule(ValidationRule):
    """Twenty aliased auth_login in one document would be twenty password guesses.
    `single_use_rule` makes one for GRAPHQL_SINGLE_USE_MUTATIONS; this one has the default."""

    names: ClassVar[frozenset[str]] = frozenset(SINGLE_USE_MUTATIONS)

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
                if selection.name.value in self.names:
                    counts[selection.name.value] += 1
            elif isinstance(selection, InlineFragmentNode):
                self._count(selection.selection_set.selections, counts, depth + 1)
            elif isinstance(selection, FragmentSpreadNode):
                fragment = self.context.get_fragment(selection.name.value)
                if fragment is not None:
                    self._count(fragment.selection_set.selections, counts, depth + 1)


def single_use_rule(names: Iterable[str]) -> type[SensitiveOnceRule]:
    """The rule for these names: a class per app, made once, so validation caches hold."""
    chosen = frozenset(names)
    if chosen == SensitiveOnceRule.names:
        return SensitiveOnceRule
    return type("SingleUseRule", (SensitiveOnceRule,), {"names": chosen})


def _operation_unchosen(context: ExecutionContext, document: DocumentNode) -> list[GraphQLError]:
    """graphql-core's refusal of a document with several operations and no operationName
    (the GraphQL spec's GetOperation). Strawberry would run the first one instead, so a
    client that forgot the name would not learn which operation ran."""
    # Strawberry keeps the name the request gave apart from the one it would infer.
    if getattr(context, "_provided_operation_name", None) is not None:
        return []
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    return [GraphQLError(MULTIPLE_OPERATIONS)] if len(operations) > 1 else []


def _operation_label(context: ExecutionContext) -> str | None:
    """Names the operation for the request log: its name, else its root fields."""
    label = context.operation_name
    if label is None:
        label = ",".join(_root_fields(context)) or None
    return label


def _root_fields(context: ExecutionContext) -> list[str]:
    """The executed operation's root fields, in order, once each: names the schema bounds,
    so the metrics may use them as labels (a client's operation name is any text)."""
    if context.graphql_document is None:
        return []
    operations = [
        definition
        for definition in context.graphql_document.definitions
        if isinstance(definition, OperationDefinitionNode)
    ]
    operation = next(
        (
            candidate
            for candidate in operations
            if context.operation_name is None
            or (candidate.name is not None and candidate.name.value == context.operation_name)
        ),
        None,
    )
    if operation is None:
        return []
    names = (
        selection.name.value
        for selection in operation.selection_set.selections
        if isinstance(selection, FieldNode)
    )
    return list(dict.fromkeys(names))


Rules = tuple[type[ASTValidationRule], ...]


@dataclass(frozen=True)
class Documents:
    """The caches every request of one app shares: parsed texts, validation verdicts by
    shape, and templates for texts that differ only in literal values."""

    parsed: LRUCache[object, DocumentNode]
    validator: ShapeValidator
    templates: DocumentTemplates
    # Shapes (with their template key) that have a template for some caller's schema:
    # only those make parsing read the caller's access (see `_caller_template`).
    caller_shapes: LRUCache[object, bool] = field(default_factory=lambda: LRUCache(1024))


@dataclass(frozen=True)
class DocumentLimits:
    token_limit: int = 5000
    max_depth: int = 10
    max_aliases: int = 50
    introspection: bool = True
    filters: FilterLimits = field(default_factory=FilterLimits)
    max_batch: int = 100
    single_use: frozenset[str] = frozenset(SINGLE_USE_MUTATIONS)


class DocumentPipeline(SchemaExtension):
    """Every per-request step in one extension: the token limit, the parse cache, our
    validation rules and the shape-keyed validation cache, the operation's name for the
    request log, and coded errors.

    Strawberry builds each extension, and a context manager per hook, anew for every
    request: as six extensions (Strawberry's MaxTokensLimiter, ParserCache and
    AddValidationRules among them) they cost a third of `{ server_ping }`."""

    def __init__(
        self, token_limit: int, rules: Rules, documents: Documents, limits: DocumentLimits
    ) -> None:
        self.token_limit = token_limit
        self.limits = limits
        self.rules = rules
        self.documents = documents
        # Set while parsing, read while validating (an extension lives for one request).
        self._literals: Literals | None = None
        self._template_key: object = None
        self._validated = False
        # Built from a template of the caller's own schema: valid for this caller.
        self._caller_validated = False
        # The caller's schema, when a document that introspects must run against it.
        self._execution_schema: GraphQLSchema | None = None
        # The caller's schema, when it is not the full one: variables are coerced against it.
        self._caller_schema: GraphQLSchema | None = None

    def on_operation(self) -> Iterator[None]:
        context = self.execution_context
        context.parse_options["max_tokens"] = self.token_limit
        context.validation_rules = context.validation_rules + self.rules
        yield
        code_errors(context.result)

    async def on_parse(self) -> AsyncIterator[None]:
        context = self.execution_context
        query = context.query
        options = context.parse_options
        documents = self.documents
        exact = (query, tuple(sorted(options.items())))
        document = documents.parsed.get(exact)
        if document is None and query is not None:
            literals = self._literals = split_literals(query)
            self._template_key = (exact[1], tuple(context.validation_rules))
            if literals is not None and literals.spans:
                document = documents.templates.instantiate(literals, self._template_key)
                self._validated = document is not None
                if document is None:
                    document = await self._caller_template(literals, query)
                    self._caller_validated = document is not None
            if document is None:
                document = parse(query, **options)
                # Only texts without literal values are kept whole: a literal may be a
                # password or a token, and the others are built from templates anyway.
                if literals is not None and not literals.spans:
                    documents.parsed[exact] = document
        context.graphql_document = document
        yield

    async def on_validate(self) -> AsyncIterator[None]:
        """Against the caller's schema (resolvers/engine/caller_schema.py). A document
        asking only for root fields every caller has is tried against the floor schema
        first: valid there, it is valid for everyone, and no permissions need reading
        (`auth_refresh`, `auth_login` of the public stay as cheap as they were). A document
        built from a template of the caller's own schema (`_caller_template`) passed
        every rule already."""
        context = self.execution_context
        document = context.graphql_document
        assert document is not None
        unchosen = _operation_unchosen(context, document)
        if self._caller_validated:
            context.pre_execution_errors = unchosen
            yield
            return
        schemas = caller_schemas(context.schema._schema)
        query = context.query
        introspective = introspects(query)
        literals = self._literals
        shape = None if literals is None else literals.shape
        validator = self.documents.validator
        rules = context.validation_rules
        if not introspective and (self._validated or schemas.everyones(document)):
            errors = (
                []
                if self._validated
                else validator.validate(schemas.floor, query, document, rules, shape)
            )
            if not errors:
                context.pre_execution_errors = unchosen
                if not self._validated and literals is not None and validator.values_decide(rules):
                    # Templates stand for floor-valid documents only: valid for everyone.
                    self.documents.templates.remember(
                        schemas.floor, literals, context.parse_options, self._template_key
                    )
                yield
                return
        caller = context.context
        access = await caller.access() if isinstance(caller, Context) else None
        schema = schemas.full if access is None else schemas.of(access)
        errors = validator.validate(schema, query, document, rules, shape)
        context.pre_execution_errors = [*errors, *unchosen]
        if schema is not schemas.full:
            # Variables are coerced against it as well (resolvers/engine/caller_variables.py).
            self._caller_schema = schema
        if introspective and schema is not schemas.full:
            self._execution_schema = schema
        elif not errors and access is not None and literals is not None:
            self._remember_for_caller(schema, literals, schema_key(access))
        yield

    def _remember_for_caller(self, schema: GraphQLSchema, literals: Literals, sig: object) -> None:
        """A document valid in this caller's schema becomes a template for every caller of
        the same signature (their schemas are equal): their texts of this shape then skip
        parsing and the rules that read literals, as the floor's templates do."""
        context = self.execution_context
        if not literals.spans or not self.documents.validator.values_decide(
            context.validation_rules
        ):
            return
        key = ("caller", self._template_key, sig)
        self.documents.templates.remember(schema, literals, context.parse_options, key)
        self.documents.caller_shapes[literals.shape, self._template_key] = True

    async def _caller_template(self, literals: Literals, query: str) -> DocumentNode | None:
        """The document built from a template of the caller's own schema, when its shape
        has templates for callers at all (else the caller's access is not read here)."""
        caller = self.execution_context.context
        known = (literals.shape, self._template_key) in self.documents.caller_shapes
        if not known or not isinstance(caller, Context) or introspects(query):
            return None
        access = await caller.access()
        key = ("caller", self._template_key, schema_key(access))
        document = self.documents.templates.instantiate(literals, key)
        if document is not None:
            # Validated already; its variables still meet the caller's own input types.
            schemas = caller_schemas(self.execution_context.schema._schema)
            schema = schemas.of(access)
            if schema is not schemas.full:
                self._caller_schema = schema
        return document

    async def on_execute(self) -> AsyncIterator[None]:
        context = self.execution_context
        label = _operation_label(context)
        request = getattr(context.context, "request", None)
        if request is not None:
            if label:
                request.state.graphql_operation = label[:200]
            request.state.graphql_fields = _root_fields(context)
        check_filter_variables(
            context.graphql_document,
            context.operation_name,
            context.variables,
            self.limits.filters,
            self.limits.max_batch,
        )
        caller_schema = self._caller_schema
        if caller_schema is not None and context.graphql_document is not None:
            refused = variable_errors(
                caller_schema,
                context.graphql_document,
                context.operation_name,
                context.variables,
            )
            if refused:
                # No path: answered as any variable coercion error, 400 GRAPHQL_VALIDATION.
                context.result = ExecutionResult(data=None, errors=refused)
                yield
                return
        schema = self._execution_schema
        if schema is not None and context.graphql_document is not None:
            # `__schema` and `__type` answer from the caller's schema; its fields keep the
            # full schema's resolvers, so data fields beside them answer as usual.
            result = execute(
                schema,
                context.graphql_document,
                root_value=context.root_value,
                context_value=context.context,
                variable_values=context.variables,
                operation_name=context.operation_name,
            )
            context.result = await result if isawaitable(result) else result
        yield

    def on_stream_result(self, result: StreamExecutionResult) -> Iterator[None]:
        code_errors(result)
        yield


def extension_factories(limits: DocumentLimits) -> list[Callable[[], SchemaExtension]]:
    """The schema's one extension; every rule class is made here once, not per request."""
    rules: list[type[ASTValidationRule]] = [
        depth_validator(limits.max_depth, None),
        aliases_validator(limits.max_aliases),
    ]
    if limits.single_use:
        rules.insert(0, single_use_rule(limits.single_use))
    if not limits.introspection:
        rules.append(NoSchemaIntrospectionCustomRule)
    # Our rules read no literal value, so documents of one shape share their verdict.
    documents = Documents(
        parsed=LRUCache(1024),
        validator=ShapeValidator(literal_free_rules=rules, maxsize=1024),
        templates=DocumentTemplates(maxsize=1024),
    )
    rule_set = tuple(rules)

    def pipeline() -> SchemaExtension:
        return DocumentPipeline(limits.token_limit, rule_set, documents, limits)

    return [pipeline]
