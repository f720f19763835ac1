"""The composition root: the only module of app/ that imports the GraphQL schema."""

from __future__ import annotations

import gc
import logging
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Mount, Route, WebSocketRoute
from starlette.staticfiles import StaticFiles

from app.clock import Clock, SystemClock
from app.config import Settings
from app.db.engine import Database, create_engine
from app.db.query.item_query import filter_limits
from app.errors import DirectusError, InternalServerError, MethodNotAllowedError
from app.http.errors import error_response
from app.http.metrics import metrics_routes
from app.http.middleware import (
    AccessLogMiddleware,
    RateLimitMiddleware,
    SecurityHeadersMiddleware,
    cors_options,
)
from app.http.rest.routes import rest_routes
from app.http.tracing_middleware import TracingMiddleware
from app.logging_setup import configure_logging
from app.observability import metrics
from app.observability.tracing import Tracing, tracing_from_environment, tracing_to
from app.pages.routes import page_routes
from app.services.container import Services
from app.settings_loader import load_settings
from resolvers.engine.extensions import DocumentLimits
from resolvers.engine.tracing import document_shape
from resolvers.engine.view import DirectusGraphQL
from resolvers.schema import schema_for
from resolvers.schema import schema_sdl as _schema_sdl

if TYPE_CHECKING:
    from opentelemetry.sdk.trace.export import SpanExporter

logger = logging.getLogger("app")
GRAPHIQL_ASSETS_DIR = Path(__file__).with_name("static") / "graphiql"


async def _not_found(request: Request, exc: Exception) -> Response:
    status = exc.status_code if isinstance(exc, HTTPException) else 404
    if status == 405 and isinstance(exc, HTTPException):
        # A known path, another method: name the methods it takes (Allow), as Directus.
        allow = (exc.headers or {}).get("Allow", "")
        allowed = [method.strip() for method in allow.split(",") if method.strip()]
        return error_response(MethodNotAllowedError(request.method, allowed))
    code = "ROUTE_NOT_FOUND" if status == 404 else "INVALID_PAYLOAD"
    message = f"Route {request.url.path} doesn't exist." if status == 404 else str(exc)
    return JSONResponse(
        {"errors": [{"message": message, "extensions": {"code": code}}]}, status_code=status
    )


async def _unexpected(request: Request, exc: Exception) -> Response:
    if isinstance(exc, DirectusError):
        # A coded error no route answered (a safety net: routes answer their own): the
        # client still gets its code, e.g. SERVICE_UNAVAILABLE during an outage, not a 500.
        logger.warning("%s escaped %s %s", exc.code, request.method, request.url.path)
        return error_response(exc)
    logger.error("Unexpected error", exc_info=exc)
    return error_response(InternalServerError())


def _middleware(
    settings: Settings, services: Services, tracing: Tracing | None
) -> list[Middleware]:
    """Outermost first: CORS answers preflights before anything counts them."""
    stack = (
        []
        if tracing is None
        else [
            Middleware(
                TracingMiddleware, tracer=tracing.tracer, trust_proxy=settings.ip_trust_proxy
            )
        ]
    )
    stack += [
        Middleware(
            AccessLogMiddleware,
            trust_proxy=settings.ip_trust_proxy,
            metrics=settings.metrics_enabled,
        ),
        Middleware(SecurityHeadersMiddleware, https=settings.public_url.startswith("https://")),
    ]
    if settings.cors_enabled:
        stack.append(Middleware(CORSMiddleware, **cors_options(settings)))
    stack.append(
        Middleware(
            RateLimitMiddleware, limits=services.rate_limits, trust_proxy=settings.ip_trust_proxy
        )
    )
    return stack


def served_app() -> Starlette:
    """What `dauth serve` runs in each worker: the app, with its start-up heap frozen."""
    return create_app(freeze_heap=True)


def create_app(
    settings: Settings | None = None,
    clock: Clock | None = None,
    *,
    freeze_heap: bool = False,
    span_exporter: SpanExporter | None = None,
) -> Starlette:
    """`span_exporter`: trace into it (tests); else OTEL_* decide whether to trace at all."""
    settings = settings or load_settings()
    configure_logging(settings.log_level, settings.log_style)
    tracing = (
        tracing_to(span_exporter, document_shape)
        if span_exporter is not None
        else tracing_from_environment(os.environ, document_shape)
    )
    database = Database(create_engine(settings))
    if tracing is not None:
        database.trace_statements(tracing.tracer)
    services = Services.build(settings, clock or SystemClock(), database)
    limits = DocumentLimits(
        token_limit=settings.graphql_query_token_limit,
        max_depth=settings.max_relational_depth,
        max_aliases=settings.graphql_max_aliases,
        introspection=settings.graphql_introspection,
        filters=filter_limits(settings),
        max_batch=settings.max_batch_mutation,
        single_use=frozenset(settings.graphql_single_use_mutations),
    )
    tracer = None if tracing is None else tracing.tracer
    graphql = DirectusGraphQL(schema_for(limits, tracer), services)
    metrics.watch_mail_queue(services.mailer.depth)

    @asynccontextmanager
    async def lifespan(_app: Starlette) -> AsyncIterator[None]:
        if freeze_heap:
            # The schema, models and modules live as long as the process: out of the
            # collector's sight, full collections stay short and so do latency spikes.
            gc.collect()
            gc.freeze()
        database.start(count_connections=settings.metrics_enabled)
        services.mailer.start()
        await services.hasher.start()
        try:
            yield
        finally:
            # Sends under way finish; what this process still holds is handed back.
            await services.mailer.stop()
            await services.events.close()
            await services.rate_limits.close()
            await services.sso.close()
            await database.dispose()
            services.hasher.close()
            metrics.worker_stopped()
            if tracing is not None:
                tracing.shutdown()

    app = Starlette(
        routes=[
            Route("/graphql/system", graphql, methods=["GET", "POST"]),
            WebSocketRoute("/graphql/system", graphql),
            Mount("/graphiql/assets", StaticFiles(directory=GRAPHIQL_ASSETS_DIR)),
            # Pages first: they answer the verification link's GET for browsers.
            *page_routes(settings),
            *rest_routes(),
            *metrics_routes(settings),
        ],
        middleware=_middleware(settings, services, tracing),
        exception_handlers={HTTPException: _not_found, Exception: _unexpected},
        lifespan=lifespan,
    )
    app.state.services = services
    return app


def schema_sdl() -> str:
    """The served schema as SDL, for `dauth schema export` (the composition root owns it)."""
    return _schema_sdl()
