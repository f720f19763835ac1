"""What leaves the process in a trace: every span passes through `RedactingExporter` on its
way to the configured exporter, so no instrumentation (ours or a library's) can ship a
password, token, OTP, secret, cookie or SQL bind value.

- an attribute whose name speaks of a credential (`password`, `token`, `otp`, `secret`,
  `authorization`, `cookie`, `tfa`, `hash`, SQL `parameters`) is masked;
- a text value carrying one (a JWT, `Bearer …`, `password=…`) is masked;
- a URL loses its query string (`?access_token=` is a way to authenticate);
- SQL keeps its shape, its quoted strings and numbers replaced by `?`;
- a GraphQL document keeps its shape, its literals stripped by the function the composition
  root hands in (the resolvers' literal splitter), or is dropped when that cannot be done.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from opentelemetry.sdk.trace import Event, ReadableSpan
from opentelemetry.sdk.trace.export import SpanExporter, SpanExportResult
from opentelemetry.trace import Status

MASK = "[REDACTED]"
DOCUMENT_KEYS = frozenset({"graphql.document"})
SQL_KEYS = frozenset({"db.statement", "db.query.text"})
URL_KEYS = frozenset({"http.url", "http.target", "url.full", "url.query"})
_SENSITIVE_NAME = re.compile(
    r"password|token|otp|secret|authori[sz]ation|cookie|tfa|hash|parameter|credential",
    re.IGNORECASE,
)
_SENSITIVE_VALUE = re.compile(
    r"eyJ[\w-]{5,}\.[\w-]{5,}"  # a JWT
    r"|\b(?:bearer|basic|metrics)\s+\S+"  # an Authorization header's value
    r"|(?:password|token|otp|secret)\w*\s*[=:]\s*\S+",  # name=value, name: value
    re.IGNORECASE,
)
_SQL_LITERAL = re.compile(r"'(?:[^']|'')*'|\b\d+(?:\.\d+)?\b")

StripDocument = Callable[[str], str | None]


class Redactor:
    def __init__(self, strip_document: StripDocument) -> None:
        self._strip_document = strip_document

    def attributes(self, attributes: Mapping[str, Any] | None) -> dict[str, Any]:
        cleaned: dict[str, Any] = {}
        for key, value in (attributes or {}).items():
            kept = self._value(key, value)
            if kept is not None:
                cleaned[key] = kept
        return cleaned

    def _value(self, key: str, value: Any) -> Any:
        if key in DOCUMENT_KEYS:
            return self._strip_document(value) if isinstance(value, str) else None
        if key in SQL_KEYS:
            return _SQL_LITERAL.sub("?", value) if isinstance(value, str) else None
        if _SENSITIVE_NAME.search(key):
            return MASK
        if key in URL_KEYS and isinstance(value, str):
            value = "" if key == "url.query" else value.split("?", 1)[0]
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, Sequence) and not isinstance(value, bytes | bytearray):
            return [self.text(item) if isinstance(item, str) else item for item in value]
        return value

    @staticmethod
    def text(value: str) -> str:
        return MASK if _SENSITIVE_VALUE.search(value) else value

    def span(self, span: ReadableSpan) -> ReadableSpan:
        status = span.status
        if status.description:
            status = Status(status.status_code, self.text(status.description))
        return ReadableSpan(
            name=self.text(span.name),
            context=span.context,
            parent=span.parent,
            resource=span.resource,
            attributes=self.attributes(span.attributes),
            events=[
                Event(event.name, self.attributes(event.attributes), event.timestamp)
                for event in span.events
            ],
            links=span.links,
            kind=span.kind,
            status=status,
            start_time=span.start_time,
            end_time=span.end_time,
            instrumentation_scope=span.instrumentation_scope,
        )


class RedactingExporter(SpanExporter):
    """Redacts every span, then hands it to the real exporter."""

    def __init__(self, inner: SpanExporter, redactor: Redactor) -> None:
        self._inner = inner
        self._redactor = redactor

    def export(self, spans: Sequence[ReadableSpan]) -> SpanExportResult:
        return self._inner.export([self._redactor.span(span) for span in spans])

    def shutdown(self) -> None:
        self._inner.shutdown()

    def force_flush(self, timeout_millis: int = 30000) -> bool:
        return self._inner.force_flush(timeout_millis)
