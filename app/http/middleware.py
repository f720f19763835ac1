"""ASGI middleware: the access log and request metrics, the per-IP rate limit and the
security headers on every response."""

from __future__ import annotations

import logging
import time
from typing import Any

from starlette.datastructures import MutableHeaders
from starlette.requests import HTTPConnection
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.config import Settings
from app.errors import RequestsExceededError
from app.http.errors import error_response
from app.http.request_tokens import client_ip
from app.observability.metrics import REQUEST_SECONDS, REQUESTS
from app.observability.request_notes import collecting_notes
from app.security.rate_limits import RateLimits

access_logger = logging.getLogger("app.access")

SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "SAMEORIGIN",
    "Referrer-Policy": "no-referrer",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cache-Control": "no-store",
}
HSTS = "max-age=31536000; includeSubDomains"


# CORS_ORIGIN=true reflects the request's origin, but never `null` (sandboxed frames, file:
# pages and redirects all send it, so reflecting it would grant them all).
_ANY_ORIGIN_BUT_NULL = r"(?!null\Z).+"


def cors_options(settings: Settings) -> dict[str, Any]:
    """Starlette CORSMiddleware options for CORS_*, as Directus and the Fetch spec mean them.

    `*` is a literal `*`, which a browser never honours with credentials, so credentials are
    not offered with it (Starlette would otherwise reflect every origin); `true` reflects
    any origin but `null`; a list grants exactly its entries, `null` never.
    """
    origins = settings.cors_origin
    options: dict[str, Any] = {
        "allow_methods": settings.cors_methods,
        "allow_headers": settings.cors_allowed_headers,
        "expose_headers": settings.cors_exposed_headers,
        "allow_credentials": settings.cors_credentials,
        "max_age": settings.cors_max_age,
    }
    if origins == ["*"]:
        return {**options, "allow_origins": ["*"], "allow_credentials": False}
    if origins == ["true"]:
        return {**options, "allow_origins": [], "allow_origin_regex": _ANY_ORIGIN_BUT_NULL}
    return {**options, "allow_origins": [origin for origin in origins if origin != "null"]}


class RateLimitMiddleware:
    """RATE_LIMITER_*: every request of an IP counts; past the budget, 429 with Retry-After."""

    def __init__(self, app: ASGIApp, limits: RateLimits, trust_proxy: bool) -> None:
        self.app = app
        self.limits = limits
        self.trust_proxy = trust_proxy

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and self.limits.enabled:
            ip = client_ip(HTTPConnection(scope), self.trust_proxy)
            try:
                await self.limits.hit_request(ip)
            except RequestsExceededError as error:
                await error_response(error)(scope, receive, send)
                return
        await self.app(scope, receive, send)


class SecurityHeadersMiddleware:
    def __init__(self, app: ASGIApp, https: bool) -> None:
        self.app = app
        self.headers = dict(SECURITY_HEADERS)
        if https:
            self.headers["Strict-Transport-Security"] = HSTS

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in self.headers.items():
                    headers.setdefault(name, value)
            await send(message)

        await self.app(scope, receive, send_with_headers)


# The methods the metrics name; any other (a client may send any token) counts as `other`.
KNOWN_METHODS = frozenset(
    {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "SEARCH", "TRACE", "CONNECT"}
)


def method_of(scope: Scope) -> str:
    """A bounded name for the request's method (a metrics label)."""
    method: str = scope["method"]
    return method if method in KNOWN_METHODS else "other"


def operation_of(scope: Scope) -> str:
    """A bounded name for the metrics: the GraphQL root field (`multiple` for several), else
    the matched route with its parameters named (`/users/{id}`), a mount's files as
    `{path}` (`/admin/assets/{path}`), else `unmatched`. Never text the client chose."""
    state = scope.get("state", {})
    fields = state.get("graphql_fields")
    if fields:
        return fields[0] if len(fields) == 1 else "multiple"
    if "endpoint" not in scope:
        return "unmatched"
    if "app_root_path" in scope:  # under a Mount: its prefix, whatever file was asked for
        prefix: str = scope["root_path"][len(scope["app_root_path"]) :]
        return f"{prefix}/{{path}}"
    # Every route parameter is one whole segment: the segments that hold the parameters'
    # values, right to left, are named after them (a value is never searched for as text,
    # which a value inside another one would defeat).
    params = list(scope.get("path_params", {}).items())
    segments = scope["path"].split("/")
    for index in reversed(range(len(segments))):
        if params and isinstance(params[-1][1], str) and segments[index] == params[-1][1]:
            segments[index] = f"{{{params.pop()[0]}}}"
    return "unmatched" if params else "/".join(segments)


class AccessLogMiddleware:
    """One line per request: method, path (never the query string, which may hold a
    token), GraphQL operation, status, duration, client IP (X-Forwarded-For under
    IP_TRUST_PROXY), user id and what the request did (`request_notes`: a login's outcome
    and reason class, a refresh, a lockout). Also the request metrics, when served."""

    def __init__(self, app: ASGIApp, trust_proxy: bool = False, metrics: bool = False) -> None:
        self.app = app
        self.trust_proxy = trust_proxy
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def record_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        with collecting_notes() as notes:
            try:
                await self.app(scope, receive, record_status)
            finally:
                elapsed = time.perf_counter() - started
                self._record(scope, status, elapsed, notes)

    def _record(self, scope: Scope, status: int, elapsed: float, notes: list[str]) -> None:
        if access_logger.isEnabledFor(logging.INFO):
            self._log(scope, status, elapsed, notes)
        if not self.metrics:
            return
        name = operation_of(scope)
        REQUESTS.labels(operation=name, method=method_of(scope), status=str(status)).inc()
        REQUEST_SECONDS.labels(operation=name).observe(elapsed)

    def _log(self, scope: Scope, status: int, elapsed: float, notes: list[str]) -> None:
        state = scope.get("state", {})
        operation = state.get("graphql_operation")
        user = state.get("user_id")
        ip = client_ip(HTTPConnection(scope), self.trust_proxy)
        duration = round(elapsed * 1000, 1)
        access_logger.info(
            "%s %s%s %s %.1fms ip=%s%s%s",
            scope["method"],
            scope["path"],
            f" {operation}" if operation else "",
            status,
            duration,
            ip or "-",
            f" user={user}" if user else "",
            "".join(f" {entry}" for entry in notes),
            extra={
                "method": scope["method"],
                "path": scope["path"],
                "operation": operation,
                "status": status,
                "duration_ms": duration,
                "ip": ip,
                "user": user,
                "outcome": notes,
            },
        )
