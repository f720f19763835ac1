"""One server span per HTTP request (when tracing is on): method, route, status, client IP.
Never the query string, a header or a body; the resolvers' and the database's spans nest
inside it, and it continues the caller's trace (`traceparent`, OTEL_PROPAGATORS)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from starlette.requests import HTTPConnection
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.http.middleware import method_of, operation_of
from app.http.request_tokens import client_ip

if TYPE_CHECKING:
    from opentelemetry.trace import Tracer


class TracingMiddleware:
    def __init__(self, app: ASGIApp, tracer: Tracer, trust_proxy: bool) -> None:
        self.app = app
        self.tracer = tracer
        self.trust_proxy = trust_proxy

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        from opentelemetry.propagate import extract
        from opentelemetry.trace import SpanKind, StatusCode

        method = method_of(scope)  # a bounded span name; the attribute keeps what was sent
        carrier = {
            name.decode("latin-1"): value.decode("latin-1") for name, value in scope["headers"]
        }
        with self.tracer.start_as_current_span(
            method,
            context=extract(carrier),
            kind=SpanKind.SERVER,
            attributes={
                "http.request.method": scope["method"],
                "url.path": scope["path"],
                "client.address": client_ip(HTTPConnection(scope), self.trust_proxy) or "",
            },
        ) as span:

            async def record_status(message: Message) -> None:
                if message["type"] == "http.response.start":
                    status = int(message["status"])
                    span.set_attribute("http.response.status_code", status)
                    if status >= 500:
                        span.set_status(StatusCode.ERROR)
                await send(message)

            try:
                await self.app(scope, receive, record_status)
            finally:
                route = operation_of(scope)
                span.update_name(f"{method} {route}")
                span.set_attribute("http.route", route)
