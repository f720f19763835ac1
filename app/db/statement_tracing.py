"""A client span per SQL statement of a traced request (when tracing is on): the statement's
text, whose values are bind parameters that are never recorded (and whose literals the
redaction strips). Statements outside a request (the mail sender's polling, every
EMAIL_QUEUE_POLL_INTERVAL in each process) start no trace of their own."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlalchemy import Engine, event

if TYPE_CHECKING:
    from opentelemetry.trace import Tracer

_SPAN = "_dauth_span"
_STATEMENT_CHARS = 2000


def trace_statements(engine: Engine, tracer: Tracer) -> None:
    from opentelemetry.trace import SpanKind, StatusCode, get_current_span

    system = "postgresql" if engine.dialect.name == "postgresql" else engine.dialect.name

    @event.listens_for(engine, "before_cursor_execute")
    def _started(
        _conn: Any, _cursor: Any, statement: str, _params: Any, context: Any, _many: bool
    ) -> None:
        if not get_current_span().get_span_context().is_valid:
            return
        verb = statement.lstrip().split(None, 1)[0].upper() if statement.strip() else "SQL"
        span = tracer.start_span(
            verb,
            kind=SpanKind.CLIENT,
            attributes={
                "db.system.name": system,
                "db.query.text": statement[:_STATEMENT_CHARS],
            },
        )
        if context is not None:
            setattr(context, _SPAN, span)

    @event.listens_for(engine, "after_cursor_execute")
    def _ended(
        _conn: Any, _cursor: Any, _statement: str, _params: Any, context: Any, _many: bool
    ) -> None:
        span = getattr(context, _SPAN, None)
        if span is not None:
            span.end()

    @event.listens_for(engine, "handle_error")
    def _failed(exception_context: Any) -> None:
        span = getattr(exception_context.execution_context, _SPAN, None)
        if span is not None:
            span.set_status(StatusCode.ERROR, type(exception_context.original_exception).__name__)
            span.end()
