"""Reading a page's form post: urlencoded, within MAX_PAYLOAD_SIZE, one value per field."""

from __future__ import annotations

from urllib.parse import parse_qsl

from starlette.requests import Request

from app.errors import InvalidPayloadError
from app.http.body import read_body

FORM_TYPE = "application/x-www-form-urlencoded"
# Far more than any page's form has; a post with more is not one of ours.
MAX_FIELDS = 32


async def read_form(request: Request, limit: int) -> dict[str, str]:
    """The posted fields. A repeated field, a multipart body or bad UTF-8 is refused, as a
    browser posting our forms never sends them."""
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type != FORM_TYPE:
        raise InvalidPayloadError("The form has to be posted as " + FORM_TYPE)
    body = await read_body(request, limit)
    try:
        pairs = parse_qsl(
            body.decode("utf-8"),
            keep_blank_values=True,
            strict_parsing=False,
            max_num_fields=MAX_FIELDS,
        )
    except (UnicodeDecodeError, ValueError):
        raise InvalidPayloadError("The form could not be read") from None
    fields: dict[str, str] = {}
    for name, value in pairs:
        if name in fields:
            raise InvalidPayloadError(f'The form field "{name}" was sent twice')
        fields[name] = value
    return fields
