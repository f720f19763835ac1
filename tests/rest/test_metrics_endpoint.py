"""GET /metrics: absent unless METRICS_ENABLED; then for admins and for METRICS_TOKENS
(`Authorization: Metrics <token>`, as Directus, or Bearer); and its counters follow logins,
refreshes, hashing, requests and the database pool."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from asgi_lifespan import LifespanManager
from prometheus_client.parser import text_string_to_metric_families

from app.config import Settings
from app.main import create_app
from app.services.container import Services
from tests.conftest import (
    ADMIN_EMAIL,
    LOGIN,
    TEST_SECRET,
    app_client,
    create_user,
    gql,
    login,
)
from tests.e2e.server_process import free_port
from tests.graphql.helpers import REFRESH

SCRAPE_TOKEN = "scrape-token-for-prometheus-1"


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    return {"metrics_enabled": True, "metrics_tokens": ["another-token-0", SCRAPE_TOKEN]}


Samples = dict[tuple[str, tuple[tuple[str, str], ...]], float]


async def scrape(client: httpx.AsyncClient) -> Samples:
    response = await client.get("/metrics", headers={"Authorization": f"Metrics {SCRAPE_TOKEN}"})
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/plain")
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(response.text)
        for sample in family.samples
    }


def value(samples: Samples, name: str, **labels: str) -> float:
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


def code_of(response: httpx.Response) -> str:
    return str(response.json()["errors"][0]["extensions"]["code"])


async def test_metrics_are_not_served_unless_enabled(settings: Settings) -> None:
    app = create_app(settings.model_copy(update={"metrics_enabled": False}))
    async with app_client(app) as client:
        response = await client.get("/metrics", headers={"Authorization": "Metrics x"})
    assert response.status_code == 404
    assert code_of(response) == "ROUTE_NOT_FOUND"


async def test_only_admins_and_metrics_tokens_may_scrape(
    client: httpx.AsyncClient, services: Services, admin_token: str
) -> None:
    await create_user(services, "viewer@example.com", "viewer-password-1")
    viewer = (await login(client, "viewer@example.com", "viewer-password-1"))["access_token"]
    refused = [
        {},
        {"Authorization": "Metrics wrong-token"},
        {"Authorization": f"Metrics {SCRAPE_TOKEN}x"},
        {"Authorization": f"Bearer {viewer}"},
    ]
    for headers in refused:
        response = await client.get("/metrics", headers=headers)
        assert (response.status_code, code_of(response)) == (403, "FORBIDDEN"), headers
    unreadable = await client.get("/metrics", headers={"Authorization": "Bearer not-a-token"})
    assert (unreadable.status_code, code_of(unreadable)) == (401, "INVALID_CREDENTIALS")
    allowed = [
        {"Authorization": f"Metrics {SCRAPE_TOKEN}"},
        {"Authorization": "metrics another-token-0"},
        {"Authorization": f"Bearer {SCRAPE_TOKEN}"},
        {"Authorization": f"Bearer {admin_token}"},
    ]
    for headers in allowed:
        response = await client.get("/metrics", headers=headers)
        assert response.status_code == 200, headers
        assert "dauth_logins_total" in response.text


async def test_counters_follow_logins_refreshes_and_requests(
    client: httpx.AsyncClient, services: Services
) -> None:
    await create_user(services, "counted@example.com", "counted-password-1")
    before = await scrape(client)
    tokens = await login(client, "counted@example.com", "counted-password-1")
    for password in ("wrong-one-1", "wrong-one-2"):
        reply = await gql(client, LOGIN, {"email": "counted@example.com", "password": password})
        assert reply.codes == ["INVALID_CREDENTIALS"]
    reply = await gql(client, LOGIN, {"email": "ghost@example.com", "password": "whatever-1"})
    assert reply.codes == ["INVALID_CREDENTIALS"]
    refreshed = await gql(client, REFRESH, {"refresh_token": tokens["refresh_token"]})
    assert not refreshed.body.get("errors"), refreshed.body
    assert (await client.get(f"/users/{ADMIN_EMAIL}")).status_code in (401, 403)
    after = await scrape(client)

    def moved(name: str, **labels: str) -> float:
        return value(after, name, **labels) - value(before, name, **labels)

    assert moved("dauth_logins_total", outcome="success") == 1
    assert moved("dauth_logins_total", outcome="wrong_password") == 2
    assert moved("dauth_logins_total", outcome="unknown_user") == 1
    assert moved("dauth_refresh_rotations_total") == 1
    assert moved("dauth_refresh_reuse_detections_total") == 0
    login_requests = moved(
        "dauth_http_requests_total", operation="auth_login", method="POST", status="200"
    )
    assert login_requests == 4
    assert moved("dauth_http_request_duration_seconds_count", operation="auth_login") == 4
    assert moved("dauth_http_request_duration_seconds_count", operation="auth_refresh") == 1
    # The REST route is counted by its pattern, never by the id in the path.
    assert moved("dauth_http_request_duration_seconds_count", operation="/users/{id}") == 1
    # Four password checks (the unknown user's against a dummy hash), one waiting each.
    assert moved("dauth_hash_duration_seconds_count", operation="verify") >= 4
    assert value(after, "dauth_hash_queue_length") == 0
    # The scrape itself holds no connection; the requests gave theirs back.
    assert value(after, "dauth_db_pool_connections_in_use") == value(
        before, "dauth_db_pool_connections_in_use"
    )
    assert ("dauth_mail_queue_depth", ()) in after
    assert ("dauth_mail_failures_total", ()) in after


async def test_mail_failures_are_counted_and_the_queue_depth_is_read_at_each_scrape(
    settings: Settings,
) -> None:
    """A reset mail to an SMTP port nothing listens on fails and is counted, and stays in
    the durable queue for a retry: the depth gauge counts the table's waiting rows."""
    smtp_settings = settings.model_copy(
        update={"email_transport": "smtp", "email_smtp_port": free_port()}
    )
    app = create_app(smtp_settings)
    async with LifespanManager(app), app_client(app) as client:
        services: Services = app.state.services
        await create_user(services, "mailed@example.com")
        before = await scrape(client)
        assert value(before, "dauth_mail_queue_depth") == 0
        response = await client.post("/auth/password/request", json={"email": "mailed@example.com"})
        assert response.status_code == 204
        await services.mailer.drain()
        after = await scrape(client)
        assert (
            value(after, "dauth_mail_failures_total") - value(before, "dauth_mail_failures_total")
            == 1
        )
        assert value(after, "dauth_mail_queue_depth") == await services.mailer.depth() == 1


async def test_request_labels_stay_bounded_whatever_the_client_sends(
    client: httpx.AsyncClient,
) -> None:
    """A client picks the path under a static mount and the method: neither may become a
    label value, or every request adds a series the process keeps for ever."""
    for index in range(3):
        await client.get(f"/admin/assets/missing-{index}.css")
        await client.get(f"/graphiql/assets/missing-{index}.js")
        await client.request(f"BREW{index}", "/users")
        await client.request(f"BREW{index}", "/nowhere")
        # One parameter's value inside the next one's must not leave either in the path.
        await client.delete(f"/users/chosen-{index}/sessions/chosen-{index}x")
    samples = await scrape(client)
    labels = [dict(key) for name, key in samples if name == "dauth_http_requests_total"]
    operations = {entry["operation"] for entry in labels}
    methods = {entry["method"] for entry in labels}
    assert not [name for name in operations if "missing-" in name]
    assert not [name for name in operations if "chosen-" in name]
    assert {
        "/admin/assets/{path}",
        "/graphiql/assets/{path}",
        "/users/{id}/sessions/{session}",
    } <= operations
    assert not [method for method in methods if method.startswith("BREW")]
    assert "other" in methods


async def test_metrics_are_served_while_the_database_is_unreachable() -> None:
    """Prometheus scrapes most usefully during an outage: the counters still come, the mail
    queue's depth keeps its last reading."""
    unreachable = Settings(
        _env_file=None,
        secret=TEST_SECRET,
        db_client="pg",
        db_host="127.0.0.1",
        db_port=free_port(),
        db_connect_timeout=300,
        metrics_enabled=True,
        metrics_tokens=[SCRAPE_TOKEN],
    )
    app = create_app(unreachable)
    async with app_client(app) as client:
        samples = await scrape(client)
    assert ("dauth_mail_queue_depth", ()) in samples
    assert ("dauth_mail_failures_total", ()) in samples
