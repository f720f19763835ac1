"""The Prometheus metrics (METRICS_ENABLED serves them at /metrics).

Every metric is defined here once, at import. Under several workers `dauth serve` points
PROMETHEUS_MULTIPROC_DIR at a fresh folder before the workers start, so prometheus-client keeps
each worker's values in files there and a scrape, whichever worker answers it, sums them all
(`exposition`). Gauges say how they combine across workers (`multiprocess_mode`).
"""

from __future__ import annotations

import inspect
import logging
import os
from collections.abc import Awaitable, Callable

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
    multiprocess,
)

from app.rare_warnings import RareWarning, cause_of

MULTIPROC_DIR = "PROMETHEUS_MULTIPROC_DIR"

REQUESTS = Counter(
    "dauth_http_requests",
    "HTTP requests answered, per operation (GraphQL root field or REST route) and status.",
    ["operation", "method", "status"],
)
REQUEST_SECONDS = Histogram(
    "dauth_http_request_duration_seconds",
    "Time to answer a request, per operation.",
    ["operation"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
)
LOGINS = Counter(
    "dauth_logins",
    "Password and passkey logins by outcome: success, or the reason class of a failure.",
    ["outcome"],
)
LOCKOUTS = Counter("dauth_lockouts", "Accounts locked after repeated failed logins.")
SUSPENSIONS = Counter(
    "dauth_login_suspensions", "Accounts suspended for reaching auth_login_attempts."
)
REFRESH_ROTATIONS = Counter("dauth_refresh_rotations", "Refresh tokens rotated.")
REFRESH_REUSE = Counter(
    "dauth_refresh_reuse_detections",
    "Rotated-out refresh tokens replayed after the grace window (their login was ended).",
)
HASH_QUEUE = Gauge(
    "dauth_hash_queue_length",
    "Password hashes and checks waiting for or running on the hashing threads.",
    multiprocess_mode="livesum",
)
HASH_SECONDS = Histogram(
    "dauth_hash_duration_seconds",
    "Time of a password hash or check, its wait for a thread included.",
    ["operation"],
    buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
)
MAIL_QUEUE = Gauge(
    "dauth_mail_queue_depth",
    "Mails waiting to be sent (queued or being sent, by any instance), read at each scrape.",
    multiprocess_mode="livemostrecent",
)
MAIL_FAILURES = Counter(
    "dauth_mail_failures", "Attempts to send a mail that failed (retried later, or given up)."
)
DB_POOL_IN_USE = Gauge(
    "dauth_db_pool_connections_in_use",
    "Database connections checked out of the pool.",
    multiprocess_mode="livesum",
)

_depth_warning = RareWarning(logging.getLogger("app.metrics"))

QueueDepth = Callable[[], int | Awaitable[int]]
_mail_queue_depth: list[QueueDepth] = []


def watch_mail_queue(depth: QueueDepth) -> None:
    """Where dauth_mail_queue_depth is read at each scrape (the last one given wins): a plain
    or async function, e.g. one counting the queued rows of a mail table."""
    _mail_queue_depth[:] = [depth]


async def _refresh_gauges() -> None:
    """A depth that cannot be read (the database is down) keeps its last value: the scrape
    still answers, with the counters an outage makes most worth reading."""
    for depth in _mail_queue_depth:
        try:
            value = depth()
            MAIL_QUEUE.set(await value if inspect.isawaitable(value) else value)
        except Exception as error:
            _depth_warning.warn(
                "The mail queue's depth could not be read for /metrics; it keeps its last "
                "value (%s; said at most once a minute)",
                cause_of(error),
            )


async def exposition() -> tuple[bytes, str]:
    """The text a scrape gets: every worker's values when they share a folder."""
    await _refresh_gauges()
    if os.environ.get(MULTIPROC_DIR):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
        return generate_latest(registry), CONTENT_TYPE_LATEST
    return generate_latest(REGISTRY), CONTENT_TYPE_LATEST


def worker_stopped() -> None:
    """A worker's live gauges stop counting once it is gone (its counters stay summed)."""
    if os.environ.get(MULTIPROC_DIR):
        multiprocess.mark_process_dead(os.getpid())  # type: ignore[no-untyped-call]
