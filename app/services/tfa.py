"""Two-factor authentication with TOTP: generate a secret, enable, disable."""

from __future__ import annotations

from typing import Protocol

from app.accountability import ClientInfo
from app.clock import Clock
from app.db.engine import Database
from app.db.models import User
from app.errors import InvalidCredentialsError, InvalidOtpError, InvalidPayloadError
from app.repositories import core
from app.repositories import settings as settings_repo
from app.repositories import users as users_repo
from app.security import totp
from app.security.passwords import PasswordHasher
from app.security.rate_limits import RateLimits
from app.services.audit import AuditAction, AuditLog


class DirectoryPasswords(Protocol):
    async def directory_password_ok(self, user: User, password: str) -> bool | None: ...


class TfaService:
    def __init__(
        self,
        db: Database,
        clock: Clock,
        hasher: PasswordHasher,
        audit: AuditLog,
        rate_limits: RateLimits,
        directory: DirectoryPasswords | None = None,
    ) -> None:
        self._directory = directory
        self._db = db
        self._clock = clock
        self._hasher = hasher
        self._audit = audit
        self._rate_limits = rate_limits

    async def generate(
        self, user_id: str, password: str | None, client: ClientInfo
    ) -> tuple[str, str]:
        """A new secret and its otpauth:// URL; nothing is stored until enable."""
        await self._rate_limits.hit_auth(client.ip)
        async with self._db.read() as session:
            user = await users_repo.get_by_id(session, user_id)
            settings = await settings_repo.get(session)
        if user is None:
            raise InvalidCredentialsError()
        if not await self._password_ok(user, password):
            raise InvalidCredentialsError()
        if user.tfa_secret:
            raise InvalidPayloadError("TFA Secret is already set for this user")
        secret = totp.new_secret()
        project = settings.project_name if settings and settings.project_name else "Directus"
        return secret, totp.provisioning_uri(secret, user.email or user.id, project)

    async def _password_ok(self, user: User, password: str | None) -> bool:
        """A local password must match; a provider user has none, except that an LDAP user's
        lives in the directory, which is asked (as Directus's LDAP driver does)."""
        if user.password is not None:
            return bool(password) and await self._hasher.verify(password or "", user.password)
        if user.provider == "default":
            return False
        if self._directory is None:
            return True
        return await self._directory.directory_password_ok(user, password or "") is not False

    async def enable(self, user_id: str, otp: str, secret: str, client: ClientInfo) -> None:
        await self._rate_limits.hit_auth(client.ip)
        step = totp.matching_step(secret, otp, self._clock.now())
        if step is None:
            raise InvalidPayloadError('"otp" is invalid')
        async with self._db.write() as session:
            user = await users_repo.get_by_id(session, user_id)
            if user is None:
                raise InvalidCredentialsError()
            if user.tfa_secret:
                raise InvalidPayloadError("TFA Secret is already set for this user")
            await users_repo.update_values(session, user_id, tfa_secret=secret, tfa_last_step=step)
            entry = self._audit.entry(AuditAction.TFA_ENABLED, client, user=user_id)
            await self._audit.record_in(session, entry)

    async def disable(self, user_id: str, otp: str, client: ClientInfo) -> None:
        await self._rate_limits.hit_auth(client.ip)
        async with self._db.write() as session:
            user = await users_repo.get_by_id(session, user_id)
            if user is None or not user.tfa_secret:
                raise InvalidPayloadError("TFA is not enabled for this user")
            step = totp.matching_step(user.tfa_secret, otp, self._clock.now(), stored=True)
            if step is None:
                raise InvalidOtpError()
            if not await core.run(session, users_repo.claim_tfa_step, user_id, step):
                raise InvalidOtpError()
            await users_repo.update_values(session, user_id, tfa_secret=None, tfa_last_step=None)
            entry = self._audit.entry(AuditAction.TFA_DISABLED, client, user=user_id)
            await self._audit.record_in(session, entry)
