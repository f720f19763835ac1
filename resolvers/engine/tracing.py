"""Resolver spans (OpenTelemetry tracing on): one per resolver that is more than an attribute
read, named by its field and path, and one for the operation with its document. The document
is recorded as sent; the redaction on the way out strips its literals (`document_shape`).
Arguments and variables are never recorded: they carry passwords, tokens and codes."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from inspect import isawaitable
from typing import TYPE_CHECKING, Any

from graphql import GraphQLResolveInfo
from strawberry.extensions import SchemaExtension
from strawberry.extensions.tracing.utils import should_skip_tracing

from resolvers.engine.templates import split_literals

if TYPE_CHECKING:
    from opentelemetry.trace import Tracer

_MARKER = re.compile(r"\x00[sif][0-9]+\x00")


def document_shape(query: str) -> str | None:
    """The document with every string and number literal replaced by `?`; None when the
    splitter cannot tell them apart (block strings), so the text is not recorded at all."""
    literals = split_literals(query)
    return None if literals is None else _MARKER.sub("?", literals.shape)


def resolver_tracing(tracer: Tracer) -> Callable[[], SchemaExtension]:
    class ResolverTracing(SchemaExtension):
        # Every resolver is to be called and timed: the view turns reading ahead off.
        traces_resolvers = True

        def on_execute(self) -> Iterator[None]:
            context = self.execution_context
            with tracer.start_as_current_span(
                "graphql.execute",
                attributes={
                    "graphql.operation.name": context.operation_name or "",
                    "graphql.document": context.query or "",
                },
            ):
                yield

        def resolve(
            self,
            _next: Callable[..., Any],
            root: Any,
            info: GraphQLResolveInfo[Any],
            *args: Any,
            **kwargs: Any,
        ) -> Any:
            if should_skip_tracing(_next, info):
                return _next(root, info, *args, **kwargs)
            return _traced(tracer, _next, root, info, *args, **kwargs)

    return ResolverTracing


async def _traced(
    tracer: Tracer,
    _next: Callable[..., Any],
    root: Any,
    info: GraphQLResolveInfo[Any],
    *args: Any,
    **kwargs: Any,
) -> Any:
    path = ".".join(str(key) for key in info.path.as_list())
    with tracer.start_as_current_span(
        f"graphql.resolve {info.field_name}",
        attributes={
            "graphql.field.name": info.field_name,
            "graphql.field.path": path,
            "graphql.parent_type": info.parent_type.name,
        },
    ):
        result = _next(root, info, *args, **kwargs)
        return await result if isawaitable(result) else result
