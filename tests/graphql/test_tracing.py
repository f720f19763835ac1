"""OpenTelemetry tracing (here into an in-memory exporter): spans for each request, its
resolvers and its SQL statements, nested in one trace; and no span name, attribute, event or
status holds a password, OTP, token, TFA secret, hash or SECRET, whichever way it was sent
(document literals, variables, JSON bodies, headers, the query string)."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Mapping
from typing import Any

import httpx
import pyotp
import pytest
from asgi_lifespan import LifespanManager
from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind

from app.clock import SettableClock
from app.config import Settings
from app.main import create_app
from app.observability.tracing import tracing_from_environment
from app.services.bootstrap import bootstrap
from app.services.container import Services
from resolvers.engine.tracing import document_shape
from tests.conftest import ADMIN_EMAIL, ADMIN_PASSWORD, TEST_SECRET, app_client, create_user, gql
from tests.leaks import remember_concealed

TFA_EMAIL = "traced@example.com"
TFA_PASSWORD = "traced-password-1"
TFA_SECRET = pyotp.random_base32()
LITERAL_LOGIN = (
    'mutation { auth_login(email: "EMAIL", password: "PASSWORD") { access_token refresh_token } }'
)
LITERAL_REFRESH = 'mutation { auth_refresh(refresh_token: "TOKEN") { refresh_token } }'
OTP_LOGIN = """
mutation($e: String!, $p: String!, $otp: String) {
  auth_login(email: $e, password: $p, otp: $otp) { access_token }
}
"""


@pytest.fixture
async def traced(
    settings: Settings, clock: SettableClock
) -> AsyncIterator[tuple[httpx.AsyncClient, InMemorySpanExporter, Services]]:
    exporter = InMemorySpanExporter()
    app = create_app(settings, clock, span_exporter=exporter)
    async with LifespanManager(app), app_client(app) as client:
        services: Services = app.state.services
        await bootstrap(services.db, services.hasher, ADMIN_EMAIL, ADMIN_PASSWORD)
        remember_concealed(TFA_SECRET)
        await create_user(services, TFA_EMAIL, TFA_PASSWORD, tfa_secret=TFA_SECRET)
        exporter.clear()
        yield client, exporter, services


def attributes(span: ReadableSpan) -> Mapping[str, Any]:
    return span.attributes or {}


def every_text(span: ReadableSpan) -> list[str]:
    texts = [span.name, span.status.description or ""]
    attributes: list[Any] = list((span.attributes or {}).items())
    for event in span.events:
        texts.append(event.name)
        attributes += list((event.attributes or {}).items())
    texts += [f"{key}={json.dumps(value, default=str)}" for key, value in attributes]
    return texts


async def test_requests_resolvers_and_statements_are_traced_without_secrets(
    traced: tuple[httpx.AsyncClient, InMemorySpanExporter, Services], clock: SettableClock
) -> None:
    client, exporter, _ = traced
    otp = pyotp.TOTP(TFA_SECRET).at(clock.now())
    wrong_otp = str((int(otp) + 1) % 1_000_000).zfill(6)

    literal_login = LITERAL_LOGIN.replace("EMAIL", ADMIN_EMAIL).replace("PASSWORD", ADMIN_PASSWORD)
    admin = await gql(client, literal_login)
    tokens = admin.data["auth_login"]
    refused = await gql(client, OTP_LOGIN, {"e": TFA_EMAIL, "p": TFA_PASSWORD, "otp": wrong_otp})
    assert refused.codes == ["INVALID_OTP"]
    tfa = await gql(client, OTP_LOGIN, {"e": TFA_EMAIL, "p": TFA_PASSWORD, "otp": otp})
    tfa_token = tfa.data["auth_login"]["access_token"]
    me = await gql(client, "{ users_me { email } }", token=tfa_token)
    assert me.data["users_me"]["email"] == TFA_EMAIL
    refreshed = await gql(client, LITERAL_REFRESH.replace("TOKEN", tokens["refresh_token"]))
    new_refresh = refreshed.data["auth_refresh"]["refresh_token"]
    rest = await client.post(
        "/auth/login", json={"email": TFA_EMAIL, "password": "rest-wrong-password-5"}
    )
    assert rest.status_code == 401
    query_token = await client.get(f"/users/me?access_token={tokens['access_token']}")
    assert query_token.status_code == 200

    spans = exporter.get_finished_spans()
    servers = [span for span in spans if span.kind == SpanKind.SERVER]
    assert [span.name for span in servers] == [
        "POST auth_login",
        "POST auth_login",
        "POST auth_login",
        "POST users_me",
        "POST auth_refresh",
        "POST /auth/login",
        "GET /users/me",
    ]
    assert {attributes(span)["http.response.status_code"] for span in servers} == {200, 401}
    resolvers = [span for span in spans if span.name.startswith("graphql.resolve ")]
    assert {span.name for span in resolvers} >= {
        "graphql.resolve auth_login",
        "graphql.resolve users_me",
        "graphql.resolve auth_refresh",
    }
    statements = [span for span in spans if span.kind == SpanKind.CLIENT]
    assert any(str(attributes(span)["db.query.text"]).startswith("SELECT") for span in statements)
    # One trace per request: the resolver and its statements are inside the request's span.
    login_trace = servers[0].context.trace_id
    assert any(span.context.trace_id == login_trace for span in resolvers)
    assert any(span.context.trace_id == login_trace for span in statements)
    documents = [
        span.attributes["graphql.document"]
        for span in spans
        if span.attributes and "graphql.document" in span.attributes
    ]
    assert "auth_login(email: ?, password: ?)" in str(documents[0])

    secrets = [
        ADMIN_PASSWORD,
        TFA_PASSWORD,
        "rest-wrong-password-5",
        otp,
        wrong_otp,
        TFA_SECRET,
        TEST_SECRET,
        tokens["access_token"],
        tokens["refresh_token"],
        tfa_token,
        new_refresh,
        "$argon2",
    ]
    for span in spans:
        for text in every_text(span):
            for secret in secrets:
                assert secret not in text, (span.name, text)


async def test_a_request_continues_the_callers_trace(
    traced: tuple[httpx.AsyncClient, InMemorySpanExporter, Services],
) -> None:
    client, exporter, _ = traced
    trace_id, parent_id = "4bf92f3577b34da6a3ce929d0e0e4736", "00f067aa0ba902b7"
    response = await client.get(
        "/server/ping", headers={"traceparent": f"00-{trace_id}-{parent_id}-01"}
    )
    assert response.text == "pong"
    [server] = [span for span in exporter.get_finished_spans() if span.kind == SpanKind.SERVER]
    assert server.name == "GET /server/ping"
    assert server.context is not None
    assert server.parent is not None
    assert format(server.context.trace_id, "032x") == trace_id
    assert format(server.parent.span_id, "016x") == parent_id


async def test_span_names_hold_no_client_text(
    traced: tuple[httpx.AsyncClient, InMemorySpanExporter, Services],
) -> None:
    """Tracing backends index spans by name: a client's own method or path is not one."""
    client, exporter, _ = traced
    await client.request("BREW-7f3a", "/users")
    await client.get("/admin/assets/missing-7f3a.css")
    names = [span.name for span in exporter.get_finished_spans() if span.kind == SpanKind.SERVER]
    assert names == ["other /users", "GET /admin/assets/{path}"]


async def test_work_outside_requests_starts_no_trace(
    traced: tuple[httpx.AsyncClient, InMemorySpanExporter, Services],
) -> None:
    """The mail sender looks for due mail every EMAIL_QUEUE_POLL_INTERVAL in each process:
    its statements would otherwise be a trace of their own each time."""
    _, exporter, services = traced
    await services.mailer.drain()
    assert [span.name for span in exporter.get_finished_spans() if span.parent is None] == []


def test_tracing_is_off_unless_the_otel_variables_name_an_exporter() -> None:
    assert tracing_from_environment({}, document_shape) is None
    assert tracing_from_environment({"OTEL_TRACES_EXPORTER": "none"}, document_shape) is None
    off = {"OTEL_SDK_DISABLED": "true", "OTEL_TRACES_EXPORTER": "console"}
    assert tracing_from_environment(off, document_shape) is None
    endpoint = {"OTEL_EXPORTER_OTLP_ENDPOINT": "http://127.0.0.1:4318"}
    tracing = tracing_from_environment(endpoint, document_shape)
    assert tracing is not None
    tracing.shutdown()


def test_documents_keep_their_shape_without_literals() -> None:
    assert (
        document_shape('mutation { auth_login(email: "a@b.c", password: "pw", otp: "123456") }')
        == "mutation { auth_login(email: ?, password: ?, otp: ?) }"
    )
    assert document_shape('{ a(x: """block""") }') is None
