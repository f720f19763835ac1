"""Two-factor authentication with TOTP: generate a secret, enable, disable, and the
recovery codes' set made on enable and replaced on request (RecoveryCodes keeps them)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from functools import partial
from typing import Protocol, TypeVar

from app.accountability import ClientInfo
from app.clock import Clock
from app.db.engine import Database
from app.db.models import ProjectSettings, User
from app.db.types import AsyncSession
from app.errors import InvalidCredentialsError, InvalidPayloadError
from app.permissions.access import Access
from app.repositories import core
from app.repositories import project_settings as settings_repo
from app.repositories import users as users_repo
from app.repositories.sync import users as users_sync
from app.security import totp
from app.security.passwords import PasswordHasher
from app.security.rate_limits import RateLimits
from app.services.audit import AuditAction, AuditLog
from app.services.login_guard import LoginGuard
from app.services.reauth import Reauthentication, Verify
from app.services.recovery_codes import RecoveryCodes
from app.sso.config import DEFAULT_PROVIDER

T = TypeVar("T")


class DirectoryPasswords(Protocol):
    def has_directory(self, user: User) -> bool: ...

    async def directory_password_ok(self, user: User, password: str) -> bool: ...


class OwnRecordWriter(Protocol):
    async def require_own_update(self, access: Access, fields: list[str]) -> str: ...


class _WrongCodeError(InvalidPayloadError):
    """A code that is not the current one (or was used already): Directus's answer."""

    def __init__(self) -> None:
        super().__init__('"otp" is invalid')


class TfaService:
    def __init__(
        self,
        db: Database,
        clock: Clock,
        hasher: PasswordHasher,
        audit: AuditLog,
        rate_limits: RateLimits,
        reauth: Reauthentication,
        guard: LoginGuard,
        own_records: OwnRecordWriter,
        recovery: RecoveryCodes,
        directory: DirectoryPasswords | None = None,
    ) -> None:
        self._recovery = recovery
        self._own_records = own_records
        self._reauth = reauth
        self._guard = guard
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
        await self._prove_password(user, password, client)
        if user.tfa_secret:
            raise InvalidPayloadError("TFA Secret is already set for this user")
        secret = totp.new_secret()
        return secret, _otpauth_url(user, settings, secret)

    def recovery_codes_for(self, secret: str, user_id: str) -> list[str]:
        """The recovery codes enabling `secret` stores (an addition to Directus's generate:
        shown with the secret, as nothing is stored before enable)."""
        return self._recovery.for_secret(secret, user_id)

    async def recovery_codes_left(self, user_id: str) -> int:
        return await self._recovery.left(user_id)

    async def otpauth_url(self, user_id: str, secret: str) -> str:
        """The otpauth:// URL of a secret being set up (not stored yet), for showing it again
        beside a wrong code: the same URL generate gave. A malformed secret is refused."""
        if not totp.is_new_secret(secret):
            raise InvalidPayloadError('"secret" is invalid')
        async with self._db.read() as session:
            user = await users_repo.get_by_id(session, user_id)
            settings = await settings_repo.get(session)
        if user is None:
            raise InvalidCredentialsError()
        return _otpauth_url(user, settings, secret)

    async def _prove_password(self, user: User, password: str | None, client: ClientInfo) -> None:
        """As Directus: a local password must match, an LDAP user's is the directory's word,
        and a single sign-on user has none to give. Checked as a login checks it (the lock,
        the suspension rule, the stall): the password is what a thief of the session lacks."""
        password = password or ""
        verify: Verify | None = None
        if user.password is not None:
            verify = partial(self._hasher.verify, password, user.password)
        elif user.provider == DEFAULT_PROVIDER:
            verify = None  # a local account without a password: nothing proves it
        elif self._directory is not None and self._directory.has_directory(user):
            verify = partial(self._directory.directory_password_ok, user, password)
        else:
            return
        if not password:
            verify = None
        await self._reauth.prove(user, password, client, verify)

    async def enable(self, access: Access, otp: str, secret: str, client: ClientInfo) -> list[str]:
        """As Directus, storing the secret is an update of the caller's own `tfa_secret`:
        its permissions must allow it (checked first, so no code is spent on a refusal).
        The recovery codes stored, as shown: none for a secret the user had enabled before."""
        user_id = await self._own_records.require_own_update(access, ["tfa_secret"])
        await self._rate_limits.hit_auth(client.ip)
        step = totp.matching_step(secret, otp, self._clock.now())
        if step is None:
            raise _WrongCodeError()
        async with self._db.write() as session:
            user = await users_repo.get_by_id(session, user_id)
            if user is None:
                raise InvalidCredentialsError()
            # Guarded: of two enables racing, the second finds TFA on and stores nothing.
            if user.tfa_secret or not await users_repo.set_tfa_secret_if_none(
                session, user_id, secret, step
            ):
                raise InvalidPayloadError("TFA Secret is already set for this user")
            codes = await core.run(session, self._recovery.store_for_secret, user_id, secret)
            entry = self._audit.entry(AuditAction.TFA_ENABLED, client, user=user_id)
            await self._audit.record_in(session, entry)
        return codes

    async def disable(self, access: Access, otp: str, client: ClientInfo) -> None:
        """Clearing the secret needs update permission on the caller's own `tfa_secret`, as
        enabling does; the recovery codes go with it."""
        user_id = await self._own_records.require_own_update(access, ["tfa_secret"])
        await self._with_current_code(user_id, otp, client, self._disable)

    async def regenerate_recovery_codes(
        self, user_id: str, otp: str, client: ClientInfo
    ) -> list[str]:
        """A new set of recovery codes for a current TOTP code, shown once; the old set stops
        working. It leaves `tfa_secret` alone, so it asks no permission to update it (a user
        who may not turn TFA off still needs codes)."""
        return await self._with_current_code(user_id, otp, client, self._regenerate)

    async def _with_current_code(
        self,
        user_id: str,
        otp: str,
        client: ClientInfo,
        action: Callable[[AsyncSession, str, ClientInfo], Awaitable[T]],
    ) -> T:
        """`action` in the transaction that spends a current TOTP code of the user's. A wrong
        code is a failed login (a guess at the second factor): it counts toward the lock
        and the suspension rule, and during a lock no code is checked (answered as a wrong
        one)."""
        await self._rate_limits.hit_auth(client.ip)
        async with self._db.read() as session:
            user = await users_repo.get_by_id(session, user_id)
        if user is None or not user.tfa_secret:
            raise InvalidPayloadError("TFA is not enabled for this user")
        claim = await self._guard.claim(user, client)
        if claim is None:
            raise _WrongCodeError()
        try:
            async with self._db.write() as session:
                current = await users_repo.get_by_id(session, user.id)
                if current is None or not current.tfa_secret:
                    raise InvalidPayloadError("TFA is not enabled for this user")
                step = totp.matching_step(current.tfa_secret, otp, self._clock.now(), stored=True)
                # A replayed code is refused like a wrong one.
                if step is None or not await core.run(
                    session, users_sync.claim_tfa_step, user.id, step
                ):
                    raise _WrongCodeError()
                result = await action(session, user.id, client)
        except _WrongCodeError:
            await self._guard.failed(claim, client)
            raise
        except BaseException:
            await self._guard.released(claim)  # no verdict on the code (TFA gone meanwhile)
            raise
        await self._guard.succeeded(claim)
        return result

    async def _disable(self, session: AsyncSession, user_id: str, client: ClientInfo) -> None:
        await users_repo.update_values(session, user_id, tfa_secret=None, tfa_last_step=None)
        await core.run(session, self._recovery.clear, [user_id])
        entry = self._audit.entry(AuditAction.TFA_DISABLED, client, user=user_id)
        await self._audit.record_in(session, entry)

    async def _regenerate(
        self, session: AsyncSession, user_id: str, client: ClientInfo
    ) -> list[str]:
        codes = await core.run(session, self._recovery.store_new, user_id)
        entry = self._audit.entry(AuditAction.TFA_RECOVERY_CODES_REGENERATED, client, user=user_id)
        await self._audit.record_in(session, entry)
        return codes


def _otpauth_url(user: User, settings: ProjectSettings | None, secret: str) -> str:
    project = settings.project_name if settings and settings.project_name else "Directus"
    return totp.provisioning_uri(secret, user.email or user.id, project)
