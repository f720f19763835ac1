"""Proof that the account's owner is at the keyboard now, before a change that could hand the
account to someone else (a user's own email address: the reset link goes there).

The proof is either the current password, sent with the change, or a password (or provider)
login within AUTH_FRESH_LOGIN_WINDOW, read from the access token's `auth_time`. A wrong
password is a failed login: it counts toward the account's lock and Directus's suspension
rule (LoginGuard), and during a lock it is neither checked nor counted.
"""

from __future__ import annotations

from app.accountability import Accountability
from app.clock import Clock
from app.config import Settings
from app.db.engine import Database
from app.errors import InvalidCredentialsError, InvalidPayloadError
from app.repositories import users as users_repo
from app.security.passwords import PasswordHasher
from app.security.rate_limits import RateLimits
from app.services.login_guard import LoginGuard


class Reauthentication:
    def __init__(
        self,
        db: Database,
        settings: Settings,
        clock: Clock,
        hasher: PasswordHasher,
        guard: LoginGuard,
        rate_limits: RateLimits,
    ) -> None:
        self._db = db
        self._settings = settings
        self._clock = clock
        self._hasher = hasher
        self._guard = guard
        self._rate_limits = rate_limits

    def is_fresh(self, accountability: Accountability) -> bool:
        window = self._settings.auth_fresh_login_window
        if window <= 0 or accountability.auth_time is None:
            return False
        age_ms = (self._clock.now().timestamp() - accountability.auth_time) * 1000
        return 0 <= age_ms <= window

    async def confirm(
        self, accountability: Accountability, current_password: str | None, what: str
    ) -> None:
        """Passes when the caller proved itself; else INVALID_PAYLOAD (no proof sent) or
        INVALID_CREDENTIALS (a wrong password, or an account without one)."""
        if current_password is None:
            if self.is_fresh(accountability):
                return
            minutes = max(1, self._settings.auth_fresh_login_window // 60_000)
            raise InvalidPayloadError(
                f'{what} needs your current password in "current_password", '
                f"or a login in the last {minutes} minutes"
            )
        client = accountability.client
        await self._rate_limits.hit_auth(client.ip)
        user_id = accountability.user
        async with self._db.read() as session:
            user = None if user_id is None else await users_repo.get_by_id(session, user_id)
        if user is None or user.password is None:
            # Nothing to check against (single sign-on): only a fresh login proves it.
            await self._hasher.verify_dummy(current_password)
            raise InvalidCredentialsError()
        claim = await self._guard.claim(user, client)
        if claim is None:
            # Locked (or not active): neither checked nor counted.
            await self._hasher.verify_dummy(current_password)
            raise InvalidCredentialsError()
        if not await self._hasher.verify(current_password, user.password):
            await self._guard.failed(claim, client)
            raise InvalidCredentialsError()
        await self._guard.succeeded(claim)
