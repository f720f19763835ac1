"""Optional OpenTelemetry tracing, configured only by the standard OTEL_* variables.

Off unless OTEL_TRACES_EXPORTER names an exporter (`otlp`, `console`) or an OTLP endpoint is
set (OTEL_EXPORTER_OTLP_ENDPOINT / OTEL_EXPORTER_OTLP_TRACES_ENDPOINT), and never with
OTEL_SDK_DISABLED=true. Off, nothing of the SDK is imported and no span is made. On, each
worker has its own provider (OTEL_SERVICE_NAME, OTEL_RESOURCE_ATTRIBUTES, OTEL_TRACES_SAMPLER
and OTEL_BSP_* are read by the SDK, OTEL_EXPORTER_OTLP_* by the exporter), and every span is
redacted on its way out (`redaction`).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import SpanExporter
    from opentelemetry.trace import Tracer

    from app.observability.redaction import StripDocument

logger = logging.getLogger("app.tracing")
EXPORTERS = ("otlp", "console", "none")
SCOPE = "dauth"


@dataclass(frozen=True)
class Tracing:
    provider: TracerProvider
    tracer: Tracer

    def shutdown(self) -> None:
        """Sends what is still buffered (at a worker's shutdown)."""
        self.provider.shutdown()


def _exporter_name(environ: Mapping[str, str]) -> str | None:
    if environ.get("OTEL_SDK_DISABLED", "").strip().lower() == "true":
        return None
    names = [
        name.strip().lower()
        for name in environ.get("OTEL_TRACES_EXPORTER", "").split(",")
        if name.strip()
    ]
    if not names:
        endpoint = environ.get("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT") or environ.get(
            "OTEL_EXPORTER_OTLP_ENDPOINT"
        )
        return "otlp" if endpoint else None
    if len(names) > 1 or names[0] not in EXPORTERS:
        logger.warning(
            "OTEL_TRACES_EXPORTER=%s is not supported (one of %s): tracing is off",
            ",".join(names),
            ", ".join(EXPORTERS),
        )
        return None
    return None if names[0] == "none" else names[0]


def tracing_from_environment(
    environ: Mapping[str, str], strip_document: StripDocument
) -> Tracing | None:
    name = _exporter_name(environ)
    if name is None:
        return None
    from opentelemetry.sdk.trace.export import BatchSpanProcessor, ConsoleSpanExporter

    exporter: SpanExporter
    if name == "console":
        exporter = ConsoleSpanExporter()
    else:
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

        exporter = OTLPSpanExporter()
    return _tracing(exporter, strip_document, batch=BatchSpanProcessor)


def tracing_to(exporter: SpanExporter, strip_document: StripDocument) -> Tracing:
    """Spans handed to `exporter` as each ends (tests read them from an in-memory one)."""
    from opentelemetry.sdk.trace.export import SimpleSpanProcessor

    return _tracing(exporter, strip_document, batch=SimpleSpanProcessor)


def _tracing(exporter: SpanExporter, strip_document: StripDocument, *, batch: type) -> Tracing:
    from opentelemetry.sdk.resources import Resource
    from opentelemetry.sdk.trace import TracerProvider

    from app.observability.redaction import RedactingExporter, Redactor

    resource = Resource.create()  # OTEL_SERVICE_NAME, OTEL_RESOURCE_ATTRIBUTES
    if str(resource.attributes.get("service.name", "")).startswith("unknown_service"):
        resource = resource.merge(Resource({"service.name": "dauth"}))
    provider = TracerProvider(resource=resource)
    provider.add_span_processor(batch(RedactingExporter(exporter, Redactor(strip_document))))
    return Tracing(provider=provider, tracer=provider.get_tracer(SCOPE))
