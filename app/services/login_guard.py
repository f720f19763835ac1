"""Brute-force defence per account.

Directus's rule: after `auth_login_attempts` failures in a row (project settings) the user
is suspended. Beyond it: every AUTH_LOCKOUT_THRESHOLD failures lock the account for a while,
doubling each time up to AUTH_LOCKOUT_MAX_DURATION. The lock always ends by itself, and
attempts during a lock are neither checked nor counted, so an attacker can slow a victim
down but not keep them out forever.

Both rules hold under concurrency because an attempt is claimed before its password is
checked: one conditional UPDATE counts it as in flight, but only while the account is not
locked and the verified failures plus the attempts in flight stay below the next lock (and
the suspension). So a parallel burst gets exactly the threshold's number of checks per lock
window, as sequential guesses would, and no more checks before the suspension than
`auth_login_attempts`. Only a verdict counts a failure, and only verified failures start a
lock: a burst of logins with the right password never locks the account. An attempt that
finds no room because others are in flight waits for their verdicts (polling the row) and
claims again; a crashed request's claim stops counting after VERDICT_HOLD.
"""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import timedelta

from app.accountability import ClientInfo
from app.clock import Clock
from app.config import Settings
from app.db.engine import Database
from app.db.models import User
from app.db.types import AsyncSession
from app.observability import auth_events
from app.observability.auth_events import LoginRefusal
from app.repositories import login_claims as claims_repo
from app.repositories import project_settings as settings_repo
from app.repositories import users as users_repo
from app.services.audit import AuditAction, AuditLog

# How long a claim counts as in flight without a verdict: longer than any check (a hash, an
# LDAP bind and its timeouts). Only a crashed request leaves its claim to run out. An attempt
# waiting for room gives up once nothing has changed for this long.
VERDICT_HOLD = timedelta(seconds=60)
# How often a waiting attempt looks at the row again: every 20 to 50 ms, jittered so that
# parallel waiters do not poll in step.
POLL_MS = (20, 50)


@dataclass(eq=False)
class LoginClaim:
    """An attempt counted as in flight before its password was checked, and the run of
    failures it belongs to (a success since the claim starts a new one). `settled` once its
    verdict (or release) is written, so that nothing settles it twice and any way out of a
    login that has not settled it releases it (`LoginGuard.released`)."""

    user: User
    run: int
    settled: bool = False


@dataclass
class _Turn:
    """The attempts of this process waiting for room on one account."""

    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    waiting: int = 0


class LoginGuard:
    def __init__(self, db: Database, settings: Settings, clock: Clock, audit: AuditLog) -> None:
        self._db = db
        self._settings = settings
        self._clock = clock
        self._audit = audit
        self._turns: dict[str, _Turn] = {}

    def lock_duration(self, failures: int) -> timedelta | None:
        """The wait after `failures` consecutive failures, or None when no lock starts now."""
        threshold = self._settings.auth_lockout_threshold
        if not self._settings.auth_lockout_enabled or failures % threshold != 0:
            return None
        nth = failures // threshold
        base = self._settings.auth_lockout_duration
        milliseconds = min(base * 2 ** min(nth - 1, 32), self._settings.auth_lockout_max_duration)
        return timedelta(milliseconds=milliseconds)

    async def claim(self, user: User, client: ClientInfo) -> LoginClaim | None:
        """Counts an attempt as in flight before its password is checked, waiting while
        other attempts in flight leave no room; None (audited) while locked or when the user
        is not active (as Directus, which refuses those before the password), when the
        password must not be checked at all."""
        if user.status != "active":
            auth_events.refused(LoginRefusal.INACTIVE)
            entry = self._audit.entry(
                AuditAction.LOGIN_FAILED, client, user=user.id, comment=f"status={user.status}"
            )
            await self._audit.record(entry)
            return None
        if user.id not in self._turns:  # no one here waits for this account: try at once
            outcome = await self._attempt(user, client, give_up=False)
            if not isinstance(outcome, claims_repo.Standing):
                return outcome
        async with self._turn(user.id):
            return await self._claim_in_turn(user, client)

    async def _claim_in_turn(self, user: User, client: ClientInfo) -> LoginClaim | None:
        """Claims again whenever the row changes (a verdict, a lock, an expiry). Gives up
        (audited as `busy`) only when nothing changed for VERDICT_HOLD: the claims in flight
        stop counting by then, so that happens only while the clock stands still."""
        loop = asyncio.get_running_loop()
        seen: claims_repo.Standing | None = None
        deadline = 0.0
        while True:
            give_up = seen is not None and loop.time() >= deadline
            outcome = await self._attempt(user, client, give_up=give_up)
            if not isinstance(outcome, claims_repo.Standing):
                return outcome
            if outcome != seen:
                seen, deadline = outcome, loop.time() + VERDICT_HOLD.total_seconds()
            await self._until_changed(user.id, seen, deadline)

    async def _attempt(
        self, user: User, client: ClientInfo, *, give_up: bool
    ) -> LoginClaim | claims_repo.Standing | None:
        """One claim: the claim, None (audited) when refused, or what left no room."""
        now = self._clock.now()
        async with self._db.write() as session:
            limit = await self._limit(session)
            expires = now + VERDICT_HOLD
            run = await claims_repo.claim(session, user.id, now, expires, self._window(), limit)
            if run is not None:
                return LoginClaim(user=user, run=run)
            seen = await claims_repo.standing(session, user.id, now)
            if seen is not None and not seen.refuses(now) and not give_up:
                return seen
            auth_events.refused(LoginRefusal.LOCKED)
            comment = "busy" if seen is not None and not seen.refuses(now) else None
            entry = self._audit.entry(
                AuditAction.LOGIN_LOCKED, client, user=user.id, comment=comment
            )
            await self._audit.record_in(session, entry)
            return None

    @asynccontextmanager
    async def _turn(self, user_id: str) -> AsyncIterator[None]:
        """The attempts of this process that wait for room on one account take turns, first
        come first served: only the first one looks at the row, and a newcomer does not
        take the room a waiter has waited for."""
        turn = self._turns.setdefault(user_id, _Turn())
        turn.waiting += 1
        try:
            async with turn.lock:
                yield
        finally:
            turn.waiting -= 1
            if turn.waiting == 0:
                del self._turns[user_id]

    async def _until_changed(
        self, user_id: str, seen: claims_repo.Standing, deadline: float
    ) -> None:
        """Waits (reading, so no write lock is taken) until the row differs from what the
        refused claim saw, or the deadline passed."""
        loop = asyncio.get_running_loop()
        while loop.time() < deadline:
            await asyncio.sleep((POLL_MS[0] + secrets.randbelow(POLL_MS[1] - POLL_MS[0])) / 1000)
            async with self._db.read() as session:
                now = self._clock.now()
                if await claims_repo.standing(session, user_id, now) != seen:
                    return

    async def failed(self, claim: LoginClaim, client: ClientInfo) -> None:
        """The claimed attempt failed: audited, counted (unless a success came since the
        claim), and the lock and the suspension rule applied to the count it reached."""
        user, now = claim.user, self._clock.now()
        async with self._db.write() as session:
            failures = await claims_repo.settle_failure(session, user.id, claim.run, now)
            claim.settled = True
            counted = "not counted: a success came since" if failures is None else failures
            entries = [
                self._audit.entry(
                    AuditAction.LOGIN_FAILED, client, user=user.id, comment=f"failures={counted}"
                )
            ]
            if failures is not None:
                limit = await self._limit(session)
                if (
                    limit
                    and failures >= limit
                    and await users_repo.update_if(
                        session, user.id, expect_status="active", status="suspended"
                    )
                ):
                    entries.append(
                        self._audit.entry(AuditAction.USER_SUSPENDED, client, user=user.id)
                    )
                    auth_events.account_suspended(user.id, client.ip)
                wait = self.lock_duration(failures)
                if wait is not None:
                    until = now + wait
                    await users_repo.update_values(session, user.id, locked_until=until)
                    auth_events.account_locked(user.id, client.ip, until.isoformat())
                    entries.append(
                        self._audit.entry(
                            AuditAction.LOGIN_LOCKED,
                            client,
                            user=user.id,
                            comment=f"locked until {until.isoformat()}",
                        )
                    )
            for entry in entries:
                await self._audit.record_in(session, entry)

    async def succeeded(self, claim: LoginClaim) -> None:
        """The claimed attempt proved the password outside a login (a login does this in
        its own transaction, `users_repo.record_login`): the run of failures ends."""
        async with self._db.write() as session:
            await claims_repo.settle_success(session, claim.user.id, self._clock.now())
        claim.settled = True

    async def released(self, claim: LoginClaim | None) -> None:
        """The claimed attempt ended without a verdict on its password (a login refused
        after its check, a directory that failed, an error, a cancelled request): no longer
        in flight, nothing counted. A claim already settled is left alone."""
        if claim is None or claim.settled:
            return
        claim.settled = True
        async with self._db.write() as session:
            await claims_repo.release(session, claim.user.id, self._clock.now())

    def _window(self) -> int | None:
        """The failures between two locks, or None when the lockout is off."""
        if not self._settings.auth_lockout_enabled:
            return None
        return self._settings.auth_lockout_threshold

    @staticmethod
    async def _limit(session: AsyncSession) -> int | None:
        """Directus's `auth_login_attempts` (project settings); None or 0: no suspension."""
        project = await settings_repo.get(session)
        return project.auth_login_attempts if project else None
