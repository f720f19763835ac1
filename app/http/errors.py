"""REST-shaped error bodies: {"errors": [{"message", "extensions": {"code"}}]}."""

from __future__ import annotations

from typing import Any

from starlette.responses import JSONResponse

from app.errors import DirectusError, MethodNotAllowedError, RequestsExceededError


def error_body(error: DirectusError) -> dict[str, Any]:
    return {"errors": [error_entry(error)]}


def error_entry(error: DirectusError) -> dict[str, Any]:
    """One error as every transport sends it: message and extensions (code first)."""
    # A message may quote the client's input, and JSON can carry a lone surrogate that
    # UTF-8 cannot: it is replaced, or rendering the answer would fail.
    return {"message": _utf8(error.message), "extensions": _utf8(error.formatted_extensions())}


def _utf8(value: Any) -> Any:
    if isinstance(value, str):
        return value.encode("utf-8", "replace").decode("utf-8")
    if isinstance(value, dict):
        return {key: _utf8(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_utf8(item) for item in value]
    return value


def error_response(error: DirectusError) -> JSONResponse:
    headers: dict[str, str] = {}
    if isinstance(error, RequestsExceededError):
        headers["Retry-After"] = error.retry_after
    if isinstance(error, MethodNotAllowedError):
        headers["Allow"] = ", ".join(error.allowed)
    return JSONResponse(error_body(error), status_code=error.status, headers=headers)
