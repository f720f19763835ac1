"""Proof that the account's owner is at the keyboard now, before a change that could hand the
account to someone else (a user's own email address: the reset link goes there).

The proof is either the current password, sent with the change, or a password (or provider)
login within AUTH_FRESH_LOGIN_WINDOW, read from the access token's `auth_time`. A wrong
password is a failed login: it counts toward the account's lock and Directus's suspension
rule (LoginGuard), and during a lock it is neither checked nor counted. `prove` is that
check for every other password check outside a login too (the TFA secret's generation).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from functools import partial

from app.accountability import Accountability, ClientInfo
from app.clock import Clock
from app.config import Settings
from app.db.engine import Database
from app.db.models import User
from app.errors import InvalidCredentialsError, InvalidPayloadError
from app.repositories import users as users_repo
from app.security.passwords import PasswordHasher
from app.security.rate_limits import RateLimits
from app.services.login_guard import LoginGuard
from app.services.stall import stalled

# Checks the password the caller sent (a local hash, or a directory's bind).
Verify = Callable[[], Awaitable[bool]]


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
        self,
        accountability: Accountability,
        current_password: str | None,
        what: str,
        field: str = "current_password",
    ) -> None:
        """Passes when the caller proved itself; else INVALID_PAYLOAD (no proof sent, naming
        the `field` it goes in) or INVALID_CREDENTIALS (a wrong password, or an account
        without one)."""
        if current_password is None:
            if self.is_fresh(accountability):
                return
            minutes = max(1, self._settings.auth_fresh_login_window // 60_000)
            raise InvalidPayloadError(
                f'{what} needs your current password in "{field}", '
                f"or a login in the last {minutes} minutes"
            )
        client = accountability.client
        await self._rate_limits.hit_auth(client.ip)
        user_id = accountability.user
        async with self._db.read() as session:
            user = None if user_id is None else await users_repo.get_by_id(session, user_id)
        # Without a local password (single sign-on) only a fresh login proves it.
        verify = None
        if user is not None and user.password is not None:
            verify = partial(self._hasher.verify, current_password, user.password)
        await self.prove(user, current_password, client, verify)

    async def prove(
        self, user: User | None, password: str, client: ClientInfo, verify: Verify | None
    ) -> None:
        """A password checked as a login checks it, for every check outside a login: under
        the account's LoginGuard claim (a wrong one is a failed login; during a lock it is
        neither checked nor counted) and in the login stall time. INVALID_CREDENTIALS when it
        fails, or when there is nothing to check (`verify` None). The caller rate-limits."""
        async with stalled(self._settings.login_stall_time):
            if user is None or verify is None:
                await self._hasher.verify_dummy(password)
                raise InvalidCredentialsError()
            claim = await self._guard.claim(user, client)
            if claim is None:
                # Locked (or not active): neither checked nor counted.
                await self._hasher.verify_dummy(password)
                raise InvalidCredentialsError()
            try:
                verified = await verify()
            except BaseException:
                await self._guard.released(claim)  # no verdict (a directory that failed)
                raise
            if not verified:
                await self._guard.failed(claim, client)
                raise InvalidCredentialsError()
            await self._guard.succeeded(claim)
