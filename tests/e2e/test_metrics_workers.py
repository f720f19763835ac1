"""METRICS_ENABLED with WORKERS=2: both workers count into one fresh folder, any scrape sums
them (whichever worker answers it), and the folder is gone once the server stops."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.parser import text_string_to_metric_families

from tests.e2e.server_process import running_server
from tests.graphql_reply import post_graphql

pytestmark = pytest.mark.e2e

TOKEN = "workers-scrape-token-1"
ENV = {
    "SECRET": "metrics-workers-secret-long-enough-for-hs256-0123",
    "ADMIN_EMAIL": "owner@example.com",
    "ADMIN_PASSWORD": "owner-password-1",
    "HASH_MEMORY_COST": "1024",
    "HASH_TIME_COST": "1",
    "HASH_PARALLELISM": "1",
    "LOGIN_STALL_TIME": "0",
    "WORKERS": "2",
    "METRICS_ENABLED": "true",
    "METRICS_TOKENS": TOKEN,
}
LOGIN = 'mutation { auth_login(email: "ghost@example.com", password: "nope-123") { expires } }'
ROUNDS = 20
PER_ROUND = 8


def failed_logins(text: str) -> float:
    return sum(
        sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
        if sample.name == "dauth_logins_total" and sample.labels == {"outcome": "unknown_user"}
    )


def workers_that_counted(folder: Path) -> set[str]:
    """The pids whose own counter file holds a failed login."""
    counted = set()
    for path in folder.glob("counter_*.db"):
        families = MultiProcessCollector.merge([str(path)])  # type: ignore[no-untyped-call]
        if any(
            sample.name == "dauth_logins_total" and sample.value
            for family in families
            for sample in family.samples
        ):
            counted.add(path.stem.removeprefix("counter_"))
    return counted


def test_a_scrape_sums_both_workers(tmp_path: Path) -> None:
    env = {**ENV, "TMPDIR": str(tmp_path)}
    with running_server(tmp_path, env) as server:
        [folder] = tmp_path.glob("dauth-metrics-*")
        sent = 0
        # Connections go to whichever worker accepts them: send until both have counted.
        with ThreadPoolExecutor(max_workers=PER_ROUND) as pool:
            for _ in range(ROUNDS):
                replies = list(
                    pool.map(lambda _: post_graphql(server.url, LOGIN, {}), range(PER_ROUND))
                )
                assert all(r.codes == ["INVALID_CREDENTIALS"] for r in replies)
                sent += PER_ROUND
                if len(workers_that_counted(folder)) == 2:
                    break
        assert len(workers_that_counted(folder)) == 2
        for _ in range(6):  # each on a new connection, so both workers answer some
            response = httpx.get(
                f"{server.url}/metrics", headers={"Authorization": f"Metrics {TOKEN}"}
            )
            assert response.status_code == 200
            assert failed_logins(response.text) == sent
    assert not folder.exists()
