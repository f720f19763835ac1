"""Reading request bodies within MAX_PAYLOAD_SIZE and MAX_JSON_DEPTH, for every transport."""

from __future__ import annotations

import json
from typing import Any

from starlette.requests import Request

from app.errors import InvalidPayloadError, PayloadTooLargeError
from app.input_values import exceeds_depth

UNPARSABLE = "Unable to parse request body as JSON"


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


def decode_json(data: str | bytes, max_depth: int) -> Any:
    """The one JSON decoder for client data. Invalid UTF-8, integers past Python's
    4300-digit conversion limit (a ValueError, not a JSONDecodeError), nesting past the
    interpreter's recursion limit or past `max_depth`: all INVALID_PAYLOAD."""
    try:
        value = json.loads(data)
    except RecursionError:
        raise InvalidPayloadError(f"JSON can't be nested more than {max_depth} levels") from None
    except ValueError:  # JSONDecodeError, UnicodeDecodeError, the digit limit
        raise InvalidPayloadError(UNPARSABLE) from None
    # Cheap first: fewer brackets than the limit cannot nest deeper than it.
    opened = (
        data.count("[") + data.count("{")
        if isinstance(data, str)
        else (data.count(b"[") + data.count(b"{"))
    )
    if opened > max_depth and exceeds_depth(value, max_depth):
        raise InvalidPayloadError(f"JSON can't be nested more than {max_depth} levels")
    return value


async def read_json(request: Request, limit: int, max_depth: int) -> Any:
    body = await read_body(request, limit)
    if not body.strip():
        return None
    return decode_json(body, max_depth)
