"""The `default` provider's login: the password checked against the hash in directus_users."""

from __future__ import annotations

from functools import partial

from app.accountability import ClientInfo
from app.errors import InvalidCredentialsError
from app.observability.auth_events import LoginRefusal, refused
from app.security.passwords import PasswordHasher
from app.services.audit import AuditAction, AuditLog
from app.services.login_drivers import PasswordCredentials, Proof
from app.services.login_guard import LoginGuard
from app.sso.config import DEFAULT_PROVIDER


class LocalPasswords:
    def __init__(
        self, hasher: PasswordHasher, guard: LoginGuard, audit: AuditLog, *, disable_default: bool
    ) -> None:
        self._hasher = hasher
        self._guard = guard
        self._audit = audit
        self._disable_default = disable_default

    async def prove(self, credentials: PasswordCredentials, client: ClientInfo) -> Proof:
        password, user = credentials.password, credentials.user
        if user is not None and (user.provider != DEFAULT_PROVIDER or self._disable_default):
            user = None  # only a provider's own login (or none, AUTH_DISABLE_DEFAULT) opens it
        if user is None or user.password is None:
            refused(LoginRefusal.UNKNOWN_USER)
            await self._hasher.verify_dummy(password)
            await self._audit.record(
                self._audit.entry(
                    AuditAction.LOGIN_FAILED, client, item=credentials.identifier[:255]
                )
            )
            raise InvalidCredentialsError()
        # Counted before the check, atomically: a parallel burst gets no more checks than
        # sequential guesses would.
        claim = await self._guard.claim(user, client)
        if claim is None:
            # Locked: not checked and not counted, so the lock cannot be extended by guessing.
            await self._hasher.verify_dummy(password)
            raise InvalidCredentialsError()
        try:
            verified = await self._hasher.verify(password, user.password)
        except BaseException:
            await self._guard.released(claim)  # no verdict (an error, a cancelled request)
            raise
        if not verified:
            refused(LoginRefusal.WRONG_PASSWORD)
            await self._guard.failed(claim, client)
            raise InvalidCredentialsError()
        outdated = self._hasher.needs_update(user.password)
        return Proof(user, claim, rehash=partial(self._hasher.hash, password) if outdated else None)
