"""Parallel logins with the RIGHT password: a worker pool, a browser restoring its tabs, a
benchmark's login storm. Only verified failures start a lock, so they all get in; attempts
in flight beyond the threshold wait for the verdicts before them instead of being refused.
Wrong guesses mixed in stay bounded as in test_login_lockout_concurrency.

Bursts are `asyncio.gather` over the ASGI client; time moves only when the test moves it.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

import httpx
import pytest
from sqlmodel import col, select

from app.clock import SettableClock
from app.db.models import Activity
from app.repositories import login_claims as claims_repo
from app.services import login_guard
from app.services.container import Services
from tests.conftest import LOGIN, create_user, gql
from tests.graphql.mutation_seed import stored_user
from tests.graphql.security_helpers import lockout_settings
from tests.graphql.test_login_lockout_concurrency import audited, count_checks

EMAIL = "pool-account@example.com"
PASSWORD = "pool-account-password-1"
THRESHOLD = 5
BASE = timedelta(seconds=60)


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    return lockout_settings(THRESHOLD, BASE, timedelta(hours=1), login_stall_time=1)


@pytest.fixture
async def user_id(services: Services) -> str:
    return (await create_user(services, EMAIL, PASSWORD)).id


async def log_in(client: httpx.AsyncClient, password: str) -> bool:
    """Whether the login got tokens; a refusal is INVALID_CREDENTIALS, nothing else."""
    variables = {"email": EMAIL, "password": password, "mode": "json"}
    reply = await gql(client, LOGIN, variables)
    assert reply.status == 200, reply.body
    if reply.body.get("errors"):
        assert reply.codes == ["INVALID_CREDENTIALS"], reply.body
        return False
    assert reply.data["auth_login"]["access_token"]
    return True


async def lock_comments(services: Services) -> list[str | None]:
    async with services.db.read() as session:
        statement = select(Activity.comment).where(col(Activity.action) == "login.locked")
        return list((await session.exec(statement)).all())


async def in_flight(services: Services, user_id: str) -> int:
    async with services.db.read() as session:
        seen = await claims_repo.standing(session, user_id, services.clock.now())
    assert seen is not None
    return seen.in_flight


async def test_thirty_two_parallel_logins_with_the_right_password_all_get_in(
    client: httpx.AsyncClient, services: Services, user_id: str
) -> None:
    outcomes = await asyncio.gather(*(log_in(client, PASSWORD) for _ in range(32)))
    assert all(outcomes)
    row = await stored_user(services, user_id)
    assert row.failed_login_attempts == 0
    assert row.locked_until is None
    assert row.status == "active"
    assert await audited(services, "login") == 32
    assert await audited(services, "login.locked") == 0
    assert await in_flight(services, user_id) == 0


async def test_a_mixed_burst_below_the_threshold_lets_every_right_password_in(
    client: httpx.AsyncClient,
    services: Services,
    user_id: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Four wrong guesses among 28 right ones can never make five verified failures in a
    row: every right one gets in, and nothing locks."""
    checked = count_checks(services, monkeypatch, (await stored_user(services, user_id)).password)
    wrong = {3, 10, 17, 24}
    passwords = [f"guess-{n}" if n in wrong else PASSWORD for n in range(32)]
    outcomes = await asyncio.gather(*(log_in(client, password) for password in passwords))
    assert outcomes == [n not in wrong for n in range(32)]
    assert len(checked) == 32
    row = await stored_user(services, user_id)
    assert row.locked_until is None
    assert row.failed_login_attempts < THRESHOLD
    assert await audited(services, "login.locked") == 0
    assert await in_flight(services, user_id) == 0


async def test_a_mixed_burst_bounds_the_wrong_guesses_between_successes(
    client: httpx.AsyncClient,
    services: Services,
    user_id: str,
    clock: SettableClock,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """40 wrong guesses and 8 right passwords in parallel: each success ends the run of
    failures, so the wrong guesses get at most the threshold's checks per run (one run
    before each success and the one after the last), plus those a success forgives (in
    flight as it commits: fewer than the threshold, as when a sequential success clears
    the count). A right password is refused only once verified failures locked the
    account."""
    checked = count_checks(services, monkeypatch, (await stored_user(services, user_id)).password)
    right = {n for n in range(48) if n % 6 == 5}
    passwords = [PASSWORD if n in right else f"guess-{n}" for n in range(48)]
    outcomes = await asyncio.gather(*(log_in(client, password) for password in passwords))
    successes = sum(outcomes)
    wrong_checks = len([password for password in checked if password != PASSWORD])
    assert wrong_checks <= THRESHOLD * (successes + 1) + (THRESHOLD - 1) * successes
    row = await stored_user(services, user_id)
    if successes < len(right):  # a right password was refused: by a lock, never otherwise
        assert row.locked_until is not None
        assert row.locked_until > clock.now()
        assert row.failed_login_attempts == THRESHOLD
    assert not any(outcomes[n] for n in range(48) if n not in right)
    assert await in_flight(services, user_id) == 0
    clock.advance(BASE + timedelta(seconds=1))
    assert await log_in(client, PASSWORD)


async def test_wrong_guesses_in_flight_make_a_right_password_wait_not_fail(
    client: httpx.AsyncClient,
    services: Services,
    user_id: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Four wrong guesses are being checked; of three right passwords sent then, one has
    room and two wait. Once the checks go on, all three get in: four failures do not
    lock, and waiting is not failing."""
    release, four_started = asyncio.Event(), asyncio.Event()
    started: list[str] = []
    real = services.hasher.verify

    async def slow(password: str, hashed: str) -> bool:
        started.append(password)
        if len(started) == 4:
            four_started.set()
        await release.wait()
        return await real(password, hashed)

    monkeypatch.setattr(services.hasher, "verify", slow)
    guesses = [asyncio.create_task(log_in(client, f"guess-{n}")) for n in range(4)]
    await four_started.wait()
    owners = [asyncio.create_task(log_in(client, PASSWORD)) for _ in range(3)]
    for _ in range(500):  # the owner with room reaches its check (a loaded machine: later)
        if len(started) >= THRESHOLD:
            break
        await asyncio.sleep(0.01)
    await asyncio.sleep(0.3)  # and the two others, had they room, would have reached theirs
    assert len(started) == THRESHOLD  # four guesses and one owner; two owners wait
    assert await in_flight(services, user_id) == THRESHOLD
    release.set()
    assert not any(await asyncio.gather(*guesses))
    assert all(await asyncio.gather(*owners))
    row = await stored_user(services, user_id)
    assert row.locked_until is None
    assert row.failed_login_attempts < THRESHOLD
    assert await in_flight(services, user_id) == 0


async def test_a_crashed_claim_stops_counting_after_the_verdict_hold(
    client: httpx.AsyncClient,
    services: Services,
    user_id: str,
    clock: SettableClock,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Five claims whose requests died before their verdict fill the window: a login waits
    (nothing is checked) until they stop counting, then gets in; nothing was counted as a
    failure and nothing locked."""
    now = clock.now()
    async with services.db.write() as session:
        for _ in range(THRESHOLD):
            expires = now + login_guard.VERDICT_HOLD
            assert await claims_repo.claim(session, user_id, now, expires, THRESHOLD, None) == 0
    checked = count_checks(services, monkeypatch, (await stored_user(services, user_id)).password)
    waiting = [asyncio.create_task(log_in(client, PASSWORD)) for _ in range(8)]
    await asyncio.sleep(0.3)
    assert checked == []
    assert not any(task.done() for task in waiting)
    clock.advance(login_guard.VERDICT_HOLD)
    assert all(await asyncio.gather(*waiting))
    row = await stored_user(services, user_id)
    assert row.failed_login_attempts == 0
    assert row.locked_until is None
    assert await in_flight(services, user_id) == 0


async def test_a_wait_for_room_ends_with_a_refusal_after_the_hold(
    client: httpx.AsyncClient,
    services: Services,
    user_id: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """When the claims in flight never settle within the wait (here shortened to 0.3 s),
    the attempt is refused unchecked, audited as locked (`busy`)."""
    now = services.clock.now()
    async with services.db.write() as session:
        for _ in range(THRESHOLD):
            expires = now + timedelta(hours=1)
            assert await claims_repo.claim(session, user_id, now, expires, THRESHOLD, None) == 0
    monkeypatch.setattr(login_guard, "VERDICT_HOLD", timedelta(milliseconds=300))
    checked = count_checks(services, monkeypatch, (await stored_user(services, user_id)).password)
    assert not await log_in(client, PASSWORD)
    assert checked == []
    assert await lock_comments(services) == ["busy"]
