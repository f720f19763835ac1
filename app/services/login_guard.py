"""Brute-force defence per account.

Directus's rule: after `auth_login_attempts` failures in a row (project settings) the user
is suspended. Beyond it: every AUTH_LOCKOUT_THRESHOLD failures lock the account for a while,
doubling each time up to AUTH_LOCKOUT_MAX_DURATION. The lock always ends by itself, and
attempts during a lock are neither checked nor counted, so an attacker can slow a victim
down but not keep them out forever.
"""

from __future__ import annotations

from datetime import timedelta

from app.accountability import ClientInfo
from app.clock import Clock
from app.config import Settings
from app.db.engine import Database
from app.db.models import User
from app.repositories import settings as settings_repo
from app.repositories import users as users_repo
from app.services.audit import AuditAction, AuditLog


class LoginGuard:
    def __init__(self, db: Database, settings: Settings, clock: Clock, audit: AuditLog) -> None:
        self._db = db
        self._settings = settings
        self._clock = clock
        self._audit = audit

    def is_locked(self, user: User) -> bool:
        return user.locked_until is not None and user.locked_until > self._clock.now()

    def lock_duration(self, failures: int) -> timedelta | None:
        """The wait after `failures` consecutive failures, or None when no lock starts now."""
        threshold = self._settings.auth_lockout_threshold
        if not self._settings.auth_lockout_enabled or failures % threshold != 0:
            return None
        nth = failures // threshold
        base = self._settings.auth_lockout_duration
        milliseconds = min(base * 2 ** min(nth - 1, 32), self._settings.auth_lockout_max_duration)
        return timedelta(milliseconds=milliseconds)

    async def failed(self, user: User, client: ClientInfo) -> None:
        async with self._db.write() as session:
            failures = await users_repo.count_failure(session, user.id)
            entries = [
                self._audit.entry(
                    AuditAction.LOGIN_FAILED, client, user=user.id, comment=f"failures={failures}"
                )
            ]
            project = await settings_repo.get(session)
            limit = project.auth_login_attempts if project else None
            if limit and failures >= limit and user.status == "active":
                await users_repo.update_values(session, user.id, status="suspended")
                entries.append(self._audit.entry(AuditAction.USER_SUSPENDED, client, user=user.id))
            wait = self.lock_duration(failures)
            if wait is not None:
                until = self._clock.now() + wait
                await users_repo.update_values(session, user.id, locked_until=until)
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
