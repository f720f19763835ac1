"""The HTTP face of the schema: Directus's status codes and error shapes."""

from __future__ import annotations

import json
from typing import Any, cast

from cross_web import AsyncHTTPRequestAdapter, HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import Receive, Scope, Send
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL
from strawberry.exceptions import ConnectionRejectionError
from strawberry.http import GraphQLHTTPResponse, GraphQLRequestData
from strawberry.schema.exceptions import InvalidOperationTypeError
from strawberry.subscriptions import GRAPHQL_TRANSPORT_WS_PROTOCOL
from strawberry.types import ExecutionResult
from strawberry.types.unset import UNSET, UnsetType

from app.accountability import Accountability
from app.errors import (
    DirectusError,
    InvalidPayloadError,
    MethodNotAllowedError,
    RequestsExceededError,
)
from app.http.body import UNPARSABLE, decode_json, read_body
from app.http.errors import error_response
from app.http.media import prefers_html
from app.http.request_auth import authenticate_request, refusal_response
from app.http.request_tokens import access_token_of, client_of, socket_may_use_cookies
from app.services.container import Services
from resolvers.context import Context
from resolvers.engine.errors import (
    format_error,
    format_validation_errors,
    is_validation_failure,
    refused_before_execution,
)
from resolvers.engine.sockets import CheckedTransportWS

GRAPHIQL_ASSETS = "/graphiql/assets/"
# Directus's words (and graphql-http's) for a request without a document.
MISSING_QUERY = "Must provide query string"


class _RefusedJson(json.JSONDecodeError):
    def __init__(self, error: InvalidPayloadError) -> None:
        super().__init__(error.message, "", 0)
        self.error = error


class DirectusGraphQL(GraphQL[Context, None]):
    graphql_transport_ws_handler_class = CheckedTransportWS

    def __init__(self, schema: Any, services: Services) -> None:
        settings = services.settings
        self.read_ahead = not any(
            getattr(extension, "traces_resolvers", False)
            for extension in getattr(schema, "extensions", ())
        )
        # Pages of other origins may open sockets only when CORS lets them in; `null`
        # (sandboxed frames, file: pages) never.
        origins = settings.cors_origin if settings.cors_enabled else []
        super().__init__(
            schema,
            graphql_ide="graphiql",
            allow_queries_via_get=True,
            allowed_origins=(
                ["*"]
                if origins in (["true"], ["*"])
                else [origin for origin in origins if origin != "null"]
            ),
            # Directus speaks only graphql-transport-ws; the legacy protocol's handler
            # would not check a socket's credential again per operation.
            subscription_protocols=(GRAPHQL_TRANSPORT_WS_PROTOCOL,),
        )
        self.services = services

    def is_websocket_origin_allowed(self, request: Any, origin: str) -> bool:
        return origin.strip() != "null" and super().is_websocket_origin_allowed(request, origin)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "websocket" and not self.services.settings.websockets_enabled:
            await WebSocket(scope, receive=receive, send=send).close(code=1008)
            return
        if scope["type"] != "http":
            await super().__call__(scope, receive, send)
            return
        request = Request(scope, receive=receive)
        try:
            await read_body(request, self.services.settings.max_payload_size)
            response = await self.run(request)
        except DirectusError as error:
            response = refusal_response(request, error, self.services.settings)
        except HTTPException as error:
            response = error_response(_coded_http_error(error, request.method))
        await response(scope, receive, send)

    def should_render_graphql_ide(self, request: Any) -> bool:
        """GraphiQL only for a browser (a GET without a query that prefers HTML); any other
        client without a query learns that it sent none."""
        return (
            request.method == "GET"
            and request.query_params.get("query") is None
            and prefers_html(request.headers.get("accept", ""))
        )

    @property
    def graphql_ide_html(self) -> str:
        """GraphiQL with its scripts and styles from this server, not from a CDN."""
        return super().graphql_ide_html.replace("https://unpkg.com/", GRAPHIQL_ASSETS)

    def parse_json(self, data: str | bytes) -> object:
        """HTTP bodies and GET variables: the refusal's own message, not Strawberry's."""
        try:
            return self.decode_json(data)
        except _RefusedJson as refused:
            raise refused.error from None
        except json.JSONDecodeError:
            raise InvalidPayloadError(UNPARSABLE) from None

    def decode_json(self, data: str | bytes) -> object:
        """Bodies, GET variables and socket messages alike. A refusal is a JSONDecodeError
        too, so that Strawberry closes a socket that sent it with 4400."""
        try:
            decoded = decode_json(data, self.services.settings.max_json_depth)
        except InvalidPayloadError as error:
            raise _RefusedJson(error) from None
        if not isinstance(decoded, (dict, list)):
            raise InvalidPayloadError("The request body has to be a JSON object")
        return decoded

    async def get_context(
        self, request: Request | WebSocket, response: Response | WebSocket
    ) -> Context:
        settings = self.services.settings
        client = client_of(request, settings.ip_trust_proxy)
        request.state.user_id = None
        if isinstance(request, WebSocket):
            # A socket may also authenticate later, in connection_init (on_ws_connect).
            try:
                token = access_token_of(
                    request,
                    settings.session_cookie_name,
                    cookie=socket_may_use_cookies(request, settings),
                )
                accountability = await self.services.authenticator.authenticate(token, client)
            except DirectusError:
                token, accountability = None, Accountability(client=client)
            return Context(
                request=request,
                response=response,
                accountability=accountability,
                services=self.services,
                credential=token,
                read_ahead=self.read_ahead,
            )
        token, accountability = await authenticate_request(
            request, settings, self.services.authenticator
        )
        request.state.user_id = accountability.user
        return Context(
            request=request,
            response=response,
            accountability=accountability,
            services=self.services,
            credential=token,
            read_ahead=self.read_ahead,
        )

    async def on_ws_connect(self, context: Context) -> UnsetType | dict[str, object] | None:
        """graphql-transport-ws connection_init may carry {"access_token": …}, as Directus's."""
        params = context.connection_params or {}
        token = params.get("access_token") if isinstance(params, dict) else None
        if isinstance(token, str) and token:
            try:
                context.accountability = await self.services.authenticator.authenticate(
                    token, context.accountability.client
                )
            except DirectusError as error:
                raise ConnectionRejectionError(
                    {"code": error.code, "message": error.message}
                ) from None
            context.credential = token
            context.reset_access()
        return cast("UnsetType", UNSET)

    async def execute_single(
        self,
        request: Request,
        request_adapter: AsyncHTTPRequestAdapter,
        sub_response: Response,
        context: Context,
        root_value: None,
        request_data: GraphQLRequestData,
    ) -> ExecutionResult:
        try:
            result = await super().execute_single(
                request=request,
                request_adapter=request_adapter,
                sub_response=sub_response,
                context=context,
                root_value=root_value,
                request_data=request_data,
            )
        except HTTPException as error:
            if isinstance(error.__cause__, InvalidOperationTypeError) and request.method == "GET":
                # Only queries over GET: a link must not log anyone in or out.
                raise MethodNotAllowedError("GET", allowed=("POST",)) from None
            raise
        if is_validation_failure(result) and not refused_before_execution(result.errors or []):
            sub_response.status_code = 400
        limited = _every_field_rate_limited(result)
        if limited is not None:
            # As the REST twin answers: HTTP 429 with Retry-After, so clients back off.
            sub_response.status_code = limited.status
            sub_response.headers["Retry-After"] = limited.retry_after
        return result

    async def process_result(
        self, request: Request, result: ExecutionResult
    ) -> GraphQLHTTPResponse:
        if not result.errors:
            return {"data": result.data}
        if is_validation_failure(result) and not refused_before_execution(result.errors):
            suggest = self.services.settings.graphql_introspection
            return {"errors": [format_validation_errors(result.errors, suggest=suggest)]}
        errors: list[object] = [format_error(error) for error in result.errors]
        if not _has_data(result):
            # As Directus: no `data` key when no root field has any (graphql-ws messages
            # keep the protocol's shape; only HTTP answers are built here).
            return {"errors": errors}
        return {"data": result.data, "errors": errors}


def _has_data(result: ExecutionResult) -> bool:
    """Some root field answered a value (a failed one is null)."""
    data = result.data
    return isinstance(data, dict) and any(value is not None for value in data.values())


def _every_field_rate_limited(result: ExecutionResult) -> RequestsExceededError | None:
    """The rate limit that stopped every root field of the document (usually its only one).
    When other root fields were answered the HTTP status stays 200, and the limited field
    carries the code."""
    if not isinstance(result.data, dict) or not result.data:
        return None
    limited: dict[object, RequestsExceededError] = {}
    for error in result.errors or []:
        if isinstance(error.original_error, RequestsExceededError) and error.path:
            limited[error.path[0]] = error.original_error
    if set(result.data) != set(limited):
        return None
    return max(limited.values(), key=lambda error: error.retry_after_ms)


def _coded_http_error(error: HTTPException, method: str) -> DirectusError:
    if error.status_code == 405:
        return MethodNotAllowedError(method, allowed=("GET", "POST"))
    reason = error.reason.rstrip(".")
    if reason == "No GraphQL query found in the request":
        reason = MISSING_QUERY
    return InvalidPayloadError(reason)
