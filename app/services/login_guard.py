"""Brute-force defence per account.

Directus's rule: after `auth_login_attempts` failures in a row (project settings) the user
is suspended. Beyond it: every AUTH_LOCKOUT_THRESHOLD failures lock the account for a while,
doubling each time up to AUTH_LOCKOUT_MAX_DURATION. The lock always ends by itself, and
attempts during a lock are neither checked nor counted, so an attacker can slow a victim
down but not keep them out forever.

Both rules hold under concurrency because an attempt is claimed before its password is
checked: one conditional UPDATE refuses while the account is locked and otherwise counts the
attempt as a failure (a success sets the count back to 0). The claim that reaches the
threshold starts the lock at once, so a parallel burst gets exactly the threshold's number
of checks per lock window, as sequential guesses would; the claim that reaches
`auth_login_attempts` holds the account until its verdict, so no burst gets more checks
before the suspension than that number either.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from app.accountability import ClientInfo
from app.clock import Clock
from app.config import Settings
from app.db.engine import Database
from app.db.models import User
from app.db.types import AsyncSession
from app.repositories import project_settings as settings_repo
from app.repositories import users as users_repo
from app.services.audit import AuditAction, AuditLog

# How long the attempt that reaches `auth_login_attempts` holds the account while its
# password is checked: longer than any check (a hash, an LDAP bind and its timeouts). Its
# verdict ends the hold; only a crashed request leaves it to run out.
VERDICT_HOLD = timedelta(seconds=60)


@dataclass(frozen=True)
class LoginClaim:
    """An attempt counted before its password was checked: its number in the run of
    failures, and the lock it started itself (which its own success may end)."""

    user: User
    attempt: int
    locks_until: datetime | None = None
    hold: bool = False  # the lock only holds the account until this attempt's verdict


class LoginGuard:
    def __init__(self, db: Database, settings: Settings, clock: Clock, audit: AuditLog) -> None:
        self._db = db
        self._settings = settings
        self._clock = clock
        self._audit = audit

    def lock_duration(self, failures: int) -> timedelta | None:
        """The wait after `failures` consecutive failures, or None when no lock starts now."""
        threshold = self._settings.auth_lockout_threshold
        if not self._settings.auth_lockout_enabled or failures % threshold != 0:
            return None
        nth = failures // threshold
        base = self._settings.auth_lockout_duration
        milliseconds = min(base * 2 ** min(nth - 1, 32), self._settings.auth_lockout_max_duration)
        return timedelta(milliseconds=milliseconds)

    def is_hold(self, failures: int) -> bool:
        """Whether a lock set by the claim numbered `failures` only holds the account until
        that claim's verdict (no lock starts there). A hold stops further guesses, not an
        owner whose password was proved meanwhile under an earlier claim: that login passes
        it, and its success sets the count back to 0, so the verdict suspends no one."""
        return self.lock_duration(failures) is None

    async def claim(self, user: User, client: ClientInfo) -> LoginClaim | None:
        """Counts an attempt before its password is checked; None (audited) while locked or
        when the user is not active (as Directus, which refuses those before the password),
        when the password must not be checked at all."""
        if user.status != "active":
            entry = self._audit.entry(
                AuditAction.LOGIN_FAILED, client, user=user.id, comment=f"status={user.status}"
            )
            await self._audit.record(entry)
            return None
        now = self._clock.now()
        async with self._db.write() as session:
            attempt = await users_repo.claim_attempt(session, user.id, now)
            if attempt is None:
                entry = self._audit.entry(AuditAction.LOGIN_LOCKED, client, user=user.id)
                await self._audit.record_in(session, entry)
                return None
            wait, hold = self.lock_duration(attempt), False
            if wait is None:
                limit = await self._limit(session)
                hold = bool(limit and attempt >= limit)
                wait = VERDICT_HOLD if hold else None
            until = None if wait is None else now + wait
            if until is not None:
                await users_repo.update_values(session, user.id, locked_until=until)
        return LoginClaim(user=user, attempt=attempt, locks_until=until, hold=hold)

    async def failed(self, claim: LoginClaim, client: ClientInfo) -> None:
        """The claimed attempt failed: audited, and the suspension rule applied. It was
        counted when claimed; a lock it started stays, a hold ends."""
        user = claim.user
        async with self._db.write() as session:
            failures, locked_until = await users_repo.lockout_state(session, user.id)
            entries = [
                self._audit.entry(
                    AuditAction.LOGIN_FAILED,
                    client,
                    user=user.id,
                    comment=f"failures={claim.attempt}",
                )
            ]
            limit = await self._limit(session)
            # The count as it stands now too: a success since the claim set it back to 0.
            if (
                limit
                and min(claim.attempt, failures) >= limit
                and await users_repo.update_if(
                    session, user.id, expect_status="active", status="suspended"
                )
            ):
                entries.append(self._audit.entry(AuditAction.USER_SUSPENDED, client, user=user.id))
            until = claim.locks_until
            if until is not None and claim.hold:
                await users_repo.end_lock(session, user.id, until)
            elif until is not None and locked_until == until:
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
        """The claimed attempt proved the password outside a login (which clears the count
        in its own transaction): the count goes back to 0 and a lock it started ends."""
        async with self._db.write() as session:
            await users_repo.clear_failures(session, claim.user.id)
            if claim.locks_until is not None:
                await users_repo.end_lock(session, claim.user.id, claim.locks_until)

    @staticmethod
    async def _limit(session: AsyncSession) -> int | None:
        """Directus's `auth_login_attempts` (project settings); None or 0: no suspension."""
        project = await settings_repo.get(session)
        return project.auth_login_attempts if project else None
