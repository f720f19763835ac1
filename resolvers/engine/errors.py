"""How GraphQL errors reach the client: coded, and masked when unexpected."""

from __future__ import annotations

import logging
import re
from typing import Any

from graphql import GraphQLError
from strawberry.types import ExecutionResult
from strawberry.types.execution import PreExecutionError

from app.errors import DirectusError, ForbiddenError, InternalServerError

logger = logging.getLogger("app.graphql")

VALIDATION_MESSAGE = "GraphQL validation error."


def is_validation_failure(result: ExecutionResult) -> bool:
    """Parse, validation and variable errors: nothing ran, no error has a path."""
    if isinstance(result, PreExecutionError):
        return True
    # Variable coercion fails inside execution but before any resolver: no path.
    return (
        result.data is None
        and bool(result.errors)
        and all(error.path is None for error in result.errors or [])
    )


def refused_before_execution(errors: list[GraphQLError]) -> bool:
    """Our own coded refusal of the variables (e.g. a filter past FILTER_MAX_NODES),
    raised before execution: answered as the resolver's own refusal would be (200, data
    null, its code), not as GRAPHQL_VALIDATION."""
    return bool(errors) and all(
        error.path is None and isinstance(error.original_error, DirectusError) for error in errors
    )


def _located(error: GraphQLError, payload: dict[str, Any]) -> dict[str, Any]:
    if error.locations:
        payload["locations"] = [
            {"line": location.line, "column": location.column} for location in error.locations
        ]
    if error.path is not None:
        payload["path"] = list(error.path)
    return payload


# A non-null field read as null: only a field the caller is not shown on this row (app/
# permissions/field_rows.py) can be, as the stored columns behind them are never null.
_HIDDEN_NON_NULL = re.compile(r"^Cannot return null for non-nullable field (\w+)\.(\w+)\.$")


def _hidden_field(error: GraphQLError) -> ForbiddenError | None:
    """FORBIDDEN naming the field, where graphql-core found a shown non-null field null
    (Directus answers INTERNAL_SERVER_ERROR there; the null still reaches the parent)."""
    if not isinstance(error.original_error, TypeError):
        return None
    match = _HIDDEN_NON_NULL.match(error.message)
    return None if match is None else ForbiddenError.field(match.group(2), match.group(1))


def coded(error: GraphQLError) -> GraphQLError:
    """The error as the client may see it: Directus's code, message and extensions, or,
    for anything we did not raise on purpose, INTERNAL_SERVER_ERROR and nothing more."""
    if error.extensions and "code" in error.extensions:
        return error
    original = _hidden_field(error) or error.original_error
    extensions: dict[str, Any]
    if error.path is None and not isinstance(original, DirectusError):
        message = validation_text(error.message)  # the document's own fault
        extensions = {"code": "GRAPHQL_VALIDATION"}
    else:
        directus = original if isinstance(original, DirectusError) else InternalServerError()
        message, extensions = directus.message, directus.formatted_extensions()
    return GraphQLError(
        message,
        nodes=error.nodes,
        source=error.source,
        positions=error.positions,
        path=error.path,
        original_error=original if isinstance(original, DirectusError) else None,
        extensions=extensions,
    )


def code_errors(result: object) -> None:
    """Codes (and masks) a result's errors, for every transport: HTTP answers and socket
    messages."""
    errors = getattr(result, "errors", None)
    if errors:
        result.errors = [coded(error) for error in errors]  # type: ignore[attr-defined]


def format_error(error: GraphQLError) -> dict[str, Any]:
    formatted: dict[str, Any] = dict(coded(error).formatted)
    return formatted


_SUGGESTION = re.compile(r"\s*Did you mean [^?]*\?")
# graphql-core quotes names with ' where graphql-js (Directus) uses ": clients compare them.
_QUOTED_NAME = re.compile(r"'([^'\s]+)'")
# Python's own words for a literal with too many digits name an interpreter function.
_INT_DIGITS = re.compile(r"Exceeds the limit \(\d+ digits\) for integer string conversion[^']*")


def validation_text(message: str) -> str:
    """A validation or variable error's words as graphql-js quotes them, for every transport
    (HTTP answers and socket `error` messages alike)."""
    text = _INT_DIGITS.sub("the number has too many digits", message)
    return _QUOTED_NAME.sub(r'"\1"', text)


def format_validation_errors(errors: list[GraphQLError], *, suggest: bool) -> dict[str, Any]:
    """`suggest` false (introspection off): "Did you mean …?" would leak the schema."""

    def message(error: GraphQLError) -> str:
        text = validation_text(error.message)
        return text if suggest else _SUGGESTION.sub("", text)

    return {
        "message": VALIDATION_MESSAGE,
        "extensions": {
            "code": "GRAPHQL_VALIDATION",
            "errors": [_located(error, {"message": message(error)}) for error in errors],
        },
    }


def log_unexpected(errors: list[GraphQLError]) -> None:
    for error in errors:
        original = error.original_error
        if error.path is None:
            continue  # a bad document or variables: the client's mistake, not ours
        expected = isinstance(original, DirectusError) or _hidden_field(error) is not None
        if original is not None and not expected:
            logger.error("Unexpected error in %s", error.path, exc_info=original)
