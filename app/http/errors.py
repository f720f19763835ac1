"""REST-shaped error bodies: {"errors": [{"message", "extensions": {"code"}}]}."""

from __future__ import annotations

from typing import Any

from starlette.responses import JSONResponse

from app.errors import DirectusError, MethodNotAllowedError, RequestsExceededError


def error_body(error: DirectusError) -> dict[str, Any]:
    # A message may quote the client's input, and JSON can carry a lone surrogate that
    # UTF-8 cannot: it is replaced, or rendering the answer would fail.
    message = error.message.encode("utf-8", "replace").decode("utf-8")
    extensions = {"code": error.code, **error.extensions}
    return {"errors": [{"message": message, "extensions": extensions}]}


def error_response(error: DirectusError) -> JSONResponse:
    headers: dict[str, str] = {}
    if isinstance(error, RequestsExceededError):
        headers["Retry-After"] = error.retry_after
    if isinstance(error, MethodNotAllowedError):
        headers["Allow"] = ", ".join(error.allowed)
    return JSONResponse(error_body(error), status_code=error.status, headers=headers)
