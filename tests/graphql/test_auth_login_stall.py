"""Every failed login takes LOGIN_STALL_TIME, so timing does not tell which check failed."""

from __future__ import annotations

import statistics
import time
from typing import Any

import httpx
import pytest

from app.services.container import Services
from tests.conftest import ADMIN_EMAIL, LOGIN, create_user, gql

STALL_SECONDS = 0.3
TRIES = 3


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    return {"login_stall_time": 300}


async def _timed_failure(client: httpx.AsyncClient, email: str, password: str) -> float:
    started = time.perf_counter()
    reply = await gql(client, LOGIN, {"email": email, "password": password})
    elapsed = time.perf_counter() - started
    assert reply.codes == ["INVALID_CREDENTIALS"], reply.body
    return elapsed


async def test_failed_logins_are_stalled_alike(
    client: httpx.AsyncClient, services: Services
) -> None:
    """Wrong password, unknown email and suspended user are indistinguishable by time."""
    await create_user(services, "suspended@example.com", "right-password-1", status="suspended")
    outcomes = {
        "wrong password": (ADMIN_EMAIL, "wrong-password-1"),
        "unknown email": ("nobody@example.com", "wrong-password-1"),
        "suspended user": ("suspended@example.com", "right-password-1"),
    }
    medians: dict[str, float] = {}
    for name, (email, password) in outcomes.items():
        durations = [await _timed_failure(client, email, password) for _ in range(TRIES)]
        assert min(durations) >= STALL_SECONDS, (name, durations)
        medians[name] = statistics.median(durations)
    assert max(medians.values()) - min(medians.values()) < 0.15, medians
