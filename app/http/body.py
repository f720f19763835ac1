"""Reading request bodies within MAX_PAYLOAD_SIZE, for every transport."""

from __future__ import annotations

import json
from typing import Any

from starlette.requests import Request

from app.errors import InvalidPayloadError, PayloadTooLargeError


async def read_body(request: Request, limit: int) -> bytes:
    """Reads the body once (Starlette caches it), refusing more than `limit` bytes."""
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise PayloadTooLargeError()
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise PayloadTooLargeError()
        chunks.append(chunk)
    body = b"".join(chunks)
    request._body = body
    return body


async def read_json(request: Request, limit: int) -> Any:
    body = await read_body(request, limit)
    if not body.strip():
        return None
    try:
        return json.loads(body)
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise InvalidPayloadError("Unable to parse request body as JSON") from None
