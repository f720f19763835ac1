"""Per-request state of a REST call, and the wrapper that turns coded errors into answers."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from app.accountability import Accountability
from app.errors import DirectusError, InvalidPayloadError
from app.http.body import read_json
from app.http.request_auth import authenticate_request, refusal_response
from app.permissions.access import Access
from app.services.container import Services


@dataclass
class RestContext:
    request: Request
    services: Services
    accountability: Accountability
    response: Response = field(default_factory=Response)
    _access: Access | None = None

    async def access(self) -> Access:
        if self._access is None:
            self._access = await self.services.users.access_for(self.accountability)
        return self._access

    async def body(self) -> Any:
        settings = self.services.settings
        return await read_json(self.request, settings.max_payload_size, settings.max_json_depth)

    async def object_body(self) -> Mapping[str, Any]:
        body = await self.body()
        if body is None:
            return {}
        if not isinstance(body, Mapping):
            raise InvalidPayloadError("The request body has to be a JSON object")
        return body


Handler = Callable[[RestContext], Awaitable[Response | Any]]


def data(payload: Any, extra: Mapping[str, Any] | None = None) -> JSONResponse:
    return JSONResponse({"data": payload, **(extra or {})})


def endpoint(handler: Handler) -> Callable[[Request], Awaitable[Response]]:
    """Authenticates, runs the handler, and answers {"data": …}, 204, or a coded error."""

    async def run(request: Request) -> Response:
        services: Services = request.app.state.services
        settings = services.settings
        try:
            _, accountability = await authenticate_request(
                request, settings, services.authenticator
            )
            request.state.user_id = accountability.user
            context = RestContext(request, services, accountability)
            result = await handler(context)
        except DirectusError as error:
            return refusal_response(request, error, settings)
        response = result if isinstance(result, Response) else Response(status_code=204)
        # Cookies a handler set on the context's response travel with the answer.
        response.raw_headers.extend(
            (name, value) for name, value in context.response.raw_headers if name == b"set-cookie"
        )
        return response

    return run


def text_field(body: Mapping[str, Any], name: str, *, required: bool = True) -> str | None:
    value = body.get(name)
    if value is None:
        if required:
            raise InvalidPayloadError(f'"{name}" is required')
        return None
    if not isinstance(value, str):
        raise InvalidPayloadError(f'"{name}" has to be a string')
    return value


def keys_of(body: Any) -> list[str]:
    """The ids of a multi-item update or delete: a list, or {"keys": [...]}."""
    keys = (
        body if isinstance(body, list) else body.get("keys") if isinstance(body, Mapping) else None
    )
    if not isinstance(keys, list) or not all(isinstance(key, str) for key in keys):
        raise InvalidPayloadError('Send a list of ids, or {"keys": [...]}')
    return keys
